// Edges of each perspective: the window boundary, the 100th order and the 1 s batch age, UTC midnight,
// overflow, and the snapshot's change flags.
#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "app/daily_sales.hpp"
#include "app/kpi_state.hpp"
#include "app/metric_shard.hpp"
#include "app/order_batcher.hpp"
#include "app/sliding_window.hpp"
#include "core/utc_time.hpp"

namespace tallyhub::app {
namespace {

constexpr std::int64_t t0 = 1796299200000;  // 2026-12-03T12:00:00.000Z, on a second boundary
constexpr std::int64_t midnight = 1796342400000;  // 2026-12-04T00:00:00.000Z

// One shard, merged into `state` at `now`.
void merge_one(kpi_state& state, metric_shard& shard, std::int64_t now) {
    ASSERT_TRUE(state.merge(shard.take_delta(), now).ok());
}

TEST(sliding_window, event_exactly_w_seconds_old_is_out) {
    constexpr std::int64_t w = 300;
    sliding_window win(w);
    const std::int64_t now = t0;
    win.add(unix_second(now - w * 1000), 1, money::of(1));         // exactly now − W: out
    win.add(unix_second(now - w * 1000 + 999), 1, money::of(2));   // same second: out
    win.add(unix_second(now - w * 1000 + 1000), 1, money::of(4));  // next second: in
    win.add(unix_second(now), 1, money::of(8));                    // now: in
    const window_view v = win.view(now);
    EXPECT_EQ(v.order_count, 2);
    EXPECT_EQ(v.revenue, money::of(12));
    EXPECT_EQ(v.average, money::of(6));
    EXPECT_EQ(v.start_ms, now - (w - 1) * 1000);
    EXPECT_EQ(v.end_ms, now);
    // One second later the oldest counted second leaves.
    const window_view later = win.view(now + 1000 * (w - 1));
    EXPECT_EQ(later.order_count, 1);
    EXPECT_EQ(later.revenue, money::of(8));
    EXPECT_EQ(win.view(now + 1000 * w).order_count, 0);
}

TEST(sliding_window, late_seconds_are_dropped_and_history_is_dense) {
    sliding_window win(5);
    EXPECT_TRUE(win.add(100, 2, money::of(3)));
    EXPECT_TRUE(win.add(102, 1, money::of(1)));
    EXPECT_FALSE(win.add(97, 1, money::of(1)));  // older than 102 − 5
    std::vector<history_point> h;
    win.history(102'500, 4, h);
    EXPECT_EQ(h, (std::vector<history_point>{{99, 0, {}}, {100, 2, money::of(3)}, {101, 0, {}}, {102, 1, money::of(1)}}));
    win.history(102'500, 99, h);
    EXPECT_EQ(h.size(), 5u);  // clamped to the window
}

TEST(order_batcher, the_100th_order_closes_a_batch_and_the_101st_opens_the_next) {
    order_batcher b;
    std::vector<std::int64_t> prefix;
    for (int i = 1; i <= 250; ++i) prefix.push_back(i * 10);  // each order worth 10 units
    b.add(std::span(prefix).first(99), t0);
    EXPECT_TRUE(b.take_closed().empty());
    EXPECT_EQ(b.open_count(), 99);
    // A second shard's run of 151 orders worth 100 + i units: 1 completes the batch, 100 fill the next,
    // 50 stay open.
    std::vector<std::int64_t> second;
    std::int64_t sum = 0;
    for (int i = 1; i <= 151; ++i) second.push_back(sum += 100 + i);
    b.add(second, t0 + 100);
    const auto closed = b.take_closed();
    ASSERT_EQ(closed.size(), 2u);
    EXPECT_EQ(closed[0], (closed_batch{100, money{990 + 101}, t0 + 100}));
    EXPECT_EQ(closed[1], (closed_batch{100, money{100 * 100 + 5150}, t0 + 100}));  // 102 + … + 201
    EXPECT_EQ(b.open_count(), 50);
    EXPECT_EQ(b.open_revenue(), money{50 * 100 + 6325});  // 202 + … + 251
}

TEST(order_batcher, a_batch_closes_one_second_after_it_opened) {
    order_batcher b;
    const std::vector<std::int64_t> one{5};
    b.add(one, t0);
    b.add(one, t0 + 900);
    b.close_expired(t0 + 999);
    EXPECT_TRUE(b.take_closed().empty());
    b.add(one, t0 + 1000);  // expiry first: this order opens the next batch
    auto closed = b.take_closed();
    ASSERT_EQ(closed.size(), 1u);
    EXPECT_EQ(closed[0], (closed_batch{2, money{10}, t0 + 1000}));
    EXPECT_EQ(b.open_count(), 1);
    b.close_expired(t0 + 2000);
    closed = b.take_closed();
    ASSERT_EQ(closed.size(), 1u);
    EXPECT_EQ(closed[0], (closed_batch{1, money{5}, t0 + 2000}));
    b.close_expired(t0 + 5000);
    EXPECT_TRUE(b.take_closed().empty());  // no empty batches
}

TEST(daily_sales, utc_midnight_starts_a_new_day) {
    kpi_state state;
    metric_shard shard;
    ASSERT_TRUE(shard.apply_order(money::of(10), midnight - 1).ok());
    ASSERT_TRUE(shard.apply_payment(midnight - 1).ok());
    ASSERT_TRUE(shard.apply_order(money::of(3), midnight).ok());
    merge_one(state, shard, midnight + 100);
    std::vector<daily_sales_row> rows;
    state.daily(midnight + 100, 7, rows);
    const std::int64_t day = unix_day(midnight);
    EXPECT_EQ(rows, (std::vector<daily_sales_row>{{day, 1, money::of(3), 0}, {day - 1, 1, money::of(10), 1}}));
    state.daily(midnight + 100, 1, rows);
    EXPECT_EQ(rows.size(), 1u);
}

TEST(daily_sales, retention_is_bounded) {
    daily_sales d(3);
    EXPECT_TRUE(d.add(10, 1, money::of(1), 0));
    EXPECT_TRUE(d.add(12, 1, money::of(1), 0));
    EXPECT_TRUE(d.add(13, 1, money::of(1), 0));
    EXPECT_FALSE(d.add(10, 1, money::of(1), 0));  // day 10 left with day 13
    EXPECT_EQ(d.at(10).orders, 0);
    std::vector<daily_sales_row> rows;
    d.query(13 * ms_per_day, 400, rows);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].day, 13);
    EXPECT_EQ(rows[1].day, 12);
}

TEST(metric_shard, delta_holds_totals_seconds_and_prefix_then_resets) {
    metric_shard s;
    ASSERT_TRUE(s.apply_order(money::of(2), t0 + 10).ok());
    ASSERT_TRUE(s.apply_order(money::of(3), t0 + 1500).ok());
    ASSERT_TRUE(s.apply_payment(t0 + 20).ok());
    EXPECT_EQ(static_cast<shard_errc>(s.apply_order(money{-1}, t0).err().code), shard_errc::negative_amount);
    metric_delta d = s.take_delta();
    EXPECT_EQ(d.orders, 2);
    EXPECT_EQ(d.revenue, money::of(5));
    EXPECT_EQ(d.payments, 1);
    EXPECT_EQ(d.order_prefix, (std::vector<std::int64_t>{20000, 50000}));
    ASSERT_EQ(d.seconds.size(), 2u);
    EXPECT_EQ(d.seconds[0].second, unix_second(t0));
    EXPECT_EQ(d.seconds[0].orders, 1);
    EXPECT_EQ(d.seconds[0].payments, 1);
    EXPECT_TRUE(s.pending().empty());
    EXPECT_TRUE(s.take_delta().empty());
    s.recycle(std::move(d));
    ASSERT_TRUE(s.apply_order(money::of(1), t0).ok());
    EXPECT_EQ(s.pending().order_prefix, (std::vector<std::int64_t>{10000}));
}

TEST(metric_shard, revenue_overflow_is_refused_not_wrapped) {
    metric_shard s;
    const money big{std::numeric_limits<std::int64_t>::max() - 5};
    ASSERT_TRUE(s.apply_order(big, t0).ok());
    EXPECT_EQ(static_cast<shard_errc>(s.apply_order(money{6}, t0).err().code), shard_errc::overflow);
    EXPECT_EQ(s.pending().orders, 1);  // the refused order is not counted
    EXPECT_EQ(s.pending().revenue, big);
}

TEST(kpi_state, merge_overflow_applies_nothing) {
    kpi_state state;
    metric_shard a, b;
    ASSERT_TRUE(a.apply_order(money{std::numeric_limits<std::int64_t>::max() - 5}, t0).ok());
    ASSERT_TRUE(b.apply_order(money{6}, t0).ok());
    ASSERT_TRUE(b.apply_payment(t0).ok());
    ASSERT_TRUE(state.merge(a.take_delta(), t0).ok());
    auto r = state.merge(b.take_delta(), t0);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(state.totals().orders, 1);
    EXPECT_EQ(state.totals().payments, 0);
    EXPECT_EQ(state.snapshot(t0).window.order_count, 1);
}

TEST(kpi_state, snapshot_flags_say_what_changed) {
    kpi_state state;
    metric_shard shard;
    kpi_snapshot s = state.snapshot(t0);
    EXPECT_FALSE(s.orders_changed || s.payments_changed || s.window_changed || s.batches_closed);

    ASSERT_TRUE(shard.apply_order(money::of(45678, 9000), t0 + 10).ok());
    merge_one(state, shard, t0 + 100);
    s = state.snapshot(t0 + 100);
    EXPECT_TRUE(s.orders_changed);
    EXPECT_FALSE(s.payments_changed);
    EXPECT_TRUE(s.window_changed);
    EXPECT_FALSE(s.batches_closed);
    EXPECT_EQ(s.average_order_value, money::of(45678, 9000));

    ASSERT_TRUE(shard.apply_payment(t0 + 150).ok());
    merge_one(state, shard, t0 + 200);
    s = state.snapshot(t0 + 200);
    EXPECT_FALSE(s.orders_changed);
    EXPECT_TRUE(s.payments_changed);
    EXPECT_FALSE(s.window_changed);

    s = state.snapshot(t0 + 1100);  // the batch opened at t0+100 is one second old
    EXPECT_FALSE(s.orders_changed || s.payments_changed || s.window_changed);
    ASSERT_TRUE(s.batches_closed);
    EXPECT_EQ(s.batches, (std::vector<closed_batch>{{1, money::of(45678, 9000), t0 + 1100}}));

    s = state.snapshot(t0 + 300'000);  // the order's second leaves the window
    EXPECT_TRUE(s.window_changed);
    EXPECT_EQ(s.window.order_count, 0);
    EXPECT_EQ(s.totals.orders, 1);
}

}  // namespace
}  // namespace tallyhub::app
