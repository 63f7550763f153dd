// Stateful reconnect (reference/signalr-protocol.md §7) on a real reactor over socketpairs: the
// negotiate flag, the version 2 handshake, numbering and Acks, a replay byte for byte after the
// client's socket drops and a new one comes with the same token, duplicate suppression of the
// client's messages, the grace period's end (OnDisconnected runs then) and the buffer limit.

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/io.hpp"
#include "net/connection.hpp"
#include "signalr/hub.hpp"
#include "signalr/hub_connection.hpp"
#include "signalr/hub_endpoint.hpp"
#include "signalr/negotiate.hpp"
#include "tests/core/reactor_harness.hpp"
#include "tests/signalr/hub_test_client.hpp"

namespace tallyhub::signalr {
namespace {

using namespace std::chrono_literals;
using namespace test_support;

constexpr std::string_view handshake_v2 = "{\"protocol\":\"json\",\"version\":2}\x1e";
constexpr std::string_view token = "token-1";

int connected = 0;
int disconnected = 0;

const hub& test_hub() {
    static const hub h = [] {
        hub x;
        x.on_connected = [](hub_call& c) {
            ++connected;
            c.clients().caller("Welcome", std::string("hi"));
        };
        x.on_disconnected = [](hub_call&) { ++disconnected; };
        x.method("Echo", [](hub_call&, std::string s) { return s; });
        x.method("Seq", [](hub_call& c, std::int64_t n) {
            auto me = c.clients();
            for (std::int64_t i = 0; i < n; ++i) me.caller("Seq", i);
            return n;
        });
        return x;
    }();
    return h;
}

struct socket_pair {
    int server = -1;
    int client = -1;
};

socket_pair make_pair() {
    int sv[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
    return {sv[0], sv[1]};
}

void close_client(int fd) {
    reactor::current().backend().forget_fd(fd);
    ::close(fd);
}

// The first WebSocket of a stateful connection (what hub_endpoint::serve does for it).
task<void> serve_first(hub_endpoint* ep, int fd, bool* done, hub_connection** out) {
    {
        net::connection conn(fd);
        {
            hub_connection c(*ep, conn, "conn-1");
            c.offer_stateful(std::string(token));
            ep->local().by_token[std::string(token)] = &c;
            *out = &c;
            co_await c.run();
            ep->local().by_token.erase(std::string(token));
            *out = nullptr;
        }
        co_await conn.close();
    }
    *done = true;
}

// A later WebSocket with the same token (hub_endpoint::resume).
task<void> serve_again(hub_endpoint* ep, int fd) {
    net::connection conn(fd);
    auto it = ep->local().by_token.find(std::string(token));
    if (it != ep->local().by_token.end()) co_await it->second->reattach(conn, std::string{});
    co_await conn.close();
}

struct fixture {
    hub_endpoint& ep;
    hub_connection*& conn;
    bool& done;
    int client_fd;
    std::unique_ptr<test_client> client;

    // The client's socket drops without a Close; a new one with the same token takes over.
    task<void> drop_and_reconnect() {
        close_client(std::exchange(client_fd, -1));
        co_await io::sleep(50ms);
        auto p = make_pair();
        reactor::current().spawn(serve_again(&ep, p.server));
        client_fd = p.client;
        client = std::make_unique<test_client>(client_fd);
    }
};

using stateful_scenario = task<void> (*)(fixture&);

task<void> run_stateful(hub_options opts, stateful_scenario body, bool expect_end_by_close = true) {
    connected = disconnected = 0;
    auto p = make_pair();
    auto ep = std::make_unique<hub_endpoint>(test_hub(), "/hub", opts, 1, nullptr);
    ep->start_core();
    bool done = false;
    hub_connection* conn = nullptr;
    reactor::current().spawn(serve_first(ep.get(), p.server, &done, &conn));
    fixture f{*ep, conn, done, p.client, std::make_unique<test_client>(p.client)};
    co_await body(f);
    if (expect_end_by_close && !done && f.client_fd >= 0) {
        // A graceful end: the client's Close message.
        co_await f.client->send_text(rec(R"({"type":7})"));
    }
    for (int i = 0; i < 300 && !done; ++i) co_await io::sleep(10ms);
    EXPECT_TRUE(done) << "the hub connection did not end";
    EXPECT_EQ(disconnected, connected) << "OnDisconnected runs once per connection";
    ep->stop_core();
    co_await io::sleep(30ms);
    if (f.client_fd >= 0) close_client(f.client_fd);
    if (!done) (void)ep.release();
}

// The handshake answer leaves alone; the Welcome that OnConnected sends waits for the client's
// first message (the client race of §7), then comes as message 1.
task<void> handshake_v2_holds_output_until_the_client_speaks(fixture& f) {
    co_await f.client->send_text(std::string(handshake_v2));
    auto hs = co_await f.client->next_frame();
    CO_ASSERT_TRUE(hs && hs->payload == handshake_ok);
    CO_ASSERT_TRUE(co_await f.client->silent_for(200ms));
    CO_ASSERT_TRUE(f.conn && f.conn->stateful());
    EXPECT_EQ(f.conn->sent_sequence(), 1);
    co_await f.client->send_text(rec(R"({"type":6})"));
    auto got = co_await f.client->records(1);
    CO_ASSERT_TRUE(got.size() == 1);
    EXPECT_EQ(got[0], rec(R"({"type":1,"target":"Welcome","arguments":["hi"]})"));
}

// Version 1 after a stateful negotiate: plain connection, nothing held or numbered.
task<void> handshake_v1_turns_it_off(fixture& f) {
    co_await f.client->send_text(std::string(handshake_json));
    auto got = co_await f.client->records(2);
    CO_ASSERT_TRUE(got.size() == 2);
    EXPECT_EQ(got[0], std::string(handshake_ok));
    CO_ASSERT_TRUE(f.conn && !f.conn->stateful());
    EXPECT_EQ(f.conn->sent_sequence(), 0);
}

task<void> start(fixture& f) {
    co_await f.client->send_text(std::string(handshake_v2));
    auto hs = co_await f.client->next_frame();
    EXPECT_TRUE(hs && hs->payload == handshake_ok);
    co_await f.client->send_text(rec(R"({"type":6})"));
    auto welcome = co_await f.client->records(1);
    EXPECT_EQ(welcome.size(), 1u);
}

// Acks drop what they cover; the server Acks what it received (on its 1 s sweep).
task<void> acks_trim_the_buffer_and_the_server_acks(fixture& f) {
    co_await start(f);
    co_await f.client->send_text(rec(R"({"type":1,"invocationId":"1","target":"Seq","arguments":[3]})"));
    auto got = co_await f.client->records(4);
    CO_ASSERT_TRUE(got.size() == 4);
    EXPECT_EQ(got[3], rec(R"({"type":3,"invocationId":"1","result":3})"));
    EXPECT_EQ(f.conn->sent_sequence(), 5);  // Welcome, 3 × Seq, Completion
    EXPECT_GT(f.conn->replay_bytes(), 0u);
    co_await f.client->send_text(rec(R"({"type":8,"sequenceId":5})"));
    for (int i = 0; i < 100 && f.conn->replay_bytes() > 0; ++i) co_await io::sleep(10ms);
    EXPECT_EQ(f.conn->replay_bytes(), 0u);
    auto ack = co_await f.client->records(1, 2500ms);
    CO_ASSERT_TRUE(ack.size() == 1);
    EXPECT_EQ(ack[0], rec(R"({"type":8,"sequenceId":1})"));  // the invocation; Pings are not counted
}

// After a drop, the new socket gets Sequence{first unacknowledged} and the same bytes again; the
// hub connection (id, OnConnected once) is the same.
task<void> replays_unacked_bytes_after_a_drop(fixture& f) {
    co_await start(f);
    co_await f.client->send_text(rec(R"({"type":1,"invocationId":"1","target":"Seq","arguments":[2]})"));
    auto first = co_await f.client->next_frame();
    CO_ASSERT_TRUE(first);
    EXPECT_EQ(first->payload, rec(R"({"type":1,"target":"Seq","arguments":[0]})") +
                                  rec(R"({"type":1,"target":"Seq","arguments":[1]})") +
                                  rec(R"({"type":3,"invocationId":"1","result":2})"));
    co_await f.client->send_text(rec(R"({"type":8,"sequenceId":1})"));  // the Welcome only
    co_await io::sleep(50ms);
    hub_connection* before = f.conn;
    co_await f.drop_and_reconnect();
    auto seq = co_await f.client->next_frame();
    CO_ASSERT_TRUE(seq);
    EXPECT_EQ(seq->payload, rec(R"({"type":9,"sequenceId":2})"));
    auto again = co_await f.client->next_frame();
    CO_ASSERT_TRUE(again);
    EXPECT_EQ(again->payload, first->payload);
    EXPECT_EQ(f.conn, before);
    EXPECT_EQ(connected, 1);
    EXPECT_EQ(disconnected, 0);
    // Messages sent while parked are numbered on and come after the replay.
    co_await f.client->send_text(rec(R"({"type":9,"sequenceId":2})"));
    co_await f.client->send_text(rec(R"({"type":1,"invocationId":"2","target":"Echo","arguments":["x"]})"));
    auto echo = co_await f.client->records(1);
    CO_ASSERT_TRUE(echo.size() == 1);
    EXPECT_EQ(echo[0], rec(R"({"type":3,"invocationId":"2","result":"x"})"));
    EXPECT_EQ(f.conn->sent_sequence(), 5);
}

// The client resends what the server may not have processed; ids already processed are dropped.
task<void> suppresses_duplicates_from_the_client(fixture& f) {
    co_await start(f);
    co_await f.client->send_text(rec(R"({"type":1,"invocationId":"1","target":"Echo","arguments":["a"]})"));
    auto a = co_await f.client->records(1);
    CO_ASSERT_TRUE(a.size() == 1);
    co_await f.drop_and_reconnect();
    auto seq = co_await f.client->next_frame();
    CO_ASSERT_TRUE(seq && seq->payload == rec(R"({"type":9,"sequenceId":1})"));
    auto replayed = co_await f.client->records(2);  // Welcome, Completion 1
    CO_ASSERT_TRUE(replayed.size() == 2);
    co_await f.client->send_text(rec(R"({"type":9,"sequenceId":1})") +
                                 rec(R"({"type":1,"invocationId":"1","target":"Echo","arguments":["a"]})") +
                                 rec(R"({"type":1,"invocationId":"2","target":"Echo","arguments":["b"]})"));
    auto got = co_await f.client->records(1);
    CO_ASSERT_TRUE(got.size() == 1);
    EXPECT_EQ(got[0], rec(R"({"type":3,"invocationId":"2","result":"b"})"));
    CO_ASSERT_TRUE(co_await f.client->silent_for(200ms));
    // A Sequence past what the server received is a protocol error.
    co_await f.client->send_text(rec(R"({"type":9,"sequenceId":9})"));
    std::vector<std::string> before;
    int code = co_await f.client->close_code(&before);
    EXPECT_EQ(code, 1000);
    CO_ASSERT_TRUE(!before.empty());
    EXPECT_NE(before.back().find(R"("type":7)"), std::string::npos);
}

// Nobody comes back within the grace period: the connection ends and OnDisconnected runs.
task<void> ends_after_the_grace_period(fixture& f) {
    co_await start(f);
    close_client(std::exchange(f.client_fd, -1));
    co_await io::sleep(100ms);
    EXPECT_FALSE(f.done);
    EXPECT_EQ(disconnected, 0);
    for (int i = 0; i < 250 && !f.done; ++i) co_await io::sleep(10ms);
    EXPECT_TRUE(f.done);
    EXPECT_EQ(disconnected, 1);
    EXPECT_TRUE(f.ep.local().connections.empty());
}

std::string kpi(int i) {
    return R"({"type":1,"target":"Kpi","arguments":[)" + std::to_string(i) + ",\"" + std::string(200, 'k') + "\"]}\x1e";
}

// Past the limit superseding frames are skipped (not numbered); ordinary messages are kept up to
// four times the limit, past which the connection is closed as a slow client.
task<void> buffer_limit(fixture& f) {
    co_await start(f);
    const std::int64_t base = f.conn->sent_sequence();
    for (int i = 0; i < 20; ++i) {
        std::vector<targeted_record> r;
        r.push_back({"", kpi(i)});
        f.ep.send_each(std::move(r), 1);
    }
    co_await io::sleep(20ms);
    const std::int64_t kept = f.conn->sent_sequence() - base;
    EXPECT_GT(kept, 0);
    EXPECT_LT(kept, 20);  // 1000 bytes hold about 5 frames of 200
    EXPECT_LE(f.conn->replay_bytes(), 1000u + 300u);
    for (int i = 0; i < 30; ++i) f.ep.send_all(kpi(i), {});
    std::vector<std::string> records;
    int code = co_await f.client->close_code(&records);
    EXPECT_EQ(code, 1000);
    CO_ASSERT_TRUE(!records.empty());
    EXPECT_NE(records.back().find("does not read its messages fast enough"), std::string::npos) << records.back();
}

class stateful_reconnect_test : public ::testing::TestWithParam<std::string> {
protected:
    void run(stateful_scenario body, hub_options opts = {}) {
        tallyhub::testing::run_on_reactor(tallyhub::testing::backend_param(GetParam()),
                                          [&] { return run_stateful(opts, body); });
    }
};

TEST(stateful_negotiate, flag_comes_first_when_asked_and_allowed) {
    negotiate_request r;
    r.version = 1;
    r.stateful_reconnect = true;
    transports t{true, false, false};
    EXPECT_EQ(negotiate_response(r, "id", "tok", t, true),
              R"({"useStatefulReconnect":true,"negotiateVersion":1,"connectionId":"id","connectionToken":"tok",)"
              R"("availableTransports":[{"transport":"WebSockets","transferFormats":["Text","Binary"]}]})");
    EXPECT_EQ(negotiate_response(r, "id", "tok", t, false).find("useStatefulReconnect"), std::string::npos);
}

TEST_P(stateful_reconnect_test, handshake_v2_holds_output_until_the_client_speaks) {
    run(handshake_v2_holds_output_until_the_client_speaks);
}
TEST_P(stateful_reconnect_test, handshake_v1_turns_it_off) { run(handshake_v1_turns_it_off); }
TEST_P(stateful_reconnect_test, acks_trim_the_buffer_and_the_server_acks) { run(acks_trim_the_buffer_and_the_server_acks); }
TEST_P(stateful_reconnect_test, replays_unacked_bytes_after_a_drop) { run(replays_unacked_bytes_after_a_drop); }
TEST_P(stateful_reconnect_test, suppresses_duplicates_from_the_client) { run(suppresses_duplicates_from_the_client); }
TEST_P(stateful_reconnect_test, ends_after_the_grace_period) {
    hub_options o;
    o.reconnect_grace = 200ms;
    run(ends_after_the_grace_period, o);
}
TEST_P(stateful_reconnect_test, buffer_limit) {
    hub_options o;
    o.stateful_reconnect_buffer = 1000;
    run(buffer_limit, o);
}

INSTANTIATE_TEST_SUITE_P(backends, stateful_reconnect_test, ::testing::Values("uring", "epoll"));

}  // namespace
}  // namespace tallyhub::signalr
