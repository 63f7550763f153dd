#include "app/config_values.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <limits>

namespace tallyhub::app {
namespace {

std::string quoted(std::string_view text) {
    return "\"" + std::string(text) + "\"";
}

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

std::uint16_t parse_port(std::string_view text) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (!all_digits(text) || ec != std::errc{} || end != text.data() + text.size() || value > 65535) {
        throw config_error("invalid port " + quoted(text) + " (expected 0-65535)");
    }
    return static_cast<std::uint16_t>(value);
}

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

}  // namespace

endpoint endpoint::ipv4(std::uint32_t host, std::uint16_t port) {
    endpoint e;
    auto* sin = reinterpret_cast<sockaddr_in*>(&e.address);
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(host);
    sin->sin_port = htons(port);
    e.length = sizeof(sockaddr_in);
    return e;
}

std::uint16_t endpoint::port() const noexcept {
    if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
    return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
}

std::string endpoint::to_string() const {
    char host[INET6_ADDRSTRLEN] = {};
    if (family() == AF_INET6) {
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&address)->sin6_addr, host, sizeof host);
        return "[" + std::string(host) + "]:" + std::to_string(port());
    }
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&address)->sin_addr, host, sizeof host);
    return std::string(host) + ":" + std::to_string(port());
}

bool operator==(const endpoint& a, const endpoint& b) noexcept {
    return a.length == b.length && std::memcmp(&a.address, &b.address, a.length) == 0;
}

endpoint parse_endpoint(std::string_view text) {
    std::string_view host;
    std::string_view port;
    if (text.starts_with('[')) {
        auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            throw config_error("invalid endpoint " + quoted(text) + " (expected [IPv6]:PORT, e.g. [::1]:8080)");
        }
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
        std::uint16_t p = parse_port(port);
        endpoint e;
        auto* sin6 = reinterpret_cast<sockaddr_in6*>(&e.address);
        // inet_pton needs a NUL-terminated string; a zone id ("%eth0") is not numeric and is rejected.
        if (inet_pton(AF_INET6, std::string(host).c_str(), &sin6->sin6_addr) != 1) {
            throw config_error("invalid IPv6 address " + quoted(host));
        }
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(p);
        e.length = sizeof(sockaddr_in6);
        return e;
    }
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        throw config_error("invalid endpoint " + quoted(text) + " (expected HOST:PORT, e.g. 0.0.0.0:8080)");
    }
    if (text.find(':') != colon) {
        throw config_error("invalid endpoint " + quoted(text) +
                           " (write IPv6 addresses in brackets, e.g. [::1]:8080)");
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    std::uint16_t p = parse_port(port);
    if (host.empty() || host == "*") return endpoint::ipv4(INADDR_ANY, p);
    if (iequals(host, "localhost")) return endpoint::ipv4(INADDR_LOOPBACK, p);
    in_addr addr{};
    // inet_pton(AF_INET) accepts only the dotted quad: no "1.2.3", no octal, no hex.
    if (inet_pton(AF_INET, std::string(host).c_str(), &addr) != 1) {
        throw config_error("invalid host " + quoted(host) +
                           " (expected an IPv4 address, [IPv6 address], localhost or *)");
    }
    return endpoint::ipv4(ntohl(addr.s_addr), p);
}

namespace {

struct time_unit {
    std::string_view name;
    std::int64_t nanos;
};

// Longest names first so "ms" is not read as "m" followed by garbage.
constexpr time_unit time_units[] = {{"ns", 1},
                                    {"us", 1'000},
                                    {"ms", 1'000'000},
                                    {"h", 3'600'000'000'000},
                                    {"m", 60'000'000'000},
                                    {"s", 1'000'000'000}};

// Display order: the largest unit that divides the value exactly wins.
constexpr time_unit display_units[] = {
    {"h", 3'600'000'000'000}, {"m", 60'000'000'000}, {"s", 1'000'000'000}, {"ms", 1'000'000}, {"us", 1'000}};

}  // namespace

std::chrono::nanoseconds parse_duration(std::string_view text) {
    auto fail = [&](std::string_view why) -> config_error {
        return config_error("invalid duration " + quoted(text) + " (" + std::string(why) + ")");
    };
    if (text.empty()) throw fail("expected a number and a unit, e.g. 10s");
    if (all_digits(text)) throw fail("a unit is required: ns, us, ms, s, m or h, e.g. " + std::string(text) + "s");

    __int128 total = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t start = i;
        __int128 whole = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            whole = whole * 10 + (text[i++] - '0');
            if (whole > std::numeric_limits<std::int64_t>::max()) throw fail("too large");
        }
        bool had_whole = i > start;
        __int128 fraction = 0;
        __int128 scale = 1;
        if (i < text.size() && text[i] == '.') {
            ++i;
            std::size_t frac_start = i;
            while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
                // Digits past the 18th cannot change the result by a nanosecond; drop them.
                if (i - frac_start < 18) {
                    fraction = fraction * 10 + (text[i] - '0');
                    scale *= 10;
                }
                ++i;
            }
            if (i == frac_start && !had_whole) throw fail("expected a number and a unit, e.g. 10s");
        } else if (!had_whole) {
            throw fail("expected a number and a unit, e.g. 10s");
        }
        const time_unit* unit = nullptr;
        for (const auto& u : time_units) {
            if (text.substr(i).starts_with(u.name)) {
                unit = &u;
                break;
            }
        }
        if (unit == nullptr) throw fail("unknown or missing unit; use ns, us, ms, s, m or h");
        i += unit->name.size();
        total += whole * unit->nanos + fraction * unit->nanos / scale;
        if (total > std::numeric_limits<std::int64_t>::max()) throw fail("too large");
    }
    return std::chrono::nanoseconds(static_cast<std::int64_t>(total));
}

std::string format_duration(std::chrono::nanoseconds d) {
    std::int64_t n = d.count();
    if (n == 0) return "0s";
    for (const auto& u : display_units) {
        if (n % u.nanos == 0) return std::to_string(n / u.nanos) + std::string(u.name);
    }
    return std::to_string(n) + "ns";
}

namespace {

struct size_unit {
    std::string_view name;
    std::uint64_t bytes;
};

constexpr size_unit size_units[] = {{"", 1},          {"b", 1},         {"k", 1ull << 10}, {"kib", 1ull << 10},
                                    {"m", 1ull << 20}, {"mib", 1ull << 20}, {"g", 1ull << 30}, {"gib", 1ull << 30}};

}  // namespace

std::uint64_t parse_byte_size(std::string_view text) {
    std::size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
    std::string_view suffix = text.substr(digits);
    std::uint64_t number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + digits, number);
    (void)end;
    if (digits == 0 || ec != std::errc{}) {
        throw config_error("invalid size " + quoted(text) + " (expected bytes, or a number with KiB, MiB or GiB)");
    }
    for (const auto& u : size_units) {
        if (iequals(suffix, u.name)) {
            std::uint64_t bytes = 0;
            if (__builtin_mul_overflow(number, u.bytes, &bytes)) throw config_error("size " + quoted(text) + " is too large");
            return bytes;
        }
    }
    throw config_error("invalid size " + quoted(text) + " (unknown unit " + quoted(suffix) +
                       "; use KiB, MiB or GiB)");
}

std::string format_byte_size(std::uint64_t bytes) {
    constexpr size_unit units[] = {{"GiB", 1ull << 30}, {"MiB", 1ull << 20}, {"KiB", 1ull << 10}};
    for (const auto& u : units) {
        if (bytes != 0 && bytes % u.bytes == 0) return std::to_string(bytes / u.bytes) + std::string(u.name);
    }
    return std::to_string(bytes);
}

std::uint64_t parse_count(std::string_view text, std::uint64_t min, std::uint64_t max) {
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (!all_digits(text) || ec != std::errc{} || end != text.data() + text.size() || value < min || value > max) {
        throw config_error("invalid value " + quoted(text) + " (expected " + std::to_string(min) + "-" +
                           std::to_string(max) + ")");
    }
    return value;
}

std::string parse_origin(std::string_view text) {
    if (text == "*") return std::string(text);
    auto scheme_end = text.find("://");
    bool ok = scheme_end != std::string_view::npos && scheme_end > 0 && scheme_end + 3 < text.size() &&
              text.find('/', scheme_end + 3) == std::string_view::npos;
    if (!ok) {
        throw config_error("invalid origin " + quoted(text) +
                           " (expected scheme://host[:port] without a path, e.g. https://example.com, or *)");
    }
    return std::string(text);
}

std::string join_alternatives(std::span<const std::string_view> names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
        out += names[i];
    }
    return out;
}

}  // namespace tallyhub::app
