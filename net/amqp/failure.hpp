#pragma once
// How the AMQP 1.0 codec says no. A `failure` is an AMQP error condition plus a human description,
// ready to be sent back to the peer in a close / end / detach `error` (AMQP 1.0 §2.8.15, §3.6 of
// shared/reference/amqp-1.0.md). The description lives inside the object, so reporting a failure
// never allocates, and the decoder can say exactly what it found ("list8 size 40 exceeds the 12
// bytes left") rather than a fixed string.

#include <cassert>
#include <cstdarg>
#include <cstdint>
#include <new>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

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
/// Own storage rather than std::variant: `result(std::in_place)` default-initialises the value
/// (its member initialisers run; nothing else is zeroed), which is what lets a decoder build a
/// large struct in place in a few stores.
template <typename T>
class [[nodiscard]] result {
public:
    result(T&& value) : ok_(true) { ::new (&value_) T(std::move(value)); }
    result(const T& value) : ok_(true) { ::new (&value_) T(value); }
    result(const failure& f) : ok_(false) { ::new (&failure_) failure(f); }
    /// A default-initialised value, built in place (decoders fill it through `value()`).
    explicit result(std::in_place_t) : ok_(true) { ::new (&value_) T; }

    result(const result& o) : ok_(o.ok_) {
        if (ok_) {
            ::new (&value_) T(o.value_);
        } else {
            ::new (&failure_) failure(o.failure_);
        }
    }
    result(result&& o) noexcept(std::is_nothrow_move_constructible_v<T>) : ok_(o.ok_) {
        if (ok_) {
            ::new (&value_) T(std::move(o.value_));
        } else {
            ::new (&failure_) failure(o.failure_);
        }
    }
    result& operator=(const result& o) {
        if (this != &o) {
            destroy();
            ::new (this) result(o);
        }
        return *this;
    }
    result& operator=(result&& o) noexcept(std::is_nothrow_move_constructible_v<T>) {
        if (this != &o) {
            destroy();
            ::new (this) result(std::move(o));
        }
        return *this;
    }
    /// Turns this result into a failure (decoders give up through this on bad input).
    result& operator=(const failure& f) {
        destroy();
        ::new (&failure_) failure(f);
        ok_ = false;
        return *this;
    }
    ~result() { destroy(); }

    bool ok() const noexcept { return ok_; }
    explicit operator bool() const noexcept { return ok_; }

    T& value() & { assert(ok_); return value_; }
    const T& value() const& { assert(ok_); return value_; }
    T&& value() && { assert(ok_); return std::move(value_); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }

    const failure& err() const { assert(!ok_); return failure_; }

private:
    void destroy() noexcept {
        if (ok_) value_.~T();
    }

    union {
        T value_;
        failure failure_;
    };
    bool ok_;
};

}  // namespace tallyhub::amqp
