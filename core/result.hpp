#pragma once
// result<T>: the return type of hot paths. Either a value or an error (an errc-like code plus a short,
// static description that can be sent to a peer). No exceptions on the data path.

#include <cassert>
#include <string_view>
#include <utility>
#include <variant>

namespace tallyhub {

/// An error: a numeric code (a protocol status, -errno, or a module-specific enum value) and a reason.
/// `reason` must point at static storage (string literals), so an error is two words and never allocates.
struct error {
    int code = 0;
    std::string_view reason;

    friend bool operator==(const error& a, const error& b) { return a.code == b.code && a.reason == b.reason; }
};

/// Value-or-error. `ok()` tells which; `value()` and `err()` assert the right side in debug builds.
template <typename T>
class [[nodiscard]] result {
public:
    result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    result(error e) : v_(std::in_place_index<1>, e) {}

    bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    T& value() & { assert(ok()); return *std::get_if<0>(&v_); }
    const T& value() const& { assert(ok()); return *std::get_if<0>(&v_); }
    T&& value() && { assert(ok()); return std::move(*std::get_if<0>(&v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }

    const error& err() const { assert(!ok()); return *std::get_if<1>(&v_); }

private:
    std::variant<T, error> v_;
};

/// result<void>: success or an error.
template <>
class [[nodiscard]] result<void> {
public:
    result() = default;
    result(error e) : err_(e), failed_(true) {}

    bool ok() const noexcept { return !failed_; }
    explicit operator bool() const noexcept { return ok(); }
    const error& err() const { assert(failed_); return err_; }

private:
    error err_{};
    bool failed_ = false;
};

}  // namespace tallyhub
