// redis_client against a real redis-server (a throwaway one per test, on a free loopback port), on
// both reactor backends: round trips, big pipelines, databases, AUTH, outages and recovery, and a
// loop that keeps running while Redis is stalled or gone.

#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <vector>

#include "core/io.hpp"
#include "core/reactor.hpp"
#include "store/redis_client.hpp"
#include "tests/core/reactor_harness.hpp"
#include "tests/store/redis_service.hpp"
#include "tests/store/service_test_support.hpp"

namespace tallyhub::store {
namespace {

using namespace std::chrono_literals;
using tallyhub::testing::redis_service;
using tallyhub::testing::run_on_reactor;
using tallyhub::testing::stopwatch;
using tallyhub::testing::ticker;

class redis_client_test : public ::testing::TestWithParam<std::string> {
protected:
    backend_kind kind() const { return tallyhub::testing::backend_param(GetParam()); }
};

redis_endpoint endpoint(const std::string& url) {
    auto ep = parse_redis_url(url);
    EXPECT_TRUE(ep.ok()) << url;
    return ep.ok() ? *ep : redis_endpoint{};
}

redis_options fast_options() {
    redis_options o;
    o.connect_timeout = 1000ms;
    o.command_timeout = 500ms;
    o.backoff = {100ms, 400ms};
    return o;
}

// The seed's key: JSON RealtimeMetrics with a one-day TTL, read back exactly; TTLs, nil, error replies.
task<void> round_trips(std::string url) {
    redis_client c(endpoint(url));
    auto up = co_await c.connect();
    CO_REQUIRE_MSG(up.ok(), c.last_error());
    EXPECT_TRUE(c.health().ok());
    const std::string json = R"({"TotalOrders":1200,"TotalRevenue":123456.7891,"AverageOrderValue":102.8806,)"
                             R"("TotalPaymentsProcessed":900,"LastUpdated":"2026-01-02T03:04:05.678Z"})";
    std::vector<redis_command> cmds = {
        {"SET", "realtime-metrics", json, "EX", "86400"},
        {"GET", "realtime-metrics"},
        {"TTL", "realtime-metrics"},
        {"SET", "window:second:1767323045", "42", "PX", "1500"},
        {"PTTL", "window:second:1767323045"},
        {"GET", "no-such-key"},
        {"HINCRBY", "realtime-metrics", "orders", "1"},  // wrong type: an error reply, not a failure
        {"INCRBY", "orders", "5"},
    };
    auto r = co_await c.pipeline(std::move(cmds));
    CO_REQUIRE_MSG(r.ok(), c.last_error());
    CO_REQUIRE(r->size() == 8u);
    auto& rep = *r;
    EXPECT_TRUE(rep[0].is_ok());
    EXPECT_EQ(rep[1].str, json);
    EXPECT_EQ(rep[2].type, redis_reply::kind::integer);
    EXPECT_GT(rep[2].integer, 86390);
    EXPECT_LE(rep[2].integer, 86400);
    EXPECT_GT(rep[4].integer, 1000);
    EXPECT_LE(rep[4].integer, 1500);
    EXPECT_TRUE(rep[5].is_nil());
    EXPECT_TRUE(rep[6].is_error());
    EXPECT_NE(rep[6].str.find("WRONGTYPE"), std::string::npos);
    EXPECT_EQ(rep[7].integer, 5);
    EXPECT_EQ(c.stats().pipelines, 1u);
    EXPECT_EQ(c.stats().commands, 8u);
}

TEST_P(redis_client_test, round_trips_keys_ttls_and_error_replies) {
    redis_service srv;
    run_on_reactor(kind(), [&] { return round_trips(srv.url()); });
}

// 100 commands in one pipeline (no MULTI): replies in order, sums exact.
task<void> hundred(std::string url) {
    redis_client c(endpoint(url));
    std::vector<redis_command> cmds;
    std::int64_t expected = 0;
    for (int i = 0; i < 99; ++i) {
        std::int64_t by = (i * 7919) % 1000 + 1;
        expected += by;
        cmds.push_back({"INCRBY", "window:bucket", std::to_string(by)});
    }
    cmds.push_back({"GET", "window:bucket"});
    auto r = co_await c.pipeline(std::move(cmds));
    CO_REQUIRE_MSG(r.ok(), c.last_error());
    CO_REQUIRE(r->size() == 100u);
    std::int64_t running = 0;
    for (int i = 0; i < 99; ++i) {
        running += (i * 7919) % 1000 + 1;
        EXPECT_EQ((*r)[std::size_t(i)].integer, running) << i;
    }
    EXPECT_EQ((*r)[99].str, std::to_string(expected));
    EXPECT_EQ(c.stats().pipelines, 1u);
    EXPECT_EQ(c.stats().connects, 1u);
}

TEST_P(redis_client_test, a_pipeline_of_100_commands_comes_back_in_order) {
    redis_service srv;
    run_on_reactor(kind(), [&] { return hundred(srv.url()); });
}

task<void> databases(std::string url3, std::string url0) {
    redis_client in3(endpoint(url3)), in0(endpoint(url0));
    std::vector<redis_command> set = {{"SET", "k", "three"}};
    auto w = co_await in3.pipeline(std::move(set));
    CO_REQUIRE_MSG(w.ok(), in3.last_error());
    std::vector<redis_command> get0 = {{"GET", "k"}}, get3 = {{"GET", "k"}, {"CLIENT", "GETNAME"}};
    auto r0 = co_await in0.pipeline(std::move(get0));
    auto r3 = co_await in3.pipeline(std::move(get3));
    CO_REQUIRE(r0.ok() && r3.ok());
    EXPECT_TRUE((*r0)[0].is_nil());
    EXPECT_EQ((*r3)[0].str, "three");
    EXPECT_EQ((*r3)[1].str, "tallyhub");
}

TEST_P(redis_client_test, the_url_database_is_selected) {
    redis_service srv;
    run_on_reactor(kind(), [&] { return databases(srv.url(3), srv.url(0)); });
}

task<void> login(std::string good, std::string bad, std::string bad_db) {
    redis_client ok(endpoint(good)), wrong(endpoint(bad)), nodb(endpoint(bad_db), fast_options());
    std::vector<redis_command> ping = {{"PING"}};
    auto a = co_await ok.pipeline(ping);
    CO_REQUIRE_MSG(a.ok(), ok.last_error());
    EXPECT_EQ((*a)[0].str, "PONG");
    auto b = co_await wrong.pipeline(ping);
    EXPECT_FALSE(b.ok());
    EXPECT_EQ(wrong.health().state, link_state::down);
    EXPECT_NE(wrong.last_error().find("AUTH"), std::string::npos) << wrong.last_error();
    auto c = co_await nodb.pipeline(ping);
    EXPECT_FALSE(c.ok());
    EXPECT_NE(nodb.last_error().find("SELECT"), std::string::npos) << nodb.last_error();
    EXPECT_NE(nodb.health().describe().find("DB index is out of range"), std::string::npos) << nodb.health().describe();
}

TEST_P(redis_client_test, auth_and_select_failures_refuse_the_link_with_the_servers_words) {
    redis_service srv({"--requirepass", "s3cret"});
    std::string base = "127.0.0.1:" + std::to_string(srv.port());
    run_on_reactor(kind(), [&] {
        return login("redis://:s3cret@" + base + "/0", "redis://:nope@" + base + "/0", "redis://:s3cret@" + base + "/99");
    });
}

// Kill the server: pipelines fail (the first one notices, later ones fail fast while backing off),
// health() says why; restart it on the same port: the client reconnects by itself.
task<void> restart(redis_service* srv) {
    redis_client c(endpoint(srv->url()), fast_options());
    std::vector<redis_command> set = {{"SET", "k", "1"}};
    auto a = co_await c.pipeline(set);
    CO_REQUIRE_MSG(a.ok(), c.last_error());

    srv->kill();
    auto b = co_await c.pipeline(set);
    EXPECT_FALSE(b.ok());
    EXPECT_EQ(c.health().state, link_state::down);
    EXPECT_NE(c.health().reason.find("Connection refused"), std::string::npos) << c.health().describe();
    stopwatch fast;
    auto d = co_await c.pipeline(set);
    EXPECT_FALSE(d.ok());
    EXPECT_EQ(d.err().code, ENOTCONN);
    EXPECT_LT(fast.ms(), 50.0) << "a pipeline while backing off must fail at once";
    EXPECT_NE(c.health().describe().find("retry in"), std::string::npos) << c.health().describe();

    srv->start();
    stopwatch back;
    result<std::vector<redis_reply>> e = error{ENOTCONN, ""};
    while (!e.ok() && back.ms() < 5000) {
        co_await io::sleep(20ms);
        e = co_await c.pipeline(set);
    }
    EXPECT_TRUE(e.ok()) << c.last_error();
    EXPECT_TRUE(c.health().ok());
    EXPECT_EQ(c.stats().connects, 2u);

    // A clean restart while idle is noticed before sending: no pipeline fails.
    srv->stop();
    srv->start();
    auto f = co_await c.pipeline(set);
    EXPECT_TRUE(f.ok()) << c.last_error();
    EXPECT_EQ(c.stats().connects, 3u);
}

TEST_P(redis_client_test, reconnects_after_the_server_is_killed_and_restarted) {
    redis_service srv;
    run_on_reactor(kind(), [&] { return restart(&srv); });
    if (HasFailure()) std::cerr << srv.log();
}

// A stopped (SIGSTOP) server accepts connections but never answers: the pipeline times out, the
// loop keeps ticking all the while, and the link recovers once the server runs again.
task<void> stalled(redis_service* srv) {
    redis_client c(endpoint(srv->url()), fast_options());
    std::vector<redis_command> ping = {{"PING"}};
    auto a = co_await c.pipeline(ping);
    CO_REQUIRE_MSG(a.ok(), c.last_error());

    ticker t;
    reactor::current().spawn(ticker::run(&t));
    srv->pause();
    stopwatch w;
    auto b = co_await c.pipeline(ping);
    double waited = w.ms();
    EXPECT_FALSE(b.ok());
    EXPECT_EQ(b.err().code, ETIMEDOUT);
    EXPECT_GE(waited, 450.0);
    EXPECT_LT(waited, 1500.0);
    EXPECT_GE(t.ticks(), 40) << "the loop stalled while Redis did";
    EXPECT_NE(c.health().reason.find("no reply within"), std::string::npos) << c.health().describe();
    srv->resume();
    co_await io::sleep(150ms);  // the backoff
    auto d = co_await c.pipeline(ping);
    EXPECT_TRUE(d.ok()) << c.last_error();
    co_await t.finish();
}

TEST_P(redis_client_test, a_stalled_server_times_out_without_blocking_the_loop) {
    redis_service srv;
    run_on_reactor(kind(), [&] { return stalled(&srv); });
}

task<void> nothing_listens(std::string url) {
    redis_client c(endpoint(url), fast_options());
    ticker t;
    reactor::current().spawn(ticker::run(&t));
    std::vector<redis_command> ping = {{"PING"}};
    stopwatch w;
    int failures = 0;
    while (w.ms() < 300) {
        auto r = co_await c.pipeline(ping);
        failures += !r.ok();
        co_await io::sleep(10ms);
    }
    EXPECT_GT(failures, 20);
    EXPECT_GE(t.ticks(), 30);
    EXPECT_EQ(c.stats().pipelines, 0u);
    EXPECT_EQ(c.health().state, link_state::down);
    EXPECT_GE(c.health().failures, 2u);   // attempts were made, spaced by the backoff…
    EXPECT_LE(c.health().failures, 5u);   // …not one per call
    co_await t.finish();
}

TEST_P(redis_client_test, an_unreachable_server_fails_fast_and_backs_off) {
    std::string url = "redis://127.0.0.1:" + std::to_string(tallyhub::testing::free_loopback_port()) + "/0";
    run_on_reactor(kind(), [&] { return nothing_listens(url); });
}

struct queued_call {
    static task<void> go(redis_client* c, std::string value, std::vector<std::string>* order, int* errors) {
        std::vector<redis_command> cmds = {{"RPUSH", "order", value}};
        auto r = co_await c->pipeline(std::move(cmds));
        if (r.ok()) order->push_back(value);
        else ++*errors;
    }
};

task<void> queueing(std::string url) {
    redis_options strict = fast_options();
    strict.max_queued = 0;
    redis_client c(endpoint(url), strict);
    std::vector<std::string> order;
    int errors = 0;
    reactor::current().spawn(queued_call::go(&c, "a", &order, &errors));
    co_await io::sleep(0ms);  // let it start and go in flight
    EXPECT_TRUE(c.busy());
    std::vector<redis_command> more = {{"PING"}};
    auto refused = co_await c.pipeline(more);
    EXPECT_FALSE(refused.ok());
    if (!refused.ok()) {
        EXPECT_EQ(refused.err().code, EBUSY);
    }
    while (c.busy()) co_await io::sleep(1ms);

    redis_client q(endpoint(url), fast_options());  // max_queued 1: one waits, in order
    for (const char* v : {"b", "c", "d"}) reactor::current().spawn(queued_call::go(&q, v, &order, &errors));
    co_await io::sleep(0ms);
    while (q.busy()) co_await io::sleep(1ms);
    EXPECT_EQ(errors, 1);  // "d": one in flight ("b"), one waiting ("c")
    EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(c.stats().rejected_busy + q.stats().rejected_busy, 2u);
}

TEST_P(redis_client_test, a_bounded_queue_refuses_instead_of_piling_up) {
    redis_service srv;
    run_on_reactor(kind(), [&] { return queueing(srv.url()); });
}

INSTANTIATE_TEST_SUITE_P(backends, redis_client_test, ::testing::Values("uring", "epoll"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace tallyhub::store
