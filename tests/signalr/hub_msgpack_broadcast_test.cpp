// Sends to many connections of one endpoint, a JSON one and a MessagePack one: broadcasts, group
// sends and analytics' per-tick send_each reach each connection in its own encoding and frame type,
// each encoding framed once; a core that was sent JSON only transcodes for its MessagePack
// connections. Both reactor backends.

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "signalr/hub_endpoint.hpp"
#include "tests/signalr/hub_msgpack_client.hpp"

namespace tallyhub::signalr {
namespace {

using namespace std::chrono_literals;
using namespace test_support;

const hub& broadcast_hub() {
    static const hub h = [] {
        hub x;
        x.method("Shout", [](hub_call& c, std::string s) {
            c.clients().all("Shout", s);
            return 1;
        });
        x.method("JoinGroup", [](hub_call& c, std::string g) { c.join_group(g); });
        x.method("ToGroup", [](hub_call& c, std::string g, std::string s) { c.clients().group(g, "InGroup", g, s); });
        return x;
    }();
    return h;
}

// ---- one endpoint, a JSON and a MessagePack connection ----

using pair_scenario = task<void> (*)(test_client& json, test_client& msgpack, hub_endpoint&);

task<void> serve_as(hub_endpoint* ep, int fd, std::string id, int* done) {
    net::connection conn(fd, {});
    {
        hub_connection c(*ep, conn, std::move(id));
        co_await c.run();
    }
    co_await conn.close();
    ++*done;
}

task<void> run_pair(pair_scenario body) {
    int a[2], b[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, a), 0);
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, b), 0);
    auto ep = std::make_unique<hub_endpoint>(broadcast_hub(), "/hub", hub_options{}, 1, nullptr);
    ep->start_core();
    int done = 0;
    reactor::current().spawn(serve_as(ep.get(), a[0], "json-1", &done));
    reactor::current().spawn(serve_as(ep.get(), b[0], "mp-1", &done));
    {
        test_client json(a[1]), msgpack(b[1]);
        co_await json.handshake();
        co_await mp_handshake(msgpack);
        EXPECT_EQ(ep->counters(0).json_connections.load(), 1);
        EXPECT_EQ(ep->counters(0).messagepack_connections.load(), 1);
        co_await body(json, msgpack, *ep);
    }
    ::shutdown(a[1], SHUT_WR);
    ::shutdown(b[1], SHUT_WR);
    for (int i = 0; i < 300 && done < 2; ++i) co_await io::sleep(10ms);
    EXPECT_EQ(done, 2) << "a server side did not end after its client left";
    if (done < 2) {
        ::shutdown(a[1], SHUT_RDWR);
        ::shutdown(b[1], SHUT_RDWR);
        for (int i = 0; i < 100 && done < 2; ++i) co_await io::sleep(10ms);
    }
    if (done < 2) {
        ep->stop_core();
        (void)ep.release();  // a hung connection still refers to the endpoint
        co_return;
    }
    EXPECT_EQ(ep->counters(0).json_connections.load(), 0);
    EXPECT_EQ(ep->counters(0).messagepack_connections.load(), 0);
    ep->stop_core();
    co_await io::sleep(30ms);
    for (int fd : {a[1], b[1]}) {
        reactor::current().backend().forget_fd(fd);
        ::close(fd);
    }
}

class hub_msgpack_broadcast_test : public ::testing::TestWithParam<std::string> {
protected:
    void run(pair_scenario body) {
        tallyhub::testing::run_on_reactor(tallyhub::testing::backend_param(GetParam()), [&] { return run_pair(body); });
    }
};

const std::string shout_hi = mp("96 01 80 c0 a5 53 68 6f 75 74 91 a2 68 69 90");  // Shout("hi")

task<void> send_to_all(test_client& json, test_client& msgpack, hub_endpoint&) {
    co_await json.send_text(rec(R"({"type":1,"invocationId":"1","target":"Shout","arguments":["hi"]})"));
    auto j = co_await json.records(2);
    EXPECT_EQ(j, (std::vector<std::string>{rec(R"({"type":1,"target":"Shout","arguments":["hi"]})"),
                                           rec(R"({"type":3,"invocationId":"1","result":1})")}));
    auto m = co_await mp_records(msgpack, 1);
    EXPECT_EQ(m, std::vector<std::string>{shout_hi});
    // And from the MessagePack side: the broadcast, then its own completion.
    co_await send_binary(msgpack, mp("95 01 80 a1 37 a5 53 68 6f 75 74 91 a2 68 69"));
    m = co_await mp_records(msgpack, 2);
    EXPECT_EQ(m, (std::vector<std::string>{shout_hi, mp("95 03 80 a1 37 03 01")}));
    j = co_await json.records(1);
    EXPECT_EQ(j, std::vector<std::string>{rec(R"({"type":1,"target":"Shout","arguments":["hi"]})")});
}
TEST_P(hub_msgpack_broadcast_test, a_broadcast_reaches_each_protocol_in_its_own_frame_type) { run(send_to_all); }

task<void> send_to_group(test_client& json, test_client& msgpack, hub_endpoint&) {
    co_await send_binary(msgpack, mp("95 01 80 a1 31 a9 4a 6f 69 6e 47 72 6f 75 70 91 a1 67"));  // JoinGroup("g")
    auto m = co_await mp_records(msgpack, 1);
    EXPECT_EQ(m, std::vector<std::string>{mp("95 03 80 a1 31 03 c0")});
    co_await json.send_text(rec(R"({"type":1,"invocationId":"2","target":"ToGroup","arguments":["g","m"]})"));
    auto j = co_await json.records(1);
    EXPECT_EQ(j, std::vector<std::string>{rec(R"({"type":3,"invocationId":"2","result":null})")});
    m = co_await mp_records(msgpack, 1);
    EXPECT_EQ(m, std::vector<std::string>{mp("96 01 80 c0 a7 49 6e 47 72 6f 75 70 92 a1 67 a1 6d 90")});
}
TEST_P(hub_msgpack_broadcast_test, a_group_send_reaches_a_messagepack_member) { run(send_to_group); }

// What analytics does each tick: records for everyone and for groups, one superseding frame each.
task<void> send_each(test_client& json, test_client& msgpack, hub_endpoint& ep) {
    co_await send_binary(msgpack, mp("95 01 80 a1 31 a9 4a 6f 69 6e 47 72 6f 75 70 91 a1 67"));
    (void)co_await mp_records(msgpack, 1);
    std::vector<targeted_record> tick{{"", rec(R"({"type":1,"target":"Tick","arguments":[1.5]})")},
                                      {"g", rec(R"({"type":1,"target":"InG","arguments":["2026-12-03T20:00:00.000Z"]})")}};
    ep.send_each(tick, 1);
    auto f = co_await json.next_frame();
    CO_ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->op, ws::opcode::text);
    EXPECT_EQ(f->payload, tick[0].record);
    f = co_await msgpack.next_frame();
    CO_ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->op, ws::opcode::binary);
    const std::string tick_mp = mp("96 01 80 c0 a4 54 69 63 6b 91 cb 3f f8 00 00 00 00 00 00 90");
    const std::string ing_mp = mp("96 01 80 c0 a3 49 6e 47 91 b8 " + hex_of("2026-12-03T20:00:00.000Z") + "90");
    EXPECT_EQ(f->payload, tick_mp + ing_mp);  // the timestamp stays a string
    // A MessagePack connection the sender did not know of (it connected after the send was encoded)
    // still gets the records: its core transcodes them.
    ep.local().stats.messagepack_connections.sub(1);
    ep.send_each(tick, 1);
    ep.send_all(rec(R"({"type":1,"target":"Shout","arguments":["hi"]})"), {});
    ep.local().stats.messagepack_connections.add(1);
    auto m = co_await mp_records(msgpack, 3);
    EXPECT_EQ(m, (std::vector<std::string>{tick_mp, ing_mp, shout_hi}));
    auto j = co_await json.records(2);
    EXPECT_EQ(j.size(), 2u);
}
TEST_P(hub_msgpack_broadcast_test, send_each_frames_each_protocol_once) { run(send_each); }

INSTANTIATE_TEST_SUITE_P(backends, hub_msgpack_broadcast_test, ::testing::Values("uring", "epoll"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace tallyhub::signalr
