#include "core/histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <tuple>
#include <vector>

namespace tallyhub {
namespace {

constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();

// The exact nearest-rank percentile of a sorted sample.
std::uint64_t exact_percentile(const std::vector<std::uint64_t>& sorted, double q) {
    const auto n = static_cast<double>(sorted.size());
    const auto rank = std::clamp<double>(std::ceil(q * n), 1.0, n);
    return sorted[static_cast<std::size_t>(rank) - 1];
}

// Log-uniform latencies from 1 ns to ~10 s, the shape real latency data has.
std::vector<std::uint64_t> latency_sample(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> exponent(0.0, 10.0);
    std::vector<std::uint64_t> values(n);
    for (auto& v : values) v = static_cast<std::uint64_t>(std::pow(10.0, exponent(rng)));
    return values;
}

std::vector<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>> buckets_of(const histogram& h) {
    std::vector<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>> out;
    h.for_each_bucket([&](std::uint64_t lo, std::uint64_t hi, std::uint64_t n) { out.emplace_back(lo, hi, n); });
    return out;
}

TEST(histogram, empty_reports_zeros) {
    histogram h;
    EXPECT_EQ(h.count(), 0u);
    EXPECT_EQ(h.sum(), 0u);
    EXPECT_EQ(h.min(), 0u);
    EXPECT_EQ(h.max(), 0u);
    EXPECT_EQ(h.mean(), 0.0);
    EXPECT_EQ(h.percentile(0.99), 0u);
    EXPECT_EQ(h.count_at_or_below(u64_max), 0u);
    EXPECT_TRUE(buckets_of(h).empty());
}

TEST(histogram, buckets_tile_the_whole_range_with_bounded_width) {
    EXPECT_EQ(histogram::bucket_lower(0), 0u);
    EXPECT_EQ(histogram::bucket_upper(histogram::bucket_count - 1), u64_max);
    EXPECT_EQ(histogram::bucket_index(u64_max), histogram::bucket_count - 1);
    for (std::size_t i = 0; i + 1 < histogram::bucket_count; ++i) {
        ASSERT_EQ(histogram::bucket_lower(i + 1), histogram::bucket_upper(i) + 1) << "gap after bucket " << i;
        const std::uint64_t lo = histogram::bucket_lower(i), hi = histogram::bucket_upper(i);
        ASSERT_EQ(histogram::bucket_index(lo), i);
        ASSERT_EQ(histogram::bucket_index(hi), i);
        if (lo < histogram::exact_limit)
            ASSERT_EQ(lo, hi);
        else
            ASSERT_LE((hi - lo + 1) * 32, lo) << "bucket " << i << " wider than 1/32 of its lower bound";
    }
}

TEST(histogram, small_values_are_exact) {
    histogram h;
    for (std::uint64_t v = 0; v < 64; ++v) h.record(v);
    EXPECT_EQ(h.count(), 64u);
    EXPECT_EQ(h.sum(), 63u * 64u / 2);
    EXPECT_EQ(h.percentile(0.5), 31u);  // rank 32 of 0..63
    EXPECT_EQ(h.percentile(0.99), 63u);
    EXPECT_EQ(h.count_at_or_below(9), 10u);
    for (auto [lo, hi, n] : buckets_of(h)) {
        EXPECT_EQ(lo, hi);
        EXPECT_EQ(n, 1u);
    }
}

TEST(histogram, percentiles_stay_within_one_thirty_second_of_an_exact_sort) {
    auto values = latency_sample(200'000, 1);
    values.insert(values.end(), 500, 0);  // some zero latencies too
    auto h = std::make_unique<histogram>();
    for (auto v : values) h->record(v);
    std::sort(values.begin(), values.end());

    EXPECT_EQ(h->min(), values.front());
    EXPECT_EQ(h->max(), values.back());
    for (double q : {0.0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 0.9999, 1.0}) {
        const std::uint64_t exact = exact_percentile(values, q);
        const std::uint64_t got = h->percentile(q);
        EXPECT_GE(got, exact) << "q=" << q;  // never under-reports
        EXPECT_LT(static_cast<double>(got - exact), static_cast<double>(exact) / 32.0 + 0.5) << "q=" << q;
    }
    EXPECT_EQ(h->percentile(0.0), values.front());
    EXPECT_EQ(h->percentile(1.0), values.back());
}

TEST(histogram, merge_equals_recording_everything_in_one) {
    const auto values = latency_sample(60'000, 2);
    auto all = std::make_unique<histogram>();
    std::vector<std::unique_ptr<histogram>> parts;
    for (int i = 0; i < 3; ++i) parts.push_back(std::make_unique<histogram>());
    for (std::size_t i = 0; i < values.size(); ++i) {
        all->record(values[i]);
        parts[i % 3]->record(values[i]);
    }
    auto merged = std::make_unique<histogram>();
    merged->merge(histogram{});  // merging an empty one changes nothing
    for (auto& p : parts) merged->merge(*p);

    EXPECT_EQ(merged->count(), all->count());
    EXPECT_EQ(merged->sum(), all->sum());
    EXPECT_EQ(merged->min(), all->min());
    EXPECT_EQ(merged->max(), all->max());
    EXPECT_EQ(buckets_of(*merged), buckets_of(*all));
    for (double q : {0.5, 0.9, 0.99, 0.999}) EXPECT_EQ(merged->percentile(q), all->percentile(q));
}

TEST(histogram, extreme_values_and_saturating_sum) {
    histogram h;
    h.record(0);
    h.record(u64_max - 1);
    h.record(u64_max);
    EXPECT_EQ(h.count(), 3u);
    EXPECT_EQ(h.min(), 0u);
    EXPECT_EQ(h.max(), u64_max);
    EXPECT_EQ(h.sum(), u64_max);  // saturated, not wrapped to u64_max - 2
    EXPECT_EQ(h.percentile(0.0), 0u);
    EXPECT_EQ(h.percentile(0.3), 0u);
    EXPECT_GE(h.percentile(0.5), u64_max - 1);
    EXPECT_EQ(h.percentile(1.0), u64_max);
    EXPECT_EQ(h.count_at_or_below(0), 1u);
    EXPECT_EQ(h.count_at_or_below(u64_max), 3u);
}

TEST(histogram, record_n_counts_n_observations) {
    histogram a, b;
    a.record(1000, 5);
    a.record(7, 0);  // no-op
    for (int i = 0; i < 5; ++i) b.record(1000);
    EXPECT_EQ(a.count(), 5u);
    EXPECT_EQ(a.sum(), 5000u);
    EXPECT_EQ(a.min(), 1000u);
    EXPECT_EQ(buckets_of(a), buckets_of(b));
    a.record(u64_max / 2, 3);  // product overflows: sum saturates
    EXPECT_EQ(a.sum(), u64_max);
}

// What a Prometheus exporter prints: cumulative counts at fixed `le` bounds (here microseconds).
TEST(histogram, cumulative_counts_for_prometheus_buckets) {
    histogram h;
    for (std::uint64_t v : {3u, 5u, 100u, 1000u, 1000u, 4000u, 250'000u}) h.record(v);
    const std::vector<std::uint64_t> bounds = {1, 5, 99, 100, 1000, 5000, 100'000, 1'000'000};
    std::vector<std::uint64_t> out(bounds.size());
    h.cumulative_counts(bounds, out);
    EXPECT_EQ(out, (std::vector<std::uint64_t>{0, 2, 2, 3, 5, 6, 6, 7}));
    for (std::size_t i = 0; i < bounds.size(); ++i) EXPECT_EQ(out[i], h.count_at_or_below(bounds[i])) << bounds[i];
}

TEST(histogram, cumulative_counts_are_monotonic_and_close_to_exact) {
    auto values = latency_sample(50'000, 3);
    auto h = std::make_unique<histogram>();
    for (auto v : values) h->record(v);
    std::sort(values.begin(), values.end());
    std::vector<std::uint64_t> bounds;
    for (std::uint64_t b = 1; b < 20'000'000'000u; b *= 3) bounds.push_back(b);
    std::vector<std::uint64_t> out(bounds.size());
    h->cumulative_counts(bounds, out);
    EXPECT_TRUE(std::is_sorted(out.begin(), out.end()));
    for (std::size_t i = 0; i < bounds.size(); ++i) {
        // Between the exact count at le and the exact count at le + le/32.
        const auto exact_lo = std::upper_bound(values.begin(), values.end(), bounds[i]) - values.begin();
        const auto exact_hi = std::upper_bound(values.begin(), values.end(), bounds[i] + bounds[i] / 32) - values.begin();
        EXPECT_GE(out[i], static_cast<std::uint64_t>(exact_lo)) << bounds[i];
        EXPECT_LE(out[i], static_cast<std::uint64_t>(exact_hi)) << bounds[i];
    }
}

TEST(histogram, reset_forgets_everything) {
    histogram h;
    h.record(5);
    h.record(1'000'000);
    h.reset();
    EXPECT_EQ(h.count(), 0u);
    EXPECT_EQ(h.min(), 0u);
    EXPECT_EQ(h.max(), 0u);
    EXPECT_TRUE(buckets_of(h).empty());
    h.record(9);
    EXPECT_EQ(h.min(), 9u);
    EXPECT_EQ(h.percentile(0.5), 9u);
}

}  // namespace
}  // namespace tallyhub
