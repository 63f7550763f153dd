// tallyhub-load's output: the live progress line (stderr), and the `connected` and `report` JSON
// lines (stdout) described in bench/load/README.md.

#include <arpa/inet.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

#include "bench/load/load_client.hpp"
#include "core/io.hpp"

namespace tallyhub::load {

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (unsigned char ch : s) {
        if (ch == '"' || ch == '\\') {
            out += '\\';
            out += static_cast<char>(ch);
        } else if (ch < 0x20) {
            out += fmt::format("\\u{:04x}", ch);
        } else {
            out += static_cast<char>(ch);
        }
    }
    return out + "\"";
}

double seconds(clock_type::duration d) { return std::chrono::duration<double>(d).count(); }

double rate(double n, double s) { return s > 0 ? n / s : 0.0; }

// Microseconds as milliseconds with 0.01 ms resolution.
double us_to_ms(std::uint64_t us) { return static_cast<double>(us) / 1000.0; }

}  // namespace

double process_cpu_seconds() {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return tv(ru.ru_utime) + tv(ru.ru_stime);
}

bool stdin_can_end() {
    struct stat st{};
    if (::fstat(STDIN_FILENO, &st) != 0) return false;
    // Not /dev/null or a regular file: those are at EOF from the start.
    return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || ::isatty(STDIN_FILENO) != 0;
}

bool stdin_ended() {
    pollfd p{STDIN_FILENO, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    if (p.revents & (POLLHUP | POLLERR | POLLNVAL)) return true;
    char buf[256];
    const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);  // input is ignored; only EOF matters
    return n == 0;
}

std::string load_run::connected_json() const {
    std::string failures;
    for (const auto& [why, n] : stats_.failures) {
        failures += fmt::format("{}{}: {}", failures.empty() ? "" : ", ", json_string(why), n);
    }
    const auto& h = stats_.setup_us;
    return fmt::format(
        "{{\"requested\": {}, \"established\": {}, \"failed\": {}, \"failures\": {{{}}}, \"seconds\": {:.3f}, "
        "\"per_second\": {:.0f}, \"setup_ms\": {{\"p50\": {:.2f}, \"p99\": {:.2f}, \"max\": {:.2f}}}, "
        "\"client_cpu_percent\": {:.1f}}}",
        o_.connections, stats_.established, stats_.failed, failures, connect_seconds_,
        rate(static_cast<double>(stats_.established), connect_seconds_), us_to_ms(h.percentile(0.50)),
        us_to_ms(h.percentile(0.99)), us_to_ms(h.max()),
        connect_seconds_ > 0 ? 100.0 * connect_cpu_s_ / connect_seconds_ : 0.0);
}

std::string load_run::report_json() const {
    std::string sources;
    for (const auto& a : o_.sources) {
        char text[INET_ADDRSTRLEN] = {};
        ::inet_ntop(AF_INET, &a, text, sizeof text);
        sources += fmt::format("{}{}", sources.empty() ? "" : ", ", json_string(text));
    }
    const double secs = measure_end_ > measure_start_ ? seconds(measure_end_ - measure_start_) : 0.0;
    const auto& s = stats_;
    const auto& l = s.latency_ms;
    auto ms = [&](double q) { return static_cast<double>(l.percentile(q)); };
    return fmt::format(
        "{{\"tool\": \"tallyhub-load\", \"url\": {}, \"mode\": \"{}\", \"protocol\": \"{}\", \"sources\": [{}], "
        "\"connect\": {}, "
        "\"measure\": {{\"seconds\": {:.3f}, \"messages\": {}, \"messages_per_second\": {:.0f}, \"frames\": {}, "
        "\"frames_per_second\": {:.0f}, \"bytes\": {}, \"bytes_per_second\": {:.0f}, "
        "\"latency_ms\": {{\"count\": {}, \"p50\": {}, \"p90\": {}, \"p99\": {}, \"p999\": {}, \"max\": {}, \"mean\": {:.2f}}}, "
        "\"untimed\": {}, \"closed_by_server\": {}, \"protocol_errors\": {}}}, "
        "\"client_cpu_percent\": {:.1f}, \"reactor\": \"{}\"}}",
        json_string(o_.url), o_.raw ? "raw" : "signalr", o_.messagepack ? "messagepack" : "json", sources,
        connected_json(), secs, s.measure_messages, rate(double(s.measure_messages), secs), s.measure_frames,
        rate(double(s.measure_frames), secs), s.measure_bytes, rate(double(s.measure_bytes), secs), l.count(),
        ms(0.50), ms(0.90), ms(0.99), ms(0.999), l.max(), l.mean(), s.untimed, s.measure_closed, s.protocol_errors,
        secs > 0 ? 100.0 * measure_cpu_s_ / secs : 0.0, reactor::current().backend_name());
}

// Once a second on stderr: connections, and what arrived in the last second.
task<void> load_run::progress_line() {
    if (!o_.progress) co_return;
    const bool tty = ::isatty(STDERR_FILENO) != 0;
    std::uint64_t messages = 0, frames = 0, bytes = 0;
    auto last = clock_type::now();
    while (!done_) {
        co_await io::sleep(1s);
        const auto now = clock_type::now();
        const double dt = seconds(now - last);
        last = now;
        const auto& s = stats_;
        const auto& l = s.latency_ms;
        std::string line = fmt::format(
            "{:6.1f}s  up {}/{}  failed {}  open {}  |  {:.0f} msg/s  {:.0f} frames/s  {:.1f} MB/s  |  p50 {} ms  p99 {} ms{}",
            seconds(now - started_), s.established, o_.connections, s.failed, s.open, rate(double(s.messages - messages), dt),
            rate(double(s.frames - frames), dt), rate(double(s.bytes - bytes), dt) / 1e6, l.percentile(0.5),
            l.percentile(0.99), s.measuring ? "  [measuring]" : "");
        messages = s.messages;
        frames = s.frames;
        bytes = s.bytes;
        std::fprintf(stderr, tty ? "\r%s\x1b[K" : "%s\n", line.c_str());
        std::fflush(stderr);
    }
    if (tty) std::fputc('\n', stderr);
}

}  // namespace tallyhub::load
