#include "core/histogram.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace tallyhub {

void histogram::merge(const histogram& other) noexcept {
    if (other.count_ == 0) return;
    for (std::size_t i = 0; i < bucket_count; ++i) counts_[i] += other.counts_[i];
    count_ += other.count_;
    add_saturating(sum_, other.sum_);
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
}

void histogram::reset() noexcept { *this = histogram{}; }

std::uint64_t histogram::percentile(double q) const noexcept {
    if (count_ == 0) return 0;
    if (!(q > 0.0)) return min_;  // also catches NaN
    if (q >= 1.0) return max_;

    // Nearest rank: the smallest observation with at least ceil(q * count) observations <= it.
    const double wanted = std::ceil(q * static_cast<double>(count_));
    const std::uint64_t rank =
        wanted < 1.0 ? 1 : (wanted >= static_cast<double>(count_) ? count_ : static_cast<std::uint64_t>(wanted));

    std::uint64_t seen = 0;
    const std::size_t last = bucket_index(max_);
    for (std::size_t i = bucket_index(min_); i <= last; ++i) {
        seen += counts_[i];
        if (seen >= rank) return std::clamp(bucket_upper(i), min_, max_);
    }
    return max_;  // unreachable: the buckets up to max_'s hold count_ observations
}

std::uint64_t histogram::count_at_or_below(std::uint64_t le) const noexcept {
    if (count_ == 0 || le < min_) return 0;
    if (le >= max_) return count_;
    std::uint64_t total = 0;
    for (std::uint64_t c : std::span(counts_).first(bucket_index(le) + 1)) total += c;
    return total;
}

// One walk over the buckets: `next` is the first bucket not yet added to `running`.
void histogram::cumulative_counts(std::span<const std::uint64_t> bounds, std::span<std::uint64_t> out) const noexcept {
    assert(bounds.size() == out.size());
    assert(std::is_sorted(bounds.begin(), bounds.end()));
    std::uint64_t running = 0;
    std::size_t next = 0;
    for (std::size_t b = 0; b < bounds.size() && b < out.size(); ++b) {
        const std::uint64_t le = bounds[b];
        if (count_ == 0 || le < min_) {
            out[b] = 0;
            continue;
        }
        if (le >= max_) {
            out[b] = count_;
            continue;
        }
        for (const std::size_t end = bucket_index(le) + 1; next < end; ++next) running += counts_[next];
        out[b] = running;
    }
}

}  // namespace tallyhub
