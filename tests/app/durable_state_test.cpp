// What the journal keeps (app/durable_state.hpp) and deduplication: a redelivered event comes out
// of its delta exactly; a tick record and a snapshot read back into the same totals, days, window
// and dedup keys; damaged entries are refused, never trusted.
#include "app/durable_state.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "app/dedup_window.hpp"
#include "app/metric_shard.hpp"

namespace tallyhub::app {
namespace {

constexpr std::int64_t t0 = 1'764'806'400'000;  // 2025-12-04T00:00:00Z

money units(std::int64_t u) { return money{u}; }

TEST(drop_duplicates, takes_exactly_the_duplicate_out_of_totals_seconds_and_prefix) {
    metric_shard shard;
    ASSERT_TRUE(shard.apply_order(units(10'000), t0, "a").ok());
    ASSERT_TRUE(shard.apply_order(units(25'000), t0 + 10, "b").ok());
    ASSERT_TRUE(shard.apply_payment(t0 + 20, "p").ok());
    ASSERT_TRUE(shard.apply_order(units(40'000), t0 + 1'500, "c").ok());
    metric_delta d = shard.take_delta();
    ASSERT_EQ(d.keyed.size(), 4u);
    const std::size_t dups[] = {1, 2};  // "b" and "p"
    drop_duplicates(d, dups);
    EXPECT_EQ(d.orders, 2);
    EXPECT_EQ(d.revenue.units, 50'000);
    EXPECT_EQ(d.payments, 0);
    EXPECT_EQ(d.order_prefix, (std::vector<std::int64_t>{10'000, 50'000})) << "prefix sums without b";
    ASSERT_EQ(d.seconds.size(), 2u);
    EXPECT_EQ(d.seconds[0].orders, 1);
    EXPECT_EQ(d.seconds[0].revenue.units, 10'000);
    EXPECT_EQ(d.seconds[0].payments, 0);
    EXPECT_EQ(d.seconds[1].orders, 1);
}

TEST(dedup_window, recognises_keys_until_they_expire_or_are_evicted) {
    dedup_window w(60'000, 3);
    EXPECT_TRUE(w.insert(dedup_key_of("m-1"), t0));
    EXPECT_FALSE(w.insert(dedup_key_of("m-1"), t0 + 5)) << "a redelivery";
    EXPECT_TRUE(w.insert(dedup_key_of("m-2"), t0 + 10));
    EXPECT_TRUE(w.contains(dedup_key_of("m-2")));
    EXPECT_FALSE(w.contains(dedup_key_of("m-3")));
    w.expire(t0 + 60'005);
    EXPECT_FALSE(w.contains(dedup_key_of("m-1"))) << "older than the window";
    EXPECT_TRUE(w.contains(dedup_key_of("m-2")));
    for (int i = 0; i < 5; ++i) w.insert(dedup_key_of("x-" + std::to_string(i)), t0 + 20);
    EXPECT_EQ(w.size(), 3u) << "bounded by count";
    EXPECT_EQ(w.evicted(), 3u);
    EXPECT_FALSE(w.contains(dedup_key_of("m-2"))) << "oldest first";
    EXPECT_NE(dedup_key_of("s:order-1"), dedup_key_of("s:order-2"));
}

// Two shards' deltas of one tick, the second one with a duplicate.
std::vector<metric_delta> sample_tick(std::vector<std::vector<std::size_t>>& dups) {
    metric_shard a, b;
    (void)a.apply_order(units(12'345), t0, "k1");
    (void)a.apply_payment(t0 + 1, "k2");
    (void)b.apply_order(units(99'999), t0 + 2'000, "k3");
    (void)b.apply_order(units(1), t0 + 2'001, "k1");
    std::vector<metric_delta> deltas;
    deltas.push_back(a.take_delta());
    deltas.push_back(b.take_delta());
    dups = {{}, {1}};
    drop_duplicates(deltas[1], dups[1]);
    return deltas;
}

TEST(tick_record, round_trips_and_replays_like_the_merge) {
    std::vector<std::vector<std::size_t>> dups;
    auto deltas = sample_tick(dups);
    std::string rec;
    encode_tick_record(rec, t0 + 2'100, deltas, dups);
    tick_record r;
    ASSERT_TRUE(decode_tick_record(rec, r).ok());
    EXPECT_EQ(r.tick_ms, t0 + 2'100);
    EXPECT_EQ(r.delta.orders, 2);
    EXPECT_EQ(r.delta.revenue.units, 12'345 + 99'999);
    EXPECT_EQ(r.delta.payments, 1);
    EXPECT_EQ(r.keys, (std::vector<dedup_key>{dedup_key_of("k1"), dedup_key_of("k2"), dedup_key_of("k3")}))
        << "the duplicate's key is not recorded again";

    kpi_state direct, replayed;
    for (const auto& d : deltas) ASSERT_TRUE(direct.merge(d, t0 + 2'100).ok());
    dedup_window w(86'400'000, 100);
    ASSERT_TRUE(replay_tick(r, replayed, w).ok());
    EXPECT_EQ(replayed.totals().orders, direct.totals().orders);
    EXPECT_EQ(replayed.totals().revenue, direct.totals().revenue);
    EXPECT_EQ(replayed.totals().payments, direct.totals().payments);
    std::vector<daily_sales_row> dd, rd;
    direct.daily(t0 + 2'100, 7, dd);
    replayed.daily(t0 + 2'100, 7, rd);
    EXPECT_EQ(rd, dd);
    std::vector<history_point> dh, rh;
    direct.history(t0 + 2'100, 60, dh);
    replayed.history(t0 + 2'100, 60, rh);
    EXPECT_EQ(rh, dh);
    EXPECT_TRUE(w.contains(dedup_key_of("k3")));
}

TEST(snapshot, restores_totals_days_window_and_keys) {
    kpi_state s;
    dedup_window w(86'400'000, 100);
    metric_shard shard;
    for (int day = 0; day < 3; ++day)
        (void)shard.apply_order(units(10'000 * (day + 1)), t0 - std::int64_t(day) * 86'400'000, "d" + std::to_string(day));
    (void)shard.apply_order(units(5), t0 + 30'000, "now");
    (void)shard.apply_payment(t0 + 30'001, "pay");
    auto d = shard.take_delta();
    ASSERT_TRUE(s.merge(d, t0 + 31'000).ok());
    for (const auto& k : d.keyed) w.insert(k.key, t0 + 31'000);

    std::string snap;
    encode_snapshot(snap, t0 + 31'000, s, w, 300);
    kpi_state back;
    dedup_window wb(86'400'000, 100);
    ASSERT_TRUE(load_snapshot(snap, back, wb).ok());
    EXPECT_EQ(back.totals().orders, 4);
    EXPECT_EQ(back.totals().revenue.units, 60'005);
    EXPECT_EQ(back.totals().payments, 1);
    std::vector<daily_sales_row> a, b;
    s.daily(t0 + 31'000, 30, a);
    back.daily(t0 + 31'000, 30, b);
    EXPECT_EQ(b, a);
    std::vector<history_point> ha, hb;
    s.history(t0 + 31'000, 300, ha);
    back.history(t0 + 31'000, 300, hb);
    EXPECT_EQ(hb, ha) << "the window's seconds come back";
    EXPECT_EQ(wb.size(), 5u);
    EXPECT_TRUE(wb.contains(dedup_key_of("pay")));
}

TEST(durable_state, damaged_entries_are_refused_at_every_length) {
    std::vector<std::vector<std::size_t>> dups;
    auto deltas = sample_tick(dups);
    std::string rec;
    encode_tick_record(rec, t0, deltas, dups);
    for (std::size_t n = 0; n < rec.size(); ++n) {
        tick_record r;
        EXPECT_FALSE(decode_tick_record(std::string_view(rec).substr(0, n), r).ok()) << "cut at " << n;
    }
    std::string longer = rec + "x";
    tick_record r;
    EXPECT_FALSE(decode_tick_record(longer, r).ok()) << "trailing bytes";
    std::string wrong = rec;
    wrong[0] = 'S';
    EXPECT_FALSE(decode_tick_record(wrong, r).ok()) << "a snapshot is not a record";
    // A count that claims more items than there are bytes.
    std::string huge = rec;
    const std::size_t count_at = 2 + 8 * 4;
    huge[count_at] = '\xff';
    huge[count_at + 1] = '\xff';
    huge[count_at + 2] = '\xff';
    EXPECT_FALSE(decode_tick_record(huge, r).ok());

    kpi_state s;
    dedup_window w(1000, 10);
    std::string snap;
    encode_snapshot(snap, t0, s, w, 60);
    for (std::size_t n = 0; n < snap.size(); ++n) {
        kpi_state back;
        dedup_window wb(1000, 10);
        EXPECT_FALSE(load_snapshot(std::string_view(snap).substr(0, n), back, wb).ok()) << "cut at " << n;
    }
}

}  // namespace
}  // namespace tallyhub::app
