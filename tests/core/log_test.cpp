#include "core/log.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <unistd.h>

namespace tallyhub {
namespace {

using namespace std::chrono_literals;

// Redirects fd 2 into a pipe drained by a thread (so writers never block on a full pipe) until
// lines() restores it and returns what was written, split into lines.
class stderr_capture {
public:
    stderr_capture() {
        int fds[2];
        EXPECT_EQ(::pipe(fds), 0);
        saved_ = ::dup(STDERR_FILENO);
        ::dup2(fds[1], STDERR_FILENO);
        ::close(fds[1]);
        reader_ = std::thread([this, fd = fds[0]] {
            char buf[4096];
            for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text_.append(buf, static_cast<std::size_t>(n));
            ::close(fd);
        });
    }
    ~stderr_capture() { restore(); }

    std::vector<std::string> lines() {
        restore();
        std::vector<std::string> out;
        std::size_t start = 0;
        for (std::size_t nl; (nl = text_.find('\n', start)) != std::string::npos; start = nl + 1)
            out.push_back(text_.substr(start, nl - start));
        EXPECT_EQ(start, text_.size()) << "output does not end with a newline";
        return out;
    }

private:
    void restore() {
        if (saved_ < 0) return;
        ::dup2(saved_, STDERR_FILENO);  // drops the last write end: the reader sees EOF
        ::close(saved_);
        saved_ = -1;
        reader_.join();
    }

    int saved_ = -1;
    std::thread reader_;
    std::string text_;
};

class log_test : public ::testing::Test {
protected:
    void SetUp() override {
        set_log_level(log_level::info);
        set_log_core(-1);
    }
    void TearDown() override { set_log_level(log_level::info); }
};

// A log line taken apart: "YYYY-MM-DDTHH:MM:SS.mmmZ LEVEL [core] message".
struct parsed_line {
    std::tm utc{};
    std::string level;  // five characters, padded: "INFO "
    std::string core;   // "main" or "core N"
    std::string message;
};

std::optional<parsed_line> parse_line(const std::string& line) {
    auto digits = [&](std::size_t at, std::size_t n) {
        if (n == 0) return -1;
        for (std::size_t i = at; i < at + n; ++i)
            if (i >= line.size() || line[i] < '0' || line[i] > '9') return -1;
        return std::stoi(line.substr(at, n));
    };
    const std::string_view shape = "0000-00-00T00:00:00.000Z ";
    if (line.size() < shape.size() + 9) return std::nullopt;
    for (std::size_t i = 0; i < shape.size(); ++i)
        if (shape[i] == '0' ? digits(i, 1) < 0 : line[i] != shape[i]) return std::nullopt;
    parsed_line out;
    out.utc.tm_year = digits(0, 4) - 1900;
    out.utc.tm_mon = digits(5, 2) - 1;
    out.utc.tm_mday = digits(8, 2);
    out.utc.tm_hour = digits(11, 2);
    out.utc.tm_min = digits(14, 2);
    out.utc.tm_sec = digits(17, 2);
    out.level = line.substr(25, 5);
    if (out.level != "TRACE" && out.level != "DEBUG" && out.level != "INFO " && out.level != "WARN " &&
        out.level != "ERROR")
        return std::nullopt;
    if (line.compare(30, 2, " [") != 0) return std::nullopt;
    const std::size_t close = line.find("] ", 32);
    if (close == std::string::npos) return std::nullopt;
    out.core = line.substr(32, close - 32);
    const bool core_ok = out.core == "main" || (out.core.starts_with("core ") && close > 37 && digits(37, close - 37) >= 0);
    if (!core_ok) return std::nullopt;
    out.message = line.substr(close + 2);
    return out;
}

TEST_F(log_test, line_has_utc_time_level_core_and_formatted_message) {
    stderr_capture cap;
    log_info("listening on {}:{}", "0.0.0.0", 5672);
    const auto lines = cap.lines();
    ASSERT_EQ(lines.size(), 1u);

    auto parsed = parse_line(lines[0]);
    ASSERT_TRUE(parsed) << lines[0];
    EXPECT_EQ(parsed->level, "INFO ");
    EXPECT_EQ(parsed->core, "main");
    EXPECT_EQ(parsed->message, "listening on 0.0.0.0:5672");
    EXPECT_LE(std::abs(::timegm(&parsed->utc) - std::time(nullptr)), 5) << "timestamp is not current UTC: " << lines[0];
}

TEST_F(log_test, core_id_is_per_thread) {
    stderr_capture cap;
    std::thread([] {
        set_log_core(3);
        EXPECT_EQ(log_core(), 3);
        log_warn("from the reactor");
    }).join();
    log_error("from main");
    const auto lines = cap.lines();
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_NE(lines[0].find(" WARN  [core 3] from the reactor"), std::string::npos) << lines[0];
    EXPECT_NE(lines[1].find(" ERROR [main] from main"), std::string::npos) << lines[1];
}

TEST_F(log_test, records_below_the_level_are_dropped) {
    stderr_capture cap;
    set_log_level(log_level::warn);
    log_trace("t");
    log_debug("d");
    log_info("i");
    log_warn("w");
    log_error("e");
    set_log_level(log_level::off);
    log_error("nothing at all");
    set_log_level(log_level::trace);
    log_trace("t2");
    const auto lines = cap.lines();
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_TRUE(lines[0].ends_with("WARN  [main] w"));
    EXPECT_TRUE(lines[1].ends_with("ERROR [main] e"));
    EXPECT_TRUE(lines[2].ends_with("TRACE [main] t2"));
}

TEST_F(log_test, parses_level_names) {
    EXPECT_EQ(parse_log_level("info"), log_level::info);
    EXPECT_EQ(parse_log_level("TRACE"), log_level::trace);
    EXPECT_EQ(parse_log_level("Debug"), log_level::debug);
    EXPECT_EQ(parse_log_level("warn"), log_level::warn);
    EXPECT_EQ(parse_log_level("warning"), log_level::warn);
    EXPECT_EQ(parse_log_level("error"), log_level::error);
    EXPECT_EQ(parse_log_level("off"), log_level::off);
    EXPECT_EQ(parse_log_level(""), std::nullopt);
    EXPECT_EQ(parse_log_level("verbose"), std::nullopt);
    EXPECT_EQ(parse_log_level("information"), std::nullopt);
    EXPECT_EQ(log_level_name(log_level::warn), "warn");
}

TEST_F(log_test, control_bytes_cannot_forge_lines) {
    stderr_capture cap;
    log_warn("bad header {}", std::string("x\nFAKE 2020-01-01 ERROR\r\x01\x7f\tz"));
    const auto lines = cap.lines();
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_TRUE(lines[0].ends_with("bad header x\\nFAKE 2020-01-01 ERROR\\r\\x01\\x7f\tz")) << lines[0];
}

TEST_F(log_test, long_lines_are_cut_to_4096_bytes) {
    stderr_capture cap;
    log_info("{}", std::string(10000, 'x'));
    log_write(log_level::info, std::string(5000, 'y'));
    const auto lines = cap.lines();
    ASSERT_EQ(lines.size(), 2u);
    for (const auto& line : lines) {
        EXPECT_EQ(line.size() + 1, 4096u);  // + the newline
        EXPECT_TRUE(line.ends_with("xx...") || line.ends_with("yy...")) << line.substr(line.size() - 10);
    }
}

TEST_F(log_test, logging_preserves_errno) {
    stderr_capture cap;
    errno = ECONNRESET;
    log_info("peer went away");
    EXPECT_EQ(errno, ECONNRESET);
}

TEST_F(log_test, concurrent_threads_never_interleave_lines) {
    constexpr int threads = 4, per_thread = 2000;
    stderr_capture cap;
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([t] {
            set_log_core(t);
            for (int i = 0; i < per_thread; ++i) log_info("thread {} line {} {}", t, i, std::string(t * 20, 'p'));
        });
    for (auto& th : pool) th.join();
    const auto lines = cap.lines();
    ASSERT_EQ(lines.size(), static_cast<std::size_t>(threads * per_thread));
    std::vector<int> next(threads, 0);
    for (const auto& line : lines) {
        auto parsed = parse_line(line);
        ASSERT_TRUE(parsed) << line;
        int t = -1, i = -1, tail = -1;
        ASSERT_EQ(std::sscanf(parsed->message.c_str(), "thread %d line %d %n", &t, &i, &tail), 2) << line;
        ASSERT_TRUE(t >= 0 && t < threads) << line;
        EXPECT_EQ(parsed->message.substr(static_cast<std::size_t>(tail)), std::string(t * 20, 'p')) << line;
        EXPECT_EQ(parsed->core, "core " + std::to_string(t));
        EXPECT_EQ(i, next[t]++);  // each thread's lines arrive in its order
    }
}

TEST(rate_limiter, admits_n_per_second_and_reports_the_rest) {
    rate_limiter limiter(3);
    const auto t = std::chrono::steady_clock::time_point{} + 1h;
    std::uint64_t suppressed = 99;
    int admitted = 0;
    for (int i = 0; i < 10; ++i) {
        if (limiter.allow(t + std::chrono::milliseconds(i * 10), suppressed)) ++admitted;
        EXPECT_EQ(suppressed, 0u);
    }
    EXPECT_EQ(admitted, 3);
    EXPECT_TRUE(limiter.allow(t + 1s, suppressed));  // a new window
    EXPECT_EQ(suppressed, 7u);
    EXPECT_TRUE(limiter.allow(t + 1100ms, suppressed));
    EXPECT_EQ(suppressed, 0u);  // reported once only
}

int evaluated = 0;
int costly(int i) {
    ++evaluated;
    return i;
}

void flood(int i) { TALLYHUB_LOG_LIMITED(log_level::warn, 5, "bad byte from peer {}", costly(i)); }
constexpr int flood_line = __LINE__ - 1;

TEST_F(log_test, a_flood_from_one_call_site_is_rate_limited) {
    stderr_capture cap;
    evaluated = 0;
    for (int i = 0; i < 100; ++i) flood(i);
    EXPECT_EQ(evaluated, 5);  // suppressed records do not even evaluate their arguments
    std::this_thread::sleep_for(1050ms);
    flood(100);
    const auto lines = cap.lines();
    ASSERT_EQ(lines.size(), 7u);
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(lines[i].ends_with("WARN  [main] bad byte from peer " + std::to_string(i))) << lines[i];
    EXPECT_TRUE(lines[5].ends_with(fmt::format("WARN  [main] suppressed 95 messages from log_test.cpp:{}", flood_line)))
        << lines[5];
    EXPECT_TRUE(lines[6].ends_with("bad byte from peer 100")) << lines[6];
}

TEST_F(log_test, a_filtered_level_is_not_rate_counted) {
    stderr_capture cap;
    set_log_level(log_level::error);
    evaluated = 0;
    for (int i = 0; i < 10; ++i) flood(i);
    EXPECT_EQ(evaluated, 0);
    EXPECT_TRUE(cap.lines().empty());
}

}  // namespace
}  // namespace tallyhub
