// A dashboard that stops reading (DESIGN §6, issue 4 "slow clients"), on a real reactor over a
// socketpair whose server-side buffer is shrunk to 4 KiB so the output queue fills at once:
// - KPI frames (send_each with a nonzero kind) conflate: the client that reads again gets the
//   newest state and then nothing stale, in order, and the connection stays open;
// - a client whose queue stays past the hard limit for the grace period is closed with a SignalR
//   Close that says why (sent even though the queue is full), and not before the grace ends.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/io.hpp"
#include "signalr/hub.hpp"
#include "signalr/hub_endpoint.hpp"
#include "tests/core/reactor_harness.hpp"
#include "tests/signalr/hub_test_client.hpp"

namespace tallyhub::signalr {
namespace {

using namespace std::chrono_literals;
using namespace test_support;

constexpr std::uint8_t kpi_kind = 1;
constexpr int server_sndbuf = 4096;
constexpr std::size_t hard_limit = 8000;

const hub& echo_hub() {
    static const hub h = [] {
        hub x;
        x.method("Echo", [](hub_call&, std::string s) { return s; });
        return x;
    }();
    return h;
}

// A KPI-like broadcast record of about 2 KB carrying its sequence number.
std::string kpi_record(int seq) {
    return R"({"type":1,"target":"Kpi","arguments":[)" + std::to_string(seq) + ",\"" + std::string(2000, 'k') + "\"]}\x1e";
}

int seq_of(const std::string& record) {
    auto at = record.find("\"arguments\":[");
    if (at == std::string::npos) return -1;
    return std::stoi(record.substr(at + 13));
}

void broadcast_kpi(hub_endpoint& ep, int seq) {
    std::vector<targeted_record> records;
    records.push_back({"", kpi_record(seq)});
    ep.send_each(std::move(records), kpi_kind);
}

// Sends KPI frames to a client that does not read until one replaced an unsent predecessor.
task<int> fill_until_conflating(hub_endpoint& ep, int from) {
    int seq = from;
    for (; seq < from + 500 && ep.local().stats.conflated_frames.load() == 0; ++seq) {
        broadcast_kpi(ep, seq);
        co_await io::sleep(1ms);  // a loop turn: the flush writes what the kernel takes
    }
    co_return seq;
}

task<void> conflates_for_a_client_that_reads_late(test_client& c, hub_endpoint& ep) {
    co_await c.handshake();
    int next = co_await fill_until_conflating(ep, 0);
    CO_ASSERT_TRUE(ep.local().stats.conflated_frames.load() > 0);
    for (int i = 0; i < 50; ++i, ++next) {
        broadcast_kpi(ep, next);
        co_await io::sleep(1ms);
    }
    const int last = next - 1;
    EXPECT_EQ(ep.local().stats.slow_consumer_closes.load(), 0u);

    // Reading again: everything that arrives is in order, ends with the newest state, and far fewer
    // frames arrive than were sent (the stale ones were replaced, not queued).
    std::vector<int> seen;
    for (;;) {
        auto f = co_await c.next_frame(300ms);
        if (!f) break;
        for (auto& r : split_records(f->payload)) seen.push_back(seq_of(r));
    }
    CO_ASSERT_TRUE(!seen.empty());
    EXPECT_EQ(seen.back(), last) << "the newest snapshot is the last one received";
    for (std::size_t i = 1; i < seen.size(); ++i) EXPECT_LT(seen[i - 1], seen[i]) << "out of order at " << i;
    EXPECT_LT(seen.size(), std::size_t(last + 1)) << "every frame was queued: nothing conflated";
    EXPECT_GT(ep.local().stats.conflated_frames.load(), 40u);

    // Still connected and answering.
    co_await c.send_text(R"({"type":1,"invocationId":"1","target":"Echo","arguments":["still here"]})"
                         "\x1e");
    auto reply = co_await c.records(1);
    EXPECT_EQ(reply, std::vector<std::string>{rec(R"({"type":3,"invocationId":"1","result":"still here"})")});
    EXPECT_EQ(ep.local().stats.slow_consumer_closes.load(), 0u);
}

task<void> closes_after_the_grace_with_a_reason(test_client& c, hub_endpoint& ep) {
    co_await c.handshake();
    int next = co_await fill_until_conflating(ep, 0);
    CO_ASSERT_TRUE(ep.local().stats.conflated_frames.load() > 0);
    CO_ASSERT_TRUE(served_connection != nullptr);
    // A completion queued behind the pending KPI frame, sized so the queue ends 100 bytes under the
    // hard limit: the next KPI frame can no longer replace its predecessor and does not fit.
    const std::size_t queued = served_connection->queued_bytes();
    CO_ASSERT_TRUE(queued + 1000 < hard_limit);
    const std::string echo_completion_overhead = R"({"type":3,"invocationId":"1","result":""})"
                                                 "\x1e";
    const std::size_t ws_header = 4;  // 126..65535-byte payloads
    const std::string text(hard_limit - queued - 100 - echo_completion_overhead.size() - ws_header, 'e');
    co_await c.send_text(R"({"type":1,"invocationId":"1","target":"Echo","arguments":[")" + text + "\"]}\x1e");
    for (int i = 0; i < 100 && served_connection->queued_bytes() == queued; ++i) co_await io::sleep(1ms);
    EXPECT_EQ(served_connection->queued_bytes(), hard_limit - 100);
    EXPECT_EQ(ep.local().stats.slow_consumer_closes.load(), 0u);

    const auto over_since = std::chrono::steady_clock::now();
    broadcast_kpi(ep, next++);
    co_await io::sleep(20ms);
    EXPECT_EQ(ep.local().stats.slow_consumer_closes.load(), 0u) << "closed before the grace period";
    while (ep.local().stats.slow_consumer_closes.load() == 0 && std::chrono::steady_clock::now() - over_since < 2s) {
        broadcast_kpi(ep, next++);
        co_await io::sleep(20ms);
    }
    const auto closed_after = std::chrono::steady_clock::now() - over_since;
    EXPECT_EQ(ep.local().stats.slow_consumer_closes.load(), 1u);
    EXPECT_GE(closed_after, 300ms) << "the grace period is 300 ms";
    EXPECT_LT(closed_after, 1s);

    std::vector<std::string> before;
    int code = co_await c.close_code(&before);
    EXPECT_EQ(code, 1000);
    CO_ASSERT_TRUE(before.size() >= 2);
    EXPECT_EQ(before.back(), rec(R"({"type":7,"error":"Connection closed with an error. The client does not read its )"
                                 R"(messages fast enough.","allowReconnect":true})"));
    EXPECT_EQ(before[before.size() - 2],
              rec(R"({"type":3,"invocationId":"1","result":")" + text + "\"}"))
        << "the completion queued before the close is delivered";
}

class slow_client_test : public ::testing::TestWithParam<std::string> {
protected:
    void run(scenario body, std::chrono::milliseconds grace) {
        hub_options opts;
        opts.slow_client_grace = grace;
        net::connection_limits limits;
        limits.output_soft_limit = 1024;
        limits.output_hard_limit = hard_limit;
        tallyhub::testing::run_on_reactor(tallyhub::testing::backend_param(GetParam()), [&] {
            return run_scenario(&echo_hub(), opts, body, limits, server_sndbuf);
        });
    }
};

TEST_P(slow_client_test, kpi_frames_conflate_and_the_connection_stays) {
    run(conflates_for_a_client_that_reads_late, 300ms);
}

TEST_P(slow_client_test, over_the_hard_limit_past_the_grace_closes_with_a_reason) {
    run(closes_after_the_grace_with_a_reason, 300ms);
}

INSTANTIATE_TEST_SUITE_P(backends, slow_client_test, ::testing::Values("uring", "epoll"));

}  // namespace
}  // namespace tallyhub::signalr
