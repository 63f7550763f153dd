#pragma once
// How the AMQP 1.0 codec says no. A `failure` is an AMQP error condition plus a human description,
// ready to be sent back to the peer in a close / end / detach `error` (AMQP 1.0 §2.8.15, §3.6 of
// shared/reference/amqp-1.0.md). The description lives inside the object, so reporting a failure
// never allocates, and the decoder can say exactly what it found ("list8 size 40 exceeds the 12
// bytes left") rather than a fixed string.

#include <cassert>
#include <cstdarg>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <variant>

namespace tallyhub::amqp {

/// The standard error conditions (AMQP 1.0 §2.8.15-§2.8.18).
enum class condition : std::uint8_t {
    none,
    // amqp-error
    internal_error,
    not_found,
    unauthorized_access,
    decode_error,
    resource_limit_exceeded,
    not_allowed,
    invalid_field,
    not_implemented,
    resource_locked,
    precondition_failed,
    resource_deleted,
    illegal_state,
    frame_size_too_small,
    // connection-error
    connection_forced,
    framing_error,
    connection_redirect,
    // session-error
    window_violation,
    errant_link,
    handle_in_use,
    unattached_handle,
    // link-error
    detach_forced,
    transfer_limit_exceeded,
    message_size_exceeded,
    link_redirect,
    stolen,
};

/// The symbol sent on the wire, e.g. "amqp:connection:framing-error"; empty for `none`.
std::string_view condition_symbol(condition c) noexcept;
/// The standard condition a symbol names; nullopt for vendor conditions ("com.microsoft:…").
std::optional<condition> condition_from_symbol(std::string_view symbol) noexcept;

/// A decoding or protocol failure: a condition and a description of at most `max_description` bytes.
class failure {
public:
    static constexpr std::size_t max_description = 118;

    failure() noexcept = default;
    /// Copies `description`, cut to `max_description` bytes.
    failure(condition c, std::string_view description) noexcept;
    /// printf-style description, cut to `max_description` bytes. Use "%.*s" for string_views.
    [[gnu::format(printf, 2, 3)]] static failure format(condition c, const char* fmt, ...) noexcept;
    /// The same with a `va_list`.
    static failure vformat(condition c, const char* fmt, va_list args) noexcept;

    condition cond() const noexcept { return cond_; }
    std::string_view symbol() const noexcept { return condition_symbol(cond_); }
    std::string_view description() const noexcept { return {text_, size_}; }
    /// True once a failure has been recorded (`cond() != condition::none`).
    bool failed() const noexcept { return cond_ != condition::none; }

    friend bool operator==(const failure& a, const failure& b) noexcept {
        return a.cond_ == b.cond_ && a.description() == b.description();
    }

private:
    condition cond_ = condition::none;
    std::uint8_t size_ = 0;
    char text_[max_description];  // not zeroed: only the first size_ bytes are ever read
};

/// Value-or-failure, the shape of `tallyhub::result<T>` with an AMQP `failure` on the error side.
template <typename T>
class [[nodiscard]] result {
public:
    result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    result(const failure& f) : v_(std::in_place_index<1>, f) {}

    bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    T& value() & { assert(ok()); return *std::get_if<0>(&v_); }
    const T& value() const& { assert(ok()); return *std::get_if<0>(&v_); }
    T&& value() && { assert(ok()); return std::move(*std::get_if<0>(&v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }

    const failure& err() const { assert(!ok()); return *std::get_if<1>(&v_); }

private:
    std::variant<T, failure> v_;
};

}  // namespace tallyhub::amqp
