#pragma once
// metric_shard: one core's KPI deltas since the last tick (DESIGN §2: "apply to shard[k]"). The core
// that decodes an event applies it here with plain stores; every tick core 0 collects each shard's
// take_delta() and merges them into kpi_state. No atomics, no locks: a shard has exactly one owner.
//
// A delta carries what the global perspectives need and nothing more:
// - totals (orders, revenue, payments);
// - per-second counts, for the sliding window, the chart history and daily sales (a day is a run of
//   seconds, so one list feeds all three);
// - the running revenue after each order, in apply order (order_prefix). Batches close at exactly
//   100 orders of the merged stream, and where the 100th order falls inside a shard's delta depends on
//   the other shards, known only at the merge. With the prefix sums core 0 takes the revenue of any
//   contiguous run of a shard's orders in O(1) (prefix[end] − prefix[begin]), so the split is exact
//   and costs O(batches), not O(orders). Price: 8 bytes per order per tick.
//
// Storage lifecycle: take_delta() moves the vectors out and reserves the same capacity again (one
// allocation per tick at most); hand spent deltas back with recycle() and steady state allocates nothing.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "app/dedup_key.hpp"
#include "app/events.hpp"
#include "app/money.hpp"
#include "core/result.hpp"

namespace tallyhub::app {

/// What happened during one unix second.
struct second_counts {
    std::int64_t second = 0;    ///< unix second
    std::int64_t orders = 0;    ///< OrderCreated events
    money revenue;              ///< sum of their TotalAmount
    std::int64_t payments = 0;  ///< PaymentProcessed events
};

/// An event applied with a dedup key (an AMQP message id): enough to take its contribution out
/// again when core 0 finds, at the merge, that the key was counted before (a redelivery).
struct keyed_entry {
    dedup_key key;
    bool order = true;             ///< OrderCreated (else PaymentProcessed)
    std::uint32_t prefix_index = 0;  ///< order: its index in order_prefix
    std::int64_t second = 0;       ///< the unix second it was counted in
    money amount;                  ///< order: its TotalAmount
};

/// One shard's changes since its previous take_delta().
struct metric_delta {
    std::int64_t orders = 0;    ///< orders applied
    money revenue;              ///< their revenue
    std::int64_t payments = 0;  ///< payments applied
    std::vector<second_counts> seconds;       ///< per-second counts, distinct seconds, first-seen order
    std::vector<std::int64_t> order_prefix;   ///< revenue units after each order, in apply order
    std::vector<keyed_entry> keyed;           ///< events applied with a dedup key, in apply order

    /// True when nothing was applied.
    bool empty() const noexcept { return orders == 0 && payments == 0; }
    /// Forgets the contents, keeps the capacity.
    void clear() noexcept;
};

/// Takes the contributions of `duplicates` (indices into d.keyed, ascending) out of `d`: totals,
/// per-second counts and the order prefix sums, so the merge counts each of them zero times.
void drop_duplicates(metric_delta& d, std::span<const std::size_t> duplicates);

/// Why an event could not be applied (it is then not counted anywhere).
enum class shard_errc { negative_amount = 1, overflow };

/// One core's KPI deltas.
class metric_shard {
public:
    /// An empty shard.
    metric_shard();

    /// Counts an order of `amount` received at unix ms `at_ms`.
    result<void> apply_order(money amount, std::int64_t at_ms, std::string_view key = {});

    /// Counts a payment received at unix ms `at_ms`.
    result<void> apply_payment(std::int64_t at_ms, std::string_view key = {});

    /// Counts an OrderCreated event received at `at_ms`.
    result<void> apply(const order_event& e, std::int64_t at_ms, std::string_view key = {}) {
        return apply_order(e.total_amount, at_ms, key);
    }

    /// Counts a PaymentProcessed event received at `at_ms`.
    result<void> apply(const payment_event&, std::int64_t at_ms, std::string_view key = {}) {
        return apply_payment(at_ms, key);
    }

    /// The changes since the previous call; the shard starts over empty.
    metric_delta take_delta();

    /// Gives a spent delta's storage back for the next take_delta().
    void recycle(metric_delta&& spent);

    /// The changes so far (not yet taken).
    const metric_delta& pending() const noexcept { return delta_; }

private:
    second_counts& bucket(std::int64_t second);
    void note_key(std::string_view key, bool order, std::int64_t second, money amount);

    metric_delta delta_;
    metric_delta spare_;
};

}  // namespace tallyhub::app
