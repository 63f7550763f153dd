#pragma once
// order_batcher: ReceiveBatchUpdate batches, "1 s or 100 orders, whichever first" (the seed's
// Buffer(TimeSpan.FromSeconds(1), 100)), formed on core 0 from the merged stream.
//
// The merged stream is the order in which core 0 merges: per tick, shard deltas in merge order, each
// shard's orders in its apply order. Every order lands in exactly one batch:
// - count edge: a batch closes the moment its 100th order is added; the 101st opens the next. Splits
//   inside a shard's delta take revenue from its prefix sums (see metric_shard.hpp), so they are exact;
// - time edge: a batch opens at the tick time of the merge that adds its first order and closes at
//   the first merge or snapshot with now ≥ opened + 1000 ms, *before* that tick's orders are added. With
//   100 ms ticks a batch therefore holds ten ticks of orders (one second of receive time);
// - Timestamp is the close time (the tick's now); an empty batch is never emitted.

#include <cstdint>
#include <span>
#include <vector>

#include "app/money.hpp"

namespace tallyhub::app {

/// A closed batch.
struct closed_batch {
    std::int64_t order_count = 0;   ///< OrderCount
    money revenue;                  ///< TotalRevenue
    std::int64_t closed_at_ms = 0;  ///< Timestamp, unix ms

    friend bool operator==(const closed_batch&, const closed_batch&) = default;
};

/// Forms batches from the merged order stream.
class order_batcher {
public:
    /// Batches of at most `max_orders` orders, closed `max_age_ms` after they open.
    explicit order_batcher(std::int64_t max_orders = 100, std::int64_t max_age_ms = 1000);

    /// Adds a run of orders at tick time `now_ms`, given as running revenue units after each order
    /// (prefix[i] = revenue of orders 0..i). Closes an expired batch first.
    void add(std::span<const std::int64_t> prefix, std::int64_t now_ms);

    /// Closes the open batch if it has reached its age at `now_ms`.
    void close_expired(std::int64_t now_ms);

    /// The batches closed since the previous call, oldest first.
    std::vector<closed_batch> take_closed();

    /// Orders in the open batch.
    std::int64_t open_count() const noexcept { return open_count_; }
    /// Revenue of the open batch.
    money open_revenue() const noexcept { return open_revenue_; }

private:
    void close(std::int64_t now_ms);

    std::int64_t max_orders_;
    std::int64_t max_age_ms_;
    std::int64_t open_count_ = 0;
    money open_revenue_;
    std::int64_t opened_at_ms_ = 0;
    std::vector<closed_batch> closed_;
};

}  // namespace tallyhub::app
