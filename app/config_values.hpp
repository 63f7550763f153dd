#pragma once
// The value types of tallyhub's options and their text forms: listen endpoints, durations, byte sizes,
// counts and named choices. Each `parse_*` takes the text a user wrote and throws `config_error` with a
// message that names the bad text and what was expected; config.cpp prefixes where it came from
// ("--http: ", "TALLYHUB_HTTP: ", "app.toml: http: ").

#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <iterator>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tallyhub::app {

/// A value that does not parse or is out of range; start-up only, never on a hot path.
struct config_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// A numeric listen address (IPv4 or IPv6) and port, ready for bind(2).
struct endpoint {
    sockaddr_storage address{};  ///< sockaddr_in or sockaddr_in6, network byte order
    socklen_t length = 0;        ///< sizeof the sockaddr in `address`

    /// An IPv4 endpoint; `host` in host byte order (INADDR_ANY, INADDR_LOOPBACK).
    static endpoint ipv4(std::uint32_t host, std::uint16_t port);

    int family() const noexcept { return address.ss_family; }
    std::uint16_t port() const noexcept;
    /// "0.0.0.0:8080" or "[::1]:8080".
    std::string to_string() const;

    friend bool operator==(const endpoint& a, const endpoint& b) noexcept;
};

/// Parses HOST:PORT without DNS. HOST: dotted-quad IPv4, `[IPv6]`, `localhost` (127.0.0.1), or `*`/empty
/// (0.0.0.0). PORT: 0-65535, 0 asks the kernel for a free port.
endpoint parse_endpoint(std::string_view text);

/// Parses one or more NUMBER UNIT groups: "10s", "100ms", "1.5s", "1m30s"; units ns, us, ms, s, m, h.
/// A bare number is rejected: the unit is what tells "10" seconds from milliseconds.
std::chrono::nanoseconds parse_duration(std::string_view text);
/// The shortest exact form: 10s, 1m, 1500ms.
std::string format_duration(std::chrono::nanoseconds d);

/// Parses a byte count: "16384", "16KiB", "1MiB", "1G" (K/M/G are binary, case-insensitive).
std::uint64_t parse_byte_size(std::string_view text);
/// The largest exact binary unit: 16KiB, 1MiB, 1000.
std::string format_byte_size(std::uint64_t bytes);

/// Parses a decimal integer in [min, max].
std::uint64_t parse_count(std::string_view text, std::uint64_t min, std::uint64_t max);

/// One accepted spelling of an enumerated option.
template <typename Enum>
struct choice {
    std::string_view name;
    Enum value;
};

/// Looks `text` up in `choices`; the error lists every accepted name.
template <typename Enum>
Enum parse_choice(std::string_view text, std::span<const choice<Enum>> choices);
/// The name of `value` in `choices` (empty when missing).
template <typename Enum>
std::string_view choice_name(Enum value, std::span<const choice<Enum>> choices);

/// Which I/O backend the reactors use; `automatic` tries io_uring and falls back to epoll.
enum class io_backend_mode { uring, epoll, automatic };
inline constexpr choice<io_backend_mode> io_backend_choices[] = {
    {"uring", io_backend_mode::uring}, {"epoll", io_backend_mode::epoll}, {"auto", io_backend_mode::automatic}};

/// The lowest severity that gets logged.
enum class log_severity { trace, debug, info, warn, error };
inline constexpr choice<log_severity> log_severity_choices[] = {{"trace", log_severity::trace},
                                                               {"debug", log_severity::debug},
                                                               {"info", log_severity::info},
                                                               {"warn", log_severity::warn},
                                                               {"error", log_severity::error}};

/// Checks a CORS origin as browsers send it: `scheme://host[:port]` with no path, or `*`.
std::string parse_origin(std::string_view text);

/// "a, b or c": for error messages that list what is accepted.
std::string join_alternatives(std::span<const std::string_view> names);

template <typename Enum>
Enum parse_choice(std::string_view text, std::span<const choice<Enum>> choices) {
    std::string_view names[16];
    std::size_t n = 0;
    for (const auto& c : choices) {
        if (c.name == text) return c.value;
        if (n < std::size(names)) names[n++] = c.name;
    }
    throw config_error("invalid value \"" + std::string(text) + "\" (expected " +
                       join_alternatives(std::span(names, n)) + ")");
}

template <typename Enum>
std::string_view choice_name(Enum value, std::span<const choice<Enum>> choices) {
    for (const auto& c : choices) {
        if (c.value == value) return c.name;
    }
    return {};
}

}  // namespace tallyhub::app
