#pragma once
// histogram: a fixed-size, mergeable log-linear histogram of uint64 values (latencies in ns or µs,
// sizes in bytes: the unit is the caller's). Shaped like HdrHistogram:
//   - values 0..63 each have their own bucket (exact);
//   - every power-of-two range [2^k, 2^(k+1)) above that is cut into 32 equal sub-buckets,
// so a bucket is never wider than 1/32 of its lower bound. 1920 buckets cover all of uint64 in 15 KiB.
//
// Error bound: percentile() returns the largest value of the bucket that holds the exact nearest-rank
// percentile x (clamped to [min, max]), so the answer r satisfies x <= r < x * (1 + 1/32): it never
// under-reports, and over-reports by less than 3.125 %. min(), max(), count() and sum() are exact.
//
// A histogram belongs to one core and is not synchronised; another thread gets a copy or a merge made
// on the owner's thread (or after the owner stopped), never a concurrent read.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>

namespace tallyhub {

class histogram {
public:
    /// Values below this have a bucket each.
    static constexpr std::uint64_t exact_limit = 64;
    /// Linear sub-buckets per power of two above exact_limit.
    static constexpr std::size_t sub_buckets = 32;
    /// Total number of buckets.
    static constexpr std::size_t bucket_count = (64 - 6) * sub_buckets + exact_limit;

    /// Adds one observation of `value`.
    void record(std::uint64_t value) noexcept {
        ++counts_[bucket_index(value)];
        ++count_;
        add_saturating(sum_, value);
        if (value < min_) min_ = value;
        if (value > max_) max_ = value;
    }

    /// Adds `n` observations of `value`.
    void record(std::uint64_t value, std::uint64_t n) noexcept {
        if (n == 0) return;
        counts_[bucket_index(value)] += n;
        count_ += n;
        std::uint64_t product;
        add_saturating(sum_, __builtin_mul_overflow(value, n, &product) ? std::numeric_limits<std::uint64_t>::max() : product);
        if (value < min_) min_ = value;
        if (value > max_) max_ = value;
    }

    /// Adds every observation of `other` (the result equals recording both streams into one histogram).
    void merge(const histogram& other) noexcept;
    /// Forgets all observations.
    void reset() noexcept;

    /// Number of observations.
    std::uint64_t count() const noexcept { return count_; }
    /// Sum of all observed values; saturates at UINT64_MAX instead of wrapping.
    std::uint64_t sum() const noexcept { return sum_; }
    /// Smallest observed value, 0 when empty.
    std::uint64_t min() const noexcept { return count_ == 0 ? 0 : min_; }
    /// Largest observed value, 0 when empty.
    std::uint64_t max() const noexcept { return max_; }
    /// Mean of the observations, 0 when empty.
    double mean() const noexcept { return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_); }

    /// The nearest-rank q-quantile (q in [0, 1], clamped), within the error bound above; 0 when empty.
    /// percentile(0) is min() and percentile(1) is max(), exactly.
    std::uint64_t percentile(double q) const noexcept;

    /// Number of observations <= `le`, counting le's whole bucket (as HdrHistogram does), so values up
    /// to le/32 above `le` may be included. Exact when le < 64, le < min(), le >= max(), or le is a
    /// bucket's upper bound. Monotonic in `le`; consistent with percentile().
    std::uint64_t count_at_or_below(std::uint64_t le) const noexcept;

    /// count_at_or_below() for each of `bounds` (ascending) into `out` (same size), in one pass.
    /// For Prometheus `_bucket{le="..."}` lines; `+Inf` is count().
    void cumulative_counts(std::span<const std::uint64_t> bounds, std::span<std::uint64_t> out) const noexcept;

    /// Calls fn(lower, upper, count) for every non-empty bucket in ascending order (bounds inclusive).
    template <typename Fn>
    void for_each_bucket(Fn&& fn) const {
        if (count_ == 0) return;
        for (std::size_t i = bucket_index(min_), last = bucket_index(max_); i <= last; ++i)
            if (counts_[i] != 0) fn(bucket_lower(i), bucket_upper(i), counts_[i]);
    }

    /// The bucket holding `value`.
    static constexpr std::size_t bucket_index(std::uint64_t value) noexcept {
        // shift = 0 for value < 64; otherwise value >> shift keeps the top 6 bits, in [32, 64).
        const unsigned shift = static_cast<unsigned>(std::bit_width(value | (exact_limit - 1))) - 6;
        return shift * sub_buckets + static_cast<std::size_t>(value >> shift);
    }
    /// Smallest value that maps to bucket `i`.
    static constexpr std::uint64_t bucket_lower(std::size_t i) noexcept {
        if (i < exact_limit) return i;
        const std::size_t shift = i / sub_buckets - 1;
        return static_cast<std::uint64_t>(i - shift * sub_buckets) << shift;
    }
    /// Largest value that maps to bucket `i`.
    static constexpr std::uint64_t bucket_upper(std::size_t i) noexcept {
        if (i < exact_limit) return i;
        const std::size_t shift = i / sub_buckets - 1;
        return bucket_lower(i) + ((std::uint64_t{1} << shift) - 1);
    }

private:
    static void add_saturating(std::uint64_t& total, std::uint64_t add) noexcept {
        if (__builtin_add_overflow(total, add, &total)) total = std::numeric_limits<std::uint64_t>::max();
    }

    std::uint64_t count_ = 0;
    std::uint64_t sum_ = 0;
    std::uint64_t min_ = std::numeric_limits<std::uint64_t>::max();
    std::uint64_t max_ = 0;
    std::array<std::uint64_t, bucket_count> counts_{};
};

}  // namespace tallyhub
