#include "net/amqp/failure.hpp"

#include <algorithm>
#include <array>
#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace tallyhub::amqp {

namespace {

// Indexed by `condition`; keep in the enum's order.
constexpr std::array<std::string_view, 26> symbols{
    "",
    "amqp:internal-error",
    "amqp:not-found",
    "amqp:unauthorized-access",
    "amqp:decode-error",
    "amqp:resource-limit-exceeded",
    "amqp:not-allowed",
    "amqp:invalid-field",
    "amqp:not-implemented",
    "amqp:resource-locked",
    "amqp:precondition-failed",
    "amqp:resource-deleted",
    "amqp:illegal-state",
    "amqp:frame-size-too-small",
    "amqp:connection:forced",
    "amqp:connection:framing-error",
    "amqp:connection:redirect",
    "amqp:session:window-violation",
    "amqp:session:errant-link",
    "amqp:session:handle-in-use",
    "amqp:session:unattached-handle",
    "amqp:link:detach-forced",
    "amqp:link:transfer-limit-exceeded",
    "amqp:link:message-size-exceeded",
    "amqp:link:redirect",
    "amqp:link:stolen",
};
static_assert(symbols.size() == std::size_t(condition::stolen) + 1);

}  // namespace

std::string_view condition_symbol(condition c) noexcept {
    auto i = std::size_t(c);
    return i < symbols.size() ? symbols[i] : std::string_view{};
}

std::optional<condition> condition_from_symbol(std::string_view symbol) noexcept {
    for (std::size_t i = 1; i < symbols.size(); ++i)
        if (symbols[i] == symbol) return condition(i);
    return std::nullopt;
}

failure::failure(condition c, std::string_view description) noexcept : cond_(c) {
    size_ = std::uint8_t(std::min(description.size(), max_description));
    std::memcpy(text_, description.data(), size_);
}

failure failure::vformat(condition c, const char* fmt, va_list args) noexcept {
    failure f;
    f.cond_ = c;
    char buf[max_description + 1];
    int n = std::vsnprintf(buf, sizeof buf, fmt, args);
    f.size_ = std::uint8_t(std::clamp<int>(n, 0, int(max_description)));
    std::memcpy(f.text_, buf, f.size_);
    return f;
}

failure failure::format(condition c, const char* fmt, ...) noexcept {
    va_list args;
    va_start(args, fmt);
    failure f = vformat(c, fmt, args);
    va_end(args);
    return f;
}

}  // namespace tallyhub::amqp
