// The long-polling session (reference/signalr-protocol.md §2c): status codes, bodies and content
// types of polls, superseded polls, timeouts, the end of a connection, bounded output and conflation.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include "signalr/long_polling.hpp"

namespace tallyhub::signalr {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using clock_t_ = std::chrono::steady_clock;

struct ticket final : poll_ticket {
    std::optional<poll_response> got;
    int answers = 0;
    void complete(poll_response r) override {
        got = std::move(r);
        ++answers;
    }
};

const auto t0 = clock_t_::time_point{} + 1000s;

TEST(long_poll_responses, status_codes_and_content_types) {
    auto d = poll_data("{}\x1e");
    EXPECT_EQ(d.status, 200);
    EXPECT_EQ(d.content_type, "application/octet-stream");
    EXPECT_EQ(d.body, "{}\x1e");
    auto first = poll_data({});
    EXPECT_EQ(first.status, 200);
    EXPECT_EQ(first.body, "");
    auto t = poll_timeout();
    EXPECT_EQ(t.status, 200);
    EXPECT_EQ(t.content_type, "text/plain");
    EXPECT_EQ(t.body, "");
    EXPECT_EQ(poll_gone().status, 204);
}

TEST(long_poll_session, queued_output_answers_the_next_poll_at_once_with_all_of_it) {
    long_poll_session s({}, t0);
    EXPECT_EQ(s.push("{}\x1e"), net::send_status::ok);
    EXPECT_EQ(s.push("{\"type\":6}\x1e"), net::send_status::ok);
    ticket t;
    s.poll(t, t0);
    ASSERT_TRUE(t.got);
    EXPECT_EQ(t.got->status, 200);
    EXPECT_EQ(t.got->body, "{}\x1e{\"type\":6}\x1e");
    EXPECT_EQ(s.queued_bytes(), 0u);
}

TEST(long_poll_session, a_poll_with_nothing_queued_waits_until_release) {
    long_poll_session s({}, t0);
    ticket t;
    s.poll(t, t0);
    EXPECT_FALSE(t.got);
    EXPECT_TRUE(s.waiting());
    s.release(t0 + 1s);  // nothing queued: still waiting
    EXPECT_FALSE(t.got);
    s.push("\x01\x91\x06"s);  // binary (MessagePack) bytes as they are
    EXPECT_FALSE(t.got);      // answered once per loop turn, by release()
    s.release(t0 + 1s);
    ASSERT_TRUE(t.got);
    EXPECT_EQ(t.got->body, "\x01\x91\x06"s);
    EXPECT_FALSE(s.waiting());
}

TEST(long_poll_session, a_second_poll_supersedes_the_waiting_one_with_204) {
    long_poll_session s({}, t0);
    ticket a, b;
    s.poll(a, t0);
    s.poll(b, t0 + 1s);
    ASSERT_TRUE(a.got);
    EXPECT_EQ(a.got->status, 204);
    EXPECT_FALSE(b.got);
    s.push("x\x1e");
    s.release(t0 + 2s);
    ASSERT_TRUE(b.got);
    EXPECT_EQ(b.got->status, 200);
    EXPECT_EQ(b.got->body, "x\x1e");
    EXPECT_EQ(a.answers, 1);
}

TEST(long_poll_session, a_waiting_poll_times_out_with_200_and_an_empty_body) {
    long_poll_session s({}, t0);
    ticket t;
    s.poll(t, t0);
    EXPECT_EQ(s.sweep(t0 + 89s, 90s, 30s), long_poll_session::verdict::keep);
    EXPECT_FALSE(t.got);
    EXPECT_EQ(s.sweep(t0 + 90s, 90s, 30s), long_poll_session::verdict::keep);
    ASSERT_TRUE(t.got);
    EXPECT_EQ(t.got->status, 200);
    EXPECT_EQ(t.got->content_type, "text/plain");
    EXPECT_EQ(t.got->body, "");
}

TEST(long_poll_session, no_poll_for_the_disconnect_timeout_is_idle) {
    long_poll_session s({}, t0);
    ticket t;
    s.poll(t, t0);
    s.push("x\x1e");
    s.release(t0 + 1s);  // the poll ended at t0 + 1 s
    EXPECT_EQ(s.sweep(t0 + 30s, 90s, 30s), long_poll_session::verdict::keep);
    EXPECT_EQ(s.sweep(t0 + 31s, 90s, 30s), long_poll_session::verdict::idle);
}

TEST(long_poll_session, the_end_gives_the_waiting_poll_204) {
    long_poll_session s({}, t0);
    ticket t;
    s.poll(t, t0);
    s.end(t0 + 1s);
    ASSERT_TRUE(t.got);
    EXPECT_EQ(t.got->status, 204);
    EXPECT_EQ(s.sweep(t0 + 2s, 90s, 30s), long_poll_session::verdict::over);
}

TEST(long_poll_session, the_last_output_goes_to_a_poll_before_204) {
    long_poll_session s({}, t0);
    s.push("{\"type\":7,\"error\":\"bye\"}\x1e", true);
    s.end(t0);
    EXPECT_EQ(s.sweep(t0 + 1s, 90s, 30s), long_poll_session::verdict::keep);
    ticket a, b;
    s.poll(a, t0 + 1s);
    ASSERT_TRUE(a.got);
    EXPECT_EQ(a.got->status, 200);
    EXPECT_EQ(a.got->body, "{\"type\":7,\"error\":\"bye\"}\x1e");
    s.poll(b, t0 + 2s);
    ASSERT_TRUE(b.got);
    EXPECT_EQ(b.got->status, 204);
    EXPECT_EQ(s.sweep(t0 + 2s, 90s, 30s), long_poll_session::verdict::over);
    // Nothing more is queued once 204 was given.
    EXPECT_EQ(s.push("late"), net::send_status::dropped);
}

TEST(long_poll_session, an_ended_session_nobody_polls_is_over_after_the_disconnect_timeout) {
    long_poll_session s({}, t0);
    s.push("x\x1e", true);
    s.end(t0);
    EXPECT_EQ(s.sweep(t0 + 29s, 90s, 30s), long_poll_session::verdict::keep);
    EXPECT_EQ(s.sweep(t0 + 30s, 90s, 30s), long_poll_session::verdict::over);
}

TEST(long_poll_session, output_is_bounded_like_a_socket) {
    net::connection_limits limits{8, 16};
    long_poll_session s(limits, t0);
    EXPECT_EQ(s.push("12345678"), net::send_status::ok);
    EXPECT_EQ(s.push("1234"), net::send_status::backpressure);
    EXPECT_EQ(s.push("123456789"), net::send_status::dropped);
    EXPECT_EQ(s.queued_bytes(), 12u);
    EXPECT_EQ(s.push("12345678", true), net::send_status::backpressure);  // the closing headroom
}

TEST(long_poll_session, superseding_state_replaces_a_queued_unit_of_the_same_kind) {
    long_poll_session s({}, t0);
    bool conflated = true;
    EXPECT_EQ(s.push_shared(shared_bytes("A1"), 1, &conflated), net::send_status::ok);
    EXPECT_FALSE(conflated);
    s.push_shared(shared_bytes("A2"), 1, &conflated);
    EXPECT_TRUE(conflated);
    s.push_shared(shared_bytes("B"), 0, &conflated);
    EXPECT_FALSE(conflated);
    s.push_shared(shared_bytes("A3"), 1, &conflated);
    EXPECT_FALSE(conflated);  // not at the tail: kept in order
    ticket t;
    s.poll(t, t0);
    ASSERT_TRUE(t.got);
    EXPECT_EQ(t.got->body, "A2BA3");
}

TEST(long_poll_session, a_destroyed_session_answers_its_waiting_poll) {
    ticket t;
    {
        long_poll_session s({}, t0);
        s.poll(t, t0);
    }
    ASSERT_TRUE(t.got);
    EXPECT_EQ(t.got->status, 204);
}

}  // namespace
}  // namespace tallyhub::signalr
