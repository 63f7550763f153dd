#pragma once
// JSON for the MetricsHub payloads (DESIGN §5.2), byte for byte: PascalCase names as the seed's
// client reads them, money as a JSON number with its exact decimal text (45678.9, never 45678.900000001),
// times as ISO 8601 UTC with milliseconds and 'Z' (2026-12-03T12:00:00.123Z), days as YYYY-MM-DD.
// Plain appends to the caller's string: names are fixed ASCII, so nothing needs escaping, and no
// temporary is allocated. Each function writes one JSON value (the hub message's argument).

#include <span>
#include <string>

#include "app/daily_sales.hpp"
#include "app/kpi_state.hpp"
#include "app/order_batcher.hpp"
#include "app/sliding_window.hpp"

namespace tallyhub::app {

/// ReceiveCurrentMetrics / GetCurrentMetrics / SSE:
/// {TotalOrders, TotalRevenue, AverageOrderValue, TotalPaymentsProcessed, Timestamp}.
void append_current_metrics(std::string& out, const kpi_snapshot& s);

/// ReceiveMetricsUpdate: {TotalOrders, TotalRevenue, AverageOrderValue, Timestamp}.
void append_metrics_update(std::string& out, const kpi_snapshot& s);

/// The seed's cached `RealtimeMetrics` (the Redis `realtime-metrics` key):
/// {TotalOrders, TotalRevenue, AverageOrderValue, TotalPaymentsProcessed, LastUpdated}.
void append_realtime_metrics(std::string& out, const kpi_snapshot& s);

/// One second of the window (a Redis bucket): {Timestamp, OrderCount, Revenue}.
void append_second(std::string& out, const history_point& p);

/// ReceivePaymentMetricsUpdate: {TotalPaymentsProcessed, Timestamp}.
void append_payment_metrics_update(std::string& out, const kpi_snapshot& s);

/// ReceiveSlidingWindowUpdate: {OrderCount, TotalRevenue, AverageOrderValue, WindowStart, WindowEnd}.
void append_sliding_window_update(std::string& out, const window_view& w);

/// ReceiveBatchUpdate: {OrderCount, TotalRevenue, Timestamp}.
void append_batch_update(std::string& out, const closed_batch& b);

/// GetHistory: [{Timestamp, OrderCount, Revenue}], Timestamp being the start of each second.
void append_history(std::string& out, std::span<const history_point> points);

/// GetDailySales: [{Day, OrderCount, Revenue, PaymentsProcessed}], in the given (newest first) order.
void append_daily_sales(std::string& out, std::span<const daily_sales_row> rows);

}  // namespace tallyhub::app
