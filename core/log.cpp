#include "core/log.hpp"

#include <array>
#include <cerrno>
#include <ctime>
#include <iterator>

#include <fmt/format.h>
#include <unistd.h>

namespace tallyhub {
namespace {

constexpr std::size_t max_line = 4096;  // PIPE_BUF: one write of this size is atomic on a pipe
constexpr std::string_view cut_marker = "...";

thread_local int current_core = -1;

// The "YYYY-MM-DDTHH:MM:SS" part only changes once a second; each thread caches its last one.
struct second_stamp {
    std::time_t second = -1;
    std::array<char, 20> text{};
};
thread_local second_stamp stamp_cache;

void append_timestamp(fmt::memory_buffer& out) {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    if (now.tv_sec != stamp_cache.second) {
        std::tm utc{};
        ::gmtime_r(&now.tv_sec, &utc);
        std::strftime(stamp_cache.text.data(), stamp_cache.text.size(), "%Y-%m-%dT%H:%M:%S", &utc);
        stamp_cache.second = now.tv_sec;
    }
    out.append(std::string_view(stamp_cache.text.data(), 19));
    fmt::format_to(std::back_inserter(out), ".{:03}Z ", now.tv_nsec / 1'000'000);
}

std::string_view padded_level(log_level level) {
    switch (level) {
    case log_level::trace: return "TRACE ";
    case log_level::debug: return "DEBUG ";
    case log_level::info: return "INFO  ";
    case log_level::warn: return "WARN  ";
    case log_level::error: return "ERROR ";
    case log_level::off: break;
    }
    return "????? ";
}

// Copies `message` so that it stays on one line: \n and \r become their C escapes, other control bytes
// \xNN. Bytes >= 0x80 pass through (UTF-8). Stops once the line is over max_line (it gets cut anyway).
void append_escaped(fmt::memory_buffer& out, std::string_view message) {
    for (char c : message) {
        if (out.size() > max_line) break;
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte != 0x7f) {
            out.push_back(c);
        } else if (c == '\t') {
            out.push_back(c);
        } else if (c == '\n') {
            out.append(std::string_view("\\n"));
        } else if (c == '\r') {
            out.append(std::string_view("\\r"));
        } else {
            fmt::format_to(std::back_inserter(out), "\\x{:02x}", byte);
        }
    }
}

// Loops only for partial writes and EINTR; a failing stderr drops the line. errno is preserved so a
// caller can log and then still report errno.
void write_line(const char* data, std::size_t size) noexcept {
    const int saved_errno = errno;
    while (size > 0) {
        const ssize_t n = ::write(STDERR_FILENO, data, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            break;
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    errno = saved_errno;
}

// Builds "<time> <LEVEL> [<core>] <escaped message>\n", capped at max_line, and writes it.
void emit(log_level level, std::string_view message) noexcept {
    try {
        fmt::memory_buffer line;
        append_timestamp(line);
        line.append(padded_level(level));
        if (current_core < 0)
            line.append(std::string_view("[main] "));
        else
            fmt::format_to(std::back_inserter(line), "[core {}] ", current_core);
        append_escaped(line, message);
        if (line.size() + 1 > max_line) {
            std::size_t cut = max_line - 1 - cut_marker.size();
            while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;  // UTF-8 boundary
            line.resize(cut);
            line.append(cut_marker);
        }
        line.push_back('\n');
        write_line(line.data(), line.size());
    } catch (...) {
        // Out of memory while logging: nothing sensible left to do.
    }
}

}  // namespace

std::optional<log_level> parse_log_level(std::string_view text) noexcept {
    std::array<char, 8> lower{};
    if (text.empty() || text.size() > lower.size()) return std::nullopt;
    for (std::size_t i = 0; i < text.size(); ++i)
        lower[i] = (text[i] >= 'A' && text[i] <= 'Z') ? static_cast<char>(text[i] - 'A' + 'a') : text[i];
    const std::string_view name(lower.data(), text.size());
    if (name == "trace") return log_level::trace;
    if (name == "debug") return log_level::debug;
    if (name == "info") return log_level::info;
    if (name == "warn" || name == "warning") return log_level::warn;
    if (name == "error") return log_level::error;
    if (name == "off") return log_level::off;
    return std::nullopt;
}

std::string_view log_level_name(log_level level) noexcept {
    switch (level) {
    case log_level::trace: return "trace";
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warn: return "warn";
    case log_level::error: return "error";
    case log_level::off: return "off";
    }
    return "?";
}

void set_log_core(int core) noexcept { current_core = core < 0 ? -1 : core; }

int log_core() noexcept { return current_core; }

void log_write(log_level level, std::string_view message) noexcept {
    if (log_enabled(level)) emit(level, message);
}

void log_vwrite(log_level level, fmt::string_view format, fmt::format_args args) noexcept {
    if (!log_enabled(level)) return;
    try {
        fmt::memory_buffer message;
        fmt::vformat_to(std::back_inserter(message), format, args);
        emit(level, std::string_view(message.data(), message.size()));
    } catch (...) {
        // Only a throwing formatter of a user type (or out of memory) gets here: format strings are
        // checked at compile time.
        emit(level, "<log formatting failed>");
    }
}

void log_suppressed(log_level level, std::uint64_t count, std::string_view file, int line) noexcept {
    const std::size_t slash = file.find_last_of('/');
    if (slash != std::string_view::npos) file.remove_prefix(slash + 1);
    try {
        log_write(level, fmt::format("suppressed {} messages from {}:{}", count, file, line));
    } catch (...) {
    }
}

}  // namespace tallyhub
