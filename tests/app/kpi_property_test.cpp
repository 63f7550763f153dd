// Property: random event streams applied to 1–8 shards and merged tick by tick, in a random shard order
// each tick, give exactly the totals, window, history, daily sales and batches of a plain serial
// computation over the same events (the serial batcher walks the merged stream order by order, so it
// checks the prefix-sum splitting inside shard deltas).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "app/kpi_state.hpp"
#include "app/metric_shard.hpp"
#include "core/utc_time.hpp"

namespace tallyhub::app {
namespace {

struct event {
    bool order;
    money amount;
    std::int64_t at_ms;
};

// The reference: every event kept, everything recomputed from scratch.
struct serial_model {
    std::vector<event> events;
    std::vector<closed_batch> batches;
    std::int64_t open_count = 0;
    money open_revenue;
    std::int64_t opened_at = 0;

    void expire(std::int64_t now) {
        if (open_count > 0 && now - opened_at >= 1000) close(now);
    }
    void close(std::int64_t now) {
        batches.push_back({open_count, open_revenue, now});
        open_count = 0;
        open_revenue = {};
    }
    void batch_order(money amount, std::int64_t now) {
        if (open_count == 0) opened_at = now;
        ++open_count;
        open_revenue.units += amount.units;
        if (open_count == 100) close(now);
    }
};

struct params {
    std::uint64_t seed;
    int shards;
    std::int64_t window_seconds;
};

void run(const params& p) {
    std::mt19937_64 rng(p.seed);
    kpi_config cfg;
    cfg.window_seconds = p.window_seconds;
    kpi_state state(cfg);
    std::vector<metric_shard> shards(static_cast<std::size_t>(p.shards));
    std::vector<std::vector<event>> pending(shards.size());  // per shard, in apply order
    serial_model model;
    std::vector<closed_batch> got_batches;

    // Start half a minute before a UTC midnight so the stream crosses a day.
    std::int64_t now = 1796342400000 - 30'000;
    std::uniform_int_distribution<int> per_tick(0, 80);
    std::uniform_int_distribution<std::int64_t> amount(0, 5'000'000);  // up to 500.0000
    std::uniform_int_distribution<int> pct(0, 99);
    std::vector<std::size_t> order(shards.size());
    for (int tick = 0; tick < 400; ++tick) {
        const std::int64_t prev = now;
        now += pct(rng) < 5 ? 100 + static_cast<std::int64_t>(rng() % 4000) : 100;  // some late ticks
        const int n = per_tick(rng);
        for (int i = 0; i < n; ++i) {
            event e;
            e.order = pct(rng) < 75;
            // Mostly since the previous tick, sometimes a few seconds old (a slow producer).
            const std::int64_t back = pct(rng) < 10 ? static_cast<std::int64_t>(rng() % 8000) : 0;
            e.at_ms = prev + 1 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(now - prev)) - back;
            // A few amounts sit on the half-unit grid and many are round, like real prices.
            e.amount = money{pct(rng) < 30 ? amount(rng) / 100 * 100 : amount(rng)};
            const std::size_t k = rng() % shards.size();
            auto r = e.order ? shards[k].apply_order(e.amount, e.at_ms) : shards[k].apply_payment(e.at_ms);
            ASSERT_TRUE(r.ok());
            pending[k].push_back(e);
            model.events.push_back(e);
        }
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::shuffle(order.begin(), order.end(), rng);
        model.expire(now);
        for (std::size_t k : order) {
            ASSERT_TRUE(state.merge(shards[k].take_delta(), now).ok());
            for (const event& e : pending[k])
                if (e.order) model.batch_order(e.amount, now);
            pending[k].clear();
        }
        model.expire(now);
        kpi_snapshot snap = state.snapshot(now);
        got_batches.insert(got_batches.end(), snap.batches.begin(), snap.batches.end());

        // Totals.
        kpi_totals want;
        for (const event& e : model.events) {
            if (e.order) {
                ++want.orders;
                want.revenue.units += e.amount.units;
            } else {
                ++want.payments;
            }
        }
        ASSERT_EQ(snap.totals, want) << "tick " << tick;
        ASSERT_EQ(snap.average_order_value, average_or_zero(want.revenue, want.orders));

        // Window and history: seconds in (now_s − W, now_s].
        const std::int64_t now_s = unix_second(now);
        std::map<std::int64_t, std::pair<std::int64_t, money>> per_second;
        std::int64_t w_orders = 0;
        money w_revenue;
        for (const event& e : model.events) {
            const std::int64_t s = unix_second(e.at_ms);
            if (!e.order || s <= now_s - p.window_seconds || s > now_s) continue;
            ++w_orders;
            w_revenue.units += e.amount.units;
            per_second[s].first++;
            per_second[s].second.units += e.amount.units;
        }
        ASSERT_EQ(snap.window.order_count, w_orders) << "tick " << tick;
        ASSERT_EQ(snap.window.revenue, w_revenue);
        ASSERT_EQ(snap.window.average, average_or_zero(w_revenue, w_orders));
        ASSERT_EQ(snap.window.start_ms, (now_s - p.window_seconds + 1) * 1000);
        if (tick % 50 == 0) {
            std::vector<history_point> h;
            state.history(now, p.window_seconds, h);
            ASSERT_EQ(h.size(), static_cast<std::size_t>(p.window_seconds));
            for (const history_point& hp : h) {
                auto it = per_second.find(hp.second);
                ASSERT_EQ(hp.orders, it == per_second.end() ? 0 : it->second.first);
                ASSERT_EQ(hp.revenue, it == per_second.end() ? money{} : it->second.second);
            }
        }
    }

    // Daily sales, newest first.
    std::map<std::int64_t, daily_sales_row, std::greater<>> days;
    for (const event& e : model.events) {
        const std::int64_t d = unix_day(e.at_ms);
        daily_sales_row& row = days[d];
        row.day = d;
        if (e.order) {
            ++row.orders;
            row.revenue.units += e.amount.units;
        } else {
            ++row.payments;
        }
    }
    std::vector<daily_sales_row> want_days;
    for (const auto& [d, row] : days) want_days.push_back(row);
    ASSERT_EQ(want_days.size(), 2u);  // the stream crossed midnight
    std::vector<daily_sales_row> got_days;
    state.daily(now, 30, got_days);
    EXPECT_EQ(got_days, want_days);

    // Batches: the same batches, and every order in exactly one of them or the open one.
    EXPECT_EQ(got_batches, model.batches);
    std::int64_t in_batches = state.open_batch_orders();
    for (const closed_batch& b : got_batches) {
        EXPECT_LE(b.order_count, 100);
        in_batches += b.order_count;
    }
    EXPECT_EQ(in_batches, state.totals().orders);
    EXPECT_GT(std::count_if(got_batches.begin(), got_batches.end(), [](auto& b) { return b.order_count == 100; }), 0);
}

TEST(kpi_property, sharded_merge_equals_serial_computation) {
    for (std::uint64_t seed : {1u, 2u, 3u, 42u, 2026u}) {
        for (int shards : {1, 2, 3, 5, 8}) {
            for (std::int64_t w : {3, 60, 300}) {
                SCOPED_TRACE(testing::Message() << "seed " << seed << " shards " << shards << " window " << w);
                run({seed * 1000 + static_cast<std::uint64_t>(shards), shards, w});
                if (testing::Test::HasFatalFailure()) return;
            }
        }
    }
}

}  // namespace
}  // namespace tallyhub::app
