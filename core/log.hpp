#pragma once
// A small logger for reactor threads. Each record is one line on stderr, written with ONE write(2), so
// lines from different cores never interleave and no lock is needed:
//
//   2025-12-03T20:08:01.123Z WARN  [core 3] bad frame from 10.0.0.7: opcode 0x3
//
// UTC time with milliseconds, level, the calling thread's core ("main" outside the reactor threads,
// set with set_log_core()), then the message formatted by {fmt} with compile-time checked format
// strings. Control characters in the message are escaped (\n, \r, \xNN) so bytes from the network
// cannot forge log lines; a line is capped at 4096 bytes (PIPE_BUF, atomic on pipes) and cut with "...".
//
// The level filter is one global threshold read with a relaxed load before anything is formatted.
// Floods are tamed per call site with TALLYHUB_LOG_LIMITED (at most N lines per second per site and
// per thread, then "suppressed K messages from file:line" when the site next gets through).
//
// Writing to stderr blocks if the reader (a terminal, journald) stalls; log on the data path only
// through TALLYHUB_LOG_LIMITED or at debug/trace levels that are off in production.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include <fmt/core.h>

namespace tallyhub {

/// Severity, lowest first; `off` as a threshold silences everything.
enum class log_level : std::uint8_t { trace, debug, info, warn, error, off };

namespace detail {
inline std::atomic<log_level> log_threshold{log_level::info};
}  // namespace detail

/// Sets the global threshold: records below it are dropped. Default: info.
inline void set_log_level(log_level level) noexcept { detail::log_threshold.store(level, std::memory_order_relaxed); }
/// The global threshold.
inline log_level get_log_level() noexcept { return detail::log_threshold.load(std::memory_order_relaxed); }
/// True when a record at `level` would be written.
inline bool log_enabled(log_level level) noexcept {
    return level != log_level::off && level >= detail::log_threshold.load(std::memory_order_relaxed);
}

/// Parses "trace", "debug", "info", "warn"/"warning", "error", "off" (any case); nullopt otherwise.
std::optional<log_level> parse_log_level(std::string_view text) noexcept;
/// The lower-case name of `level` ("info").
std::string_view log_level_name(log_level level) noexcept;

/// Sets the calling thread's core id shown on its lines; -1 (the default) shows "main".
void set_log_core(int core) noexcept;
/// The calling thread's core id as set by set_log_core().
int log_core() noexcept;

/// Writes one record with an already formatted message (escaped and capped like any other).
void log_write(log_level level, std::string_view message) noexcept;
/// Formats and writes one record; the type-erased back end of log_at().
void log_vwrite(log_level level, fmt::string_view format, fmt::format_args args) noexcept;

/// Writes a record at `level` if enabled: log_at(log_level::info, "listening on {}", port).
template <typename... Args>
void log_at(log_level level, fmt::format_string<Args...> format, Args&&... args) {
    if (log_enabled(level)) log_vwrite(level, format, fmt::make_format_args(args...));
}

/// Level shorthands for log_at().
template <typename... Args>
void log_trace(fmt::format_string<Args...> format, Args&&... args) { log_at(log_level::trace, format, std::forward<Args>(args)...); }
template <typename... Args>
void log_debug(fmt::format_string<Args...> format, Args&&... args) { log_at(log_level::debug, format, std::forward<Args>(args)...); }
template <typename... Args>
void log_info(fmt::format_string<Args...> format, Args&&... args) { log_at(log_level::info, format, std::forward<Args>(args)...); }
template <typename... Args>
void log_warn(fmt::format_string<Args...> format, Args&&... args) { log_at(log_level::warn, format, std::forward<Args>(args)...); }
template <typename... Args>
void log_error(fmt::format_string<Args...> format, Args&&... args) { log_at(log_level::error, format, std::forward<Args>(args)...); }

/// Admits at most `per_second` events per one-second window and counts the rest. Not thread-safe:
/// keep one per thread (TALLYHUB_LOG_LIMITED does) or per core-owned object.
class rate_limiter {
public:
    /// At least one event per second is always admitted.
    explicit constexpr rate_limiter(std::uint32_t per_second) noexcept : per_second_(per_second == 0 ? 1 : per_second) {}

    /// Whether an event at `now` is admitted. The first admitted event of a new window receives in
    /// `suppressed` how many were refused since the previous report; otherwise `suppressed` is 0.
    bool allow(std::chrono::steady_clock::time_point now, std::uint64_t& suppressed) noexcept {
        suppressed = 0;
        if (!started_ || now - window_start_ >= std::chrono::seconds(1)) {
            started_ = true;
            window_start_ = now;
            used_ = 0;
            suppressed = suppressed_;
            suppressed_ = 0;
        }
        if (used_ < per_second_) {
            ++used_;
            return true;
        }
        ++suppressed_;
        return false;
    }

private:
    std::uint32_t per_second_;
    std::uint32_t used_ = 0;
    std::uint64_t suppressed_ = 0;
    std::chrono::steady_clock::time_point window_start_{};
    bool started_ = false;
};

/// Writes "suppressed `count` messages from <file basename>:<line>" at `level`.
void log_suppressed(log_level level, std::uint64_t count, std::string_view file, int line) noexcept;

}  // namespace tallyhub

/// Rate-limited log_at(): TALLYHUB_LOG_LIMITED(log_level::warn, 10, "bad byte {:#x}", b) prints at most
/// 10 lines per second from this call site on each thread. Arguments are not evaluated when the record
/// is filtered or suppressed.
#define TALLYHUB_LOG_LIMITED(level, per_second, ...)                                                     \
    do {                                                                                                 \
        const ::tallyhub::log_level tallyhub_log_level_ = (level);                                       \
        if (::tallyhub::log_enabled(tallyhub_log_level_)) {                                              \
            static thread_local ::tallyhub::rate_limiter tallyhub_log_limiter_(per_second);              \
            std::uint64_t tallyhub_log_suppressed_ = 0;                                                  \
            if (tallyhub_log_limiter_.allow(std::chrono::steady_clock::now(), tallyhub_log_suppressed_)) { \
                if (tallyhub_log_suppressed_ != 0)                                                       \
                    ::tallyhub::log_suppressed(tallyhub_log_level_, tallyhub_log_suppressed_, __FILE__, __LINE__); \
                ::tallyhub::log_at(tallyhub_log_level_, __VA_ARGS__);                                    \
            }                                                                                            \
        }                                                                                                \
    } while (false)
