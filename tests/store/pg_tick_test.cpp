// tallyhub's schema and tick transactions against a real PostgreSQL 15, on both reactor backends:
// migrations are idempotent, hundreds of ticks add up to exact numeric sums, a tick is idempotent,
// a refused tick leaves nothing behind, the dedup window is pruned, and the restore reads back
// exactly what was committed.

#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <string>
#include <vector>

#include "core/io.hpp"
#include "store/pg_schema.hpp"
#include "tests/store/pg_service.hpp"
#include "tests/store/service_test_support.hpp"

namespace tallyhub::store {
namespace {

using namespace std::chrono_literals;
using tallyhub::testing::run_on_reactor;

class pg_tick_test : public tallyhub::testing::pg_suite {};

pg_conninfo conninfo(const std::string& url) {
    auto c = parse_pg_conninfo(url);
    EXPECT_TRUE(c.ok()) << url;
    return c.ok() ? *c : pg_conninfo{};
}

task<result<std::vector<pg_result>>> query(pg_client* c, std::string sql) {
    pg_batch b;
    b.add(std::move(sql));
    auto r = co_await c->run(std::move(b));
    co_return r;
}

task<void> migrations(std::string url) {
    pg_client c(conninfo(url));
    std::string why;
    auto first = co_await pg_schema::ensure(c, &why);
    CO_REQUIRE_MSG(first.ok(), why);
    EXPECT_EQ(*first, 0);
    auto second = co_await pg_schema::ensure(c, &why);
    CO_REQUIRE_MSG(second.ok(), why);
    EXPECT_EQ(*second, pg_schema::current_version);

    auto tables = co_await query(&c, "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables "
                                     "WHERE table_name LIKE 'tallyhub%'");
    CO_REQUIRE_MSG(tables.ok(), c.last_error());
    EXPECT_EQ((*tables)[0].rows[0][0], "tallyhub_daily_sales,tallyhub_dedup,tallyhub_schema_version,tallyhub_totals");
    auto totals = co_await query(&c, "SELECT orders, revenue, payments, last_tick FROM tallyhub_totals");
    CO_REQUIRE_MSG(totals.ok(), c.last_error());
    CO_REQUIRE((*totals)[0].rows.size() == 1u);
    EXPECT_EQ((*totals)[0].rows[0][1], "0.0000");

    // A database migrated by a newer tallyhub is refused, with the versions in the message.
    auto bump = co_await query(&c, "UPDATE tallyhub_schema_version SET version = 99");
    CO_REQUIRE_MSG(bump.ok(), c.last_error());
    auto newer = co_await pg_schema::ensure(c, &why);
    EXPECT_FALSE(newer.ok());
    EXPECT_NE(why.find("99"), std::string::npos) << why;
}

TEST_P(pg_tick_test, the_schema_is_created_once_and_a_newer_one_is_refused) {
    std::string url = fresh_database();
    run_on_reactor(kind(), [&] { return migrations(url); });
}

// A small deterministic generator, so a failure names the same ticks every run.
struct lcg {
    std::uint64_t s;
    std::uint64_t next(std::uint64_t bound) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        return (s >> 33) % bound;
    }
};

constexpr std::int64_t base_ms = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
constexpr std::int64_t tick_ms = 100;
constexpr std::int64_t window_ms = 5'000;

task<void> many_ticks(std::string url, int ticks) {
    pg_client c(conninfo(url));
    std::string why;
    auto schema = co_await pg_schema::ensure(c, &why);
    CO_REQUIRE_MSG(schema.ok(), why);

    lcg rng{42};
    std::int64_t orders = 0, revenue = 0, payments = 0;
    std::map<std::int64_t, pg_schema::day_delta> days;
    std::vector<std::vector<std::string>> keys_of(std::size_t(ticks) + 1);
    for (int n = 1; n <= ticks; ++n) {
        pg_schema::tick_delta t;
        t.tick = n;
        t.at_ms = base_ms + n * tick_ms;
        t.prune_before_ms = t.at_ms - window_ms;
        std::int64_t day = 20454 + n / 150;  // three days over 400 ticks
        int parts = n % 37 == 0 ? 2 : 1;     // now and then a tick spans midnight
        for (int p = 0; p < parts; ++p) {
            pg_schema::day_delta d{day + p, std::int64_t(rng.next(20)), std::int64_t(rng.next(10'000'000'000ull)),
                                   std::int64_t(rng.next(20))};
            t.days.push_back(d);
            t.orders += d.orders;
            t.revenue_units += d.revenue_units;
            t.payments += d.payments;
            auto& sum = days[d.day];
            sum.day = d.day;
            sum.orders += d.orders;
            sum.revenue_units += d.revenue_units;
            sum.payments += d.payments;
        }
        orders += t.orders;
        revenue += t.revenue_units;
        payments += t.payments;
        for (std::int64_t k = 0; k < t.orders; ++k)
            keys_of[std::size_t(n)].push_back("msg-" + std::to_string(n) + "-" + std::to_string(k));
        for (const auto& k : keys_of[std::size_t(n)]) t.dedup_keys.push_back(k);
        auto r = co_await c.run(pg_schema::tick_batch(t));
        CO_REQUIRE_MSG(r.ok(), "tick " << n << ": " << c.last_error());
    }

    // The stored numeric is the exact decimal sum, to the last of its 4 fractional digits.
    auto stored = co_await query(&c, "SELECT revenue::text, (SELECT sum(revenue)::text FROM tallyhub_daily_sales), "
                                     "(SELECT count(*) FROM tallyhub_dedup) FROM tallyhub_totals");
    CO_REQUIRE_MSG(stored.ok(), c.last_error());
    EXPECT_EQ((*stored)[0].rows[0][0], pg_schema::format_money(revenue));
    EXPECT_EQ((*stored)[0].rows[0][1], pg_schema::format_money(revenue));
    EXPECT_EQ((*stored)[0].rows[0][2], std::to_string(window_ms / tick_ms + 1)) << "the window keeps 51 ticks";

    const std::int64_t last_ms = base_ms + ticks * tick_ms;
    auto restored = co_await c.run(pg_schema::restore_batch(20454, last_ms - window_ms));
    CO_REQUIRE_MSG(restored.ok(), c.last_error());
    auto state = pg_schema::parse_restore(*restored, &why);
    CO_REQUIRE_MSG(state.ok(), why);
    EXPECT_EQ(state->orders, orders);
    EXPECT_EQ(state->revenue_units, revenue);
    EXPECT_EQ(state->payments, payments);
    EXPECT_EQ(state->last_tick, ticks);
    CO_REQUIRE(state->days.size() == days.size());
    std::size_t i = 0;
    for (const auto& [day, sum] : days) {
        EXPECT_EQ(state->days[i].day, day);
        EXPECT_EQ(state->days[i].orders, sum.orders) << day;
        EXPECT_EQ(state->days[i].revenue_units, sum.revenue_units) << day;
        EXPECT_EQ(state->days[i].payments, sum.payments) << day;
        ++i;
    }
    CO_REQUIRE(state->dedup.size() == std::size_t(window_ms / tick_ms + 1));
    EXPECT_EQ(state->dedup.front().tick, ticks - window_ms / tick_ms);
    EXPECT_EQ(state->dedup.back().tick, ticks);
    for (const auto& t : state->dedup) {
        EXPECT_EQ(t.at_ms, base_ms + t.tick * tick_ms);
        EXPECT_EQ(t.keys, keys_of[std::size_t(t.tick)]) << "tick " << t.tick;
    }
    // A narrower restore window reads fewer ticks.
    auto narrow = co_await c.run(pg_schema::restore_batch(20455, last_ms - 1000));
    CO_REQUIRE_MSG(narrow.ok(), c.last_error());
    auto s2 = pg_schema::parse_restore(*narrow, &why);
    CO_REQUIRE(s2.ok());
    EXPECT_EQ(s2->dedup.size(), 11u);
    EXPECT_EQ(s2->days.size(), days.size() - 1);
}

TEST_P(pg_tick_test, four_hundred_ticks_add_up_exactly_and_restore) {
    std::string url = fresh_database();
    run_on_reactor(kind(), [&] { return many_ticks(url, 400); });
}

pg_schema::tick_delta one_tick(std::int64_t n, std::int64_t revenue_units) {
    pg_schema::tick_delta t;
    t.tick = n;
    t.at_ms = base_ms + n * tick_ms;
    t.orders = 1;
    t.revenue_units = revenue_units;
    t.payments = 1;
    t.days = {{20454, 1, revenue_units, 1}};
    return t;
}

// The same tick twice (a retry after outcome_unknown) is refused by its dedup row and adds nothing;
// a tick the server refuses (numeric overflow in the totals) leaves no trace, not even its dedup row.
task<void> refused_ticks(std::string url) {
    pg_client c(conninfo(url));
    std::string why;
    auto schema = co_await pg_schema::ensure(c, &why);
    CO_REQUIRE_MSG(schema.ok(), why);
    std::string key = "m-1";
    auto t1 = one_tick(1, 12'3456);
    t1.dedup_keys = {key};
    auto a = co_await c.run(pg_schema::tick_batch(t1));
    CO_REQUIRE_MSG(a.ok(), c.last_error());
    auto again = co_await c.run(pg_schema::tick_batch(t1));
    EXPECT_FALSE(again.ok());
    EXPECT_TRUE(pg_schema::is_duplicate_tick(c.last_failure())) << c.last_error();
    auto totals = co_await query(&c, "SELECT orders, revenue::text, last_tick FROM tallyhub_totals");
    CO_REQUIRE_MSG(totals.ok(), c.last_error());
    EXPECT_EQ((*totals)[0].rows[0][0], "1");
    EXPECT_EQ((*totals)[0].rows[0][1], "12.3456");

    auto near_max = co_await query(&c, "UPDATE tallyhub_totals SET revenue = 9999999999999999");
    CO_REQUIRE_MSG(near_max.ok(), c.last_error());
    auto t2 = one_tick(2, 1'0000);
    auto b = co_await c.run(pg_schema::tick_batch(t2));
    EXPECT_FALSE(b.ok());
    EXPECT_EQ(c.last_failure().sqlstate, "22003") << c.last_error();
    EXPECT_EQ(c.last_failure().statement, 1);
    EXPECT_NE(c.last_failure().message.find("numeric field overflow"), std::string::npos) << c.last_error();
    auto left = co_await query(&c, "SELECT (SELECT count(*) FROM tallyhub_dedup), (SELECT order_count FROM tallyhub_daily_sales), "
                                   "(SELECT last_tick FROM tallyhub_totals)");
    CO_REQUIRE_MSG(left.ok(), c.last_error());
    EXPECT_EQ((*left)[0].rows[0], (std::vector<std::optional<std::string>>{"1", "1", "1"}));

    // Such a total does not fit int64 units: the restore says so instead of wrapping.
    auto restored = co_await c.run(pg_schema::restore_batch(0, 0));
    CO_REQUIRE_MSG(restored.ok(), c.last_error());
    auto state = pg_schema::parse_restore(*restored, &why);
    EXPECT_FALSE(state.ok());
    EXPECT_NE(why.find("tallyhub_totals"), std::string::npos) << why;
}

TEST_P(pg_tick_test, a_repeated_or_refused_tick_adds_nothing) {
    std::string url = fresh_database();
    run_on_reactor(kind(), [&] { return refused_ticks(url); });
}

task<void> fresh_restore(std::string url) {
    pg_client c(conninfo(url));
    std::string why;
    auto schema = co_await pg_schema::ensure(c, &why);
    CO_REQUIRE_MSG(schema.ok(), why);
    auto restored = co_await c.run(pg_schema::restore_batch(0, 0));
    CO_REQUIRE_MSG(restored.ok(), c.last_error());
    auto state = pg_schema::parse_restore(*restored, &why);
    CO_REQUIRE_MSG(state.ok(), why);
    EXPECT_EQ(state->orders, 0);
    EXPECT_EQ(state->revenue_units, 0);
    EXPECT_EQ(state->last_tick, 0);
    EXPECT_TRUE(state->days.empty());
    EXPECT_TRUE(state->dedup.empty());
}

TEST_P(pg_tick_test, a_fresh_database_restores_to_zero) {
    std::string url = fresh_database();
    run_on_reactor(kind(), [&] { return fresh_restore(url); });
}

INSTANTIATE_TEST_SUITE_P(backends, pg_tick_test, ::testing::Values("uring", "epoll"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace tallyhub::store
