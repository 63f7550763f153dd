// pg_client against a real PostgreSQL 15 (a throwaway cluster per test program, a fresh database per
// test), on both reactor backends: batches as transactions, refusals rolled back with the server's
// words, timeouts, restarts and outages, and a loop that keeps running through all of them.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/io.hpp"
#include "core/reactor.hpp"
#include "store/pg_client.hpp"
#include "tests/store/pg_service.hpp"
#include "tests/store/service_test_support.hpp"

namespace tallyhub::store {
namespace {

using namespace std::chrono_literals;
using tallyhub::testing::run_on_reactor;
using tallyhub::testing::stopwatch;
using tallyhub::testing::ticker;

class pg_client_test : public tallyhub::testing::pg_suite {};

pg_conninfo conninfo(const std::string& url) {
    auto c = parse_pg_conninfo(url);
    EXPECT_TRUE(c.ok()) << url;
    return c.ok() ? *c : pg_conninfo{};
}

pg_options fast_options() {
    pg_options o;
    o.connect_timeout = 2000ms;
    o.batch_timeout = 5000ms;
    o.backoff = {100ms, 400ms};
    return o;
}

task<void> queries(std::string url) {
    pg_client c(conninfo(url), fast_options());
    auto up = co_await c.connect();
    CO_REQUIRE_MSG(up.ok(), c.last_error());
    EXPECT_TRUE(c.health().ok());
    pg_batch b;
    b.add("SELECT 1 AS one, 'x'::text AS two")
        .add("SELECT $1::text || '!' AS echo, $2::int IS NULL AS was_null", {"héllo", std::nullopt})
        .add("CREATE TABLE t (a int, b text)")
        .add("INSERT INTO t SELECT g, CASE WHEN g % 2 = 0 THEN NULL ELSE 'odd' END FROM generate_series(1, 5) g")
        .add("SELECT a, b FROM t ORDER BY a")
        .add("SHOW statement_timeout");
    auto r = co_await c.run(std::move(b));
    CO_REQUIRE_MSG(r.ok(), c.last_error());
    CO_REQUIRE(r->size() == 6u);
    auto& res = *r;
    EXPECT_EQ(res[0].columns, (std::vector<std::string>{"one", "two"}));
    EXPECT_EQ(res[0].rows[0][0], "1");
    EXPECT_EQ(res[1].rows[0][0], "héllo!");
    EXPECT_EQ(res[1].rows[0][1], "t");
    EXPECT_EQ(res[2].command, "CREATE TABLE");
    EXPECT_EQ(res[3].command, "INSERT 0 5");
    EXPECT_EQ(res[3].affected, 5);
    CO_REQUIRE(res[4].rows.size() == 5u);
    EXPECT_EQ(res[4].rows[1][0], "2");
    EXPECT_EQ(res[4].rows[1][1], std::nullopt);
    EXPECT_EQ(res[4].rows[2][1], "odd");
    EXPECT_EQ(res[4].affected, 5);
    EXPECT_EQ(res[5].rows[0][0], "10s");  // pg_options' default, set in the startup packet
    auto p = co_await c.ping();
    EXPECT_TRUE(p.ok()) << c.last_error();
    EXPECT_EQ(c.stats().connects, 1u);
    EXPECT_EQ(c.stats().batches, 2u);
}

TEST_P(pg_client_test, a_batch_runs_with_text_parameters_and_returns_text_rows) {
    std::string url = fresh_database();
    run_on_reactor(kind(), [&] { return queries(url); });
}

task<void> refusals(std::string url) {
    pg_client c(conninfo(url), fast_options());
    pg_batch b;
    b.add("CREATE TABLE r (a int PRIMARY KEY)").add("INSERT INTO r VALUES (1)").add("INSERT INTO r VALUES (1)")
        .add("INSERT INTO r VALUES (2)");
    auto r = co_await c.run(std::move(b));
    CO_REQUIRE(!r.ok());
    EXPECT_EQ(r.err().code, int(pg_errc::rolled_back));
    const pg_failure& f = c.last_failure();
    EXPECT_EQ(f.kind, pg_errc::rolled_back);
    EXPECT_EQ(f.sqlstate, "23505");
    EXPECT_EQ(f.statement, 2);
    EXPECT_NE(f.message.find("duplicate key value violates unique constraint \"r_pkey\""), std::string::npos) << f.message;
    EXPECT_NE(f.detail.find("Key (a)=(1)"), std::string::npos) << f.detail;
    EXPECT_NE(c.last_error().find("SQLSTATE 23505"), std::string::npos) << c.last_error();
    EXPECT_TRUE(c.health().ok()) << "a refused statement is not a broken link";

    // Nothing of it stayed: the table does not exist. And the same connection goes on.
    pg_batch check;
    check.add("SELECT to_regclass('r')::text");
    auto after = co_await c.run(std::move(check));
    CO_REQUIRE_MSG(after.ok(), c.last_error());
    EXPECT_EQ((*after)[0].rows[0][0], std::nullopt);

    pg_batch syntax;
    syntax.add("SELEC 1");
    auto s = co_await c.run(std::move(syntax));
    EXPECT_FALSE(s.ok());
    EXPECT_EQ(c.last_failure().sqlstate, "42601");
    EXPECT_EQ(c.last_failure().statement, 0);

    pg_batch again;
    again.add("SELECT 42");
    auto a = co_await c.run(std::move(again));
    CO_REQUIRE_MSG(a.ok(), c.last_error());
    EXPECT_EQ((*a)[0].rows[0][0], "42");
    EXPECT_EQ(c.stats().connects, 1u);
    EXPECT_EQ(c.stats().rolled_back, 2u);
}

TEST_P(pg_client_test, a_refused_statement_rolls_back_the_whole_batch_with_the_servers_message) {
    std::string url = fresh_database();
    run_on_reactor(kind(), [&] { return refusals(url); });
}

// The server's statement_timeout cancels a slow statement (rolled back, SQLSTATE 57014); the client's
// batch_timeout gives up on a server that does not answer (outcome unknown, link dropped). The loop
// keeps ticking through both.
task<void> timeouts(std::string url) {
    pg_options server_side = fast_options();
    server_side.statement_timeout = 200ms;
    pg_client c(conninfo(url), server_side);
    ticker t;
    reactor::current().spawn(ticker::run(&t));
    pg_batch slow;
    slow.add("SELECT pg_sleep(3)");
    stopwatch w;
    auto r = co_await c.run(slow);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(c.last_failure().sqlstate, "57014") << c.last_error();
    EXPECT_LT(w.ms(), 1500.0);
    EXPECT_TRUE(c.health().ok());

    pg_options client_side = fast_options();
    client_side.statement_timeout = 0ms;
    client_side.batch_timeout = 300ms;
    pg_client d(conninfo(url), client_side);
    stopwatch w2;
    auto s = co_await d.run(slow);
    double waited = w2.ms();
    EXPECT_FALSE(s.ok());
    if (!s.ok()) {
        EXPECT_EQ(s.err().code, int(pg_errc::outcome_unknown));
    }
    EXPECT_GE(waited, 290.0);
    EXPECT_LT(waited, 1500.0);
    EXPECT_EQ(d.health().state, link_state::down);
    EXPECT_NE(d.last_error().find("no answer within 300 ms"), std::string::npos) << d.last_error();
    EXPECT_GE(t.ticks(), 60) << "the loop stalled while PostgreSQL was slow";
    co_await io::sleep(150ms);  // the backoff
    pg_batch quick;
    quick.add("SELECT 1");
    auto q = co_await d.run(std::move(quick));
    EXPECT_TRUE(q.ok()) << d.last_error();
    EXPECT_EQ(d.stats().connects, 2u);
    co_await t.finish();
}

TEST_P(pg_client_test, statement_and_batch_timeouts_end_slow_batches_without_blocking) {
    std::string url = fresh_database();
    run_on_reactor(kind(), [&] { return timeouts(url); });
}

struct select_one {
    static task<result<std::vector<pg_result>>> run(pg_client* c) {
        pg_batch b;
        b.add("SELECT 1");
        auto r = co_await c->run(std::move(b));
        co_return r;
    }
};

// pg_ctl restart while idle: noticed before the next batch, which goes out on a new connection.
task<void> restart(tallyhub::testing::pg_service* cluster, std::string url) {
    pg_client c(conninfo(url), fast_options());
    auto a = co_await select_one::run(&c);
    CO_REQUIRE_MSG(a.ok(), c.last_error());
    cluster->stop();
    cluster->start();
    auto b = co_await select_one::run(&c);
    EXPECT_TRUE(b.ok()) << c.last_error();
    EXPECT_EQ(c.stats().connects, 2u);
    EXPECT_TRUE(c.health().ok());
}

TEST_P(pg_client_test, reconnects_by_itself_after_a_restart) {
    std::string url = fresh_database();
    run_on_reactor(kind(), [&] { return restart(&cluster(), url); });
}

// While the server is down: batches fail fast, health() says why, attempts back off; once it is
// back the next attempt succeeds.
task<void> outage(tallyhub::testing::pg_service* cluster, std::string url) {
    pg_client c(conninfo(url), fast_options());
    auto a = co_await select_one::run(&c);
    CO_REQUIRE_MSG(a.ok(), c.last_error());
    ticker t;
    reactor::current().spawn(ticker::run(&t));

    cluster->stop();
    stopwatch first;
    auto b = co_await select_one::run(&c);
    EXPECT_FALSE(b.ok());
    if (!b.ok()) {
        EXPECT_EQ(b.err().code, int(pg_errc::unavailable));
    }
    EXPECT_LT(first.ms(), 500.0);
    EXPECT_EQ(c.health().state, link_state::down);
    EXPECT_NE(c.health().reason.find("Connection refused"), std::string::npos) << c.health().describe();

    stopwatch fast;
    auto d = co_await select_one::run(&c);
    EXPECT_FALSE(d.ok());
    EXPECT_LT(fast.ms(), 50.0) << "a batch while backing off must fail at once";
    EXPECT_NE(std::string(d.err().reason).find("waiting to reconnect"), std::string::npos);

    stopwatch spell;
    while (spell.ms() < 600) {
        auto e = co_await select_one::run(&c);
        EXPECT_FALSE(e.ok());
        co_await io::sleep(10ms);
    }
    EXPECT_LE(c.health().failures, 6u) << "attempts must back off, not follow every call";

    cluster->start();
    stopwatch back;
    bool ok = false;
    while (!ok && back.ms() < 10000) {
        co_await io::sleep(20ms);
        auto r = co_await select_one::run(&c);
        ok = r.ok();
    }
    EXPECT_TRUE(ok) << c.last_error();
    EXPECT_TRUE(c.health().ok());
    EXPECT_GT(t.ticks(), 50);
    co_await t.finish();
}

TEST_P(pg_client_test, while_down_batches_fail_fast_and_health_says_why) {
    std::string url = fresh_database();
    run_on_reactor(kind(), [&] { return outage(&cluster(), url); });
}

// A postmaster that accepts but never answers (SIGSTOP): connect times out, the loop keeps going.
task<void> stalled_connect(tallyhub::testing::pg_service* cluster, std::string url) {
    pg_options o = fast_options();
    o.connect_timeout = 300ms;
    pg_client c(conninfo(url), o);
    ticker t;
    reactor::current().spawn(ticker::run(&t));
    cluster->pause();
    stopwatch w;
    auto r = co_await c.connect();
    double waited = w.ms();
    cluster->resume();
    EXPECT_FALSE(r.ok());
    EXPECT_GE(waited, 290.0);
    EXPECT_LT(waited, 1500.0);
    EXPECT_NE(c.last_error().find("timed out"), std::string::npos) << c.last_error();
    EXPECT_GE(t.ticks(), 30);
    co_await io::sleep(150ms);  // the backoff
    auto again = co_await c.connect();
    EXPECT_TRUE(again.ok()) << c.last_error();
    co_await t.finish();
}

TEST_P(pg_client_test, a_server_that_never_answers_times_out_the_connect) {
    std::string url = fresh_database();
    run_on_reactor(kind(), [&] { return stalled_connect(&cluster(), url); });
}

struct slow_batch {
    static task<void> run(pg_client* c, bool* ok) {
        pg_batch b;
        b.add("SELECT pg_sleep(0.2)");
        auto r = co_await c->run(std::move(b));
        *ok = r.ok();
    }
};

task<void> queueing(std::string url) {
    pg_options o = fast_options();
    o.max_queued = 0;
    pg_client c(conninfo(url), o);
    auto up = co_await c.connect();
    CO_REQUIRE_MSG(up.ok(), c.last_error());
    bool first = false;
    reactor::current().spawn(slow_batch::run(&c, &first));
    co_await io::sleep(0ms);
    EXPECT_TRUE(c.busy());
    auto second = co_await select_one::run(&c);
    EXPECT_FALSE(second.ok());
    if (!second.ok()) {
        EXPECT_EQ(second.err().code, int(pg_errc::busy));
    }
    while (c.busy()) co_await io::sleep(5ms);
    EXPECT_TRUE(first);
    EXPECT_EQ(c.stats().rejected_busy, 1u);
    EXPECT_TRUE(c.health().ok());
}

TEST_P(pg_client_test, a_bounded_queue_refuses_a_second_batch) {
    std::string url = fresh_database();
    run_on_reactor(kind(), [&] { return queueing(url); });
}

task<void> nothing_there(std::string url) {
    pg_client c(conninfo(url), fast_options());
    stopwatch w;
    auto r = co_await c.connect();
    EXPECT_FALSE(r.ok());
    EXPECT_LT(w.ms(), 500.0);
    EXPECT_NE(c.health().describe().find("Connection refused"), std::string::npos) << c.health().describe();
}

TEST_P(pg_client_test, a_closed_port_is_reported_at_once) {
    std::string url = "postgresql://postgres@127.0.0.1:" + std::to_string(tallyhub::testing::free_loopback_port()) + "/x";
    run_on_reactor(kind(), [&] { return nothing_there(url); });
}

INSTANTIATE_TEST_SUITE_P(backends, pg_client_test, ::testing::Values("uring", "epoll"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace tallyhub::store
