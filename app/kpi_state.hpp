#pragma once
// kpi_state: the global KPI state on core 0. Each tick: merge() every shard's delta, then snapshot()
// once. The snapshot is an immutable value with everything the hub broadcasts that tick, and flags
// saying which hub messages are due (DESIGN §5.2: ReceiveMetricsUpdate when orders changed,
// ReceivePaymentMetricsUpdate when payments changed, ReceiveSlidingWindowUpdate while the window
// changed, one ReceiveBatchUpdate per closed batch).
//
// Overflow: all amounts are non-negative, so the window, the days and the batches are each a part of
// the revenue total. merge() checks that one sum first and, if it would overflow, applies nothing and
// returns the error; no other sum needs a check.

#include <cstdint>
#include <span>
#include <vector>

#include "app/daily_sales.hpp"
#include "app/metric_shard.hpp"
#include "app/money.hpp"
#include "app/order_batcher.hpp"
#include "app/sliding_window.hpp"
#include "core/result.hpp"

namespace tallyhub::app {

/// Perspective parameters.
struct kpi_config {
    std::int64_t window_seconds = 300;     ///< sliding window length
    std::int64_t batch_max_orders = 100;   ///< a batch closes at this many orders…
    std::int64_t batch_max_age_ms = 1000;  ///< …or this long after it opened
    std::int64_t daily_retention_days = 400;
};

/// All-time totals.
struct kpi_totals {
    std::int64_t orders = 0;    ///< TotalOrders
    money revenue;              ///< TotalRevenue
    std::int64_t payments = 0;  ///< TotalPaymentsProcessed

    /// AverageOrderValue: revenue / orders, half-to-even, 0 when there are no orders.
    money average() const noexcept { return average_or_zero(revenue, orders); }
    friend bool operator==(const kpi_totals&, const kpi_totals&) = default;
};

/// One tick's view of the KPIs.
struct kpi_snapshot {
    std::int64_t timestamp_ms = 0;  ///< the tick time (Timestamp)
    kpi_totals totals;
    money average_order_value;           ///< totals.average()
    window_view window;
    std::vector<closed_batch> batches;   ///< closed since the previous snapshot, oldest first

    bool orders_changed = false;    ///< TotalOrders or TotalRevenue differ from the previous snapshot
    bool payments_changed = false;  ///< TotalPaymentsProcessed differs
    bool window_changed = false;    ///< window OrderCount or TotalRevenue differ
    bool batches_closed = false;    ///< `batches` is not empty
};

/// Global KPI state, owned by core 0.
class kpi_state {
public:
    /// Empty state with parameters `cfg`.
    explicit kpi_state(const kpi_config& cfg = {});

    /// Adds one shard's delta at tick time `now_ms`; on revenue overflow nothing is applied.
    result<void> merge(const metric_delta& delta, std::int64_t now_ms);

    /// The state at `now_ms`, with change flags relative to the previous snapshot.
    kpi_snapshot snapshot(std::int64_t now_ms);

    /// All-time totals.
    const kpi_totals& totals() const noexcept { return totals_; }

    /// GetHistory(seconds): the last `seconds` seconds (clamped to 1..window), oldest first.
    void history(std::int64_t now_ms, std::int64_t seconds, std::vector<history_point>& out);

    /// GetDailySales(days): active days among the last `days`, newest first.
    void daily(std::int64_t now_ms, std::int64_t days, std::vector<daily_sales_row>& out) const;

    /// Start-up from a snapshot (app/durable_state.hpp): totals, the retained days and the window's
    /// seconds, into an empty state. The next snapshot() reports them as changed.
    void restore(const kpi_totals& totals, std::span<const daily_sales_row> days, std::span<const history_point> seconds);

    /// Orders merged but not yet in a closed batch.
    std::int64_t open_batch_orders() const noexcept { return batcher_.open_count(); }

private:
    kpi_totals totals_;
    sliding_window window_;
    order_batcher batcher_;
    daily_sales daily_;
    // What the previous snapshot reported, for the change flags.
    kpi_totals last_totals_;
    std::int64_t last_window_orders_ = 0;
    money last_window_revenue_;
};

}  // namespace tallyhub::app
