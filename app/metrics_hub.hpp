#pragma once
// MetricsHub at /hubs/metrics: the seed's hub and the methods of DESIGN §5.2.
//
//   on connect           ReceiveCurrentMetrics(current) to the caller; joins payments, window, batches
//   GetCurrentMetrics()  the ReceiveCurrentMetrics object
//   GetHistory(seconds)  per-second [{Time, Orders, Revenue}] of the last `seconds` (1..window)
//   GetDailySales(days)  [{Day, OrderCount, Revenue, PaymentsProcessed}], newest first
//   StreamMetrics(ms)    a stream of current-metrics objects every `ms` (10..60000)
//   Subscribe(stream) / Unsubscribe(stream)   join/leave payments | window | batches
// Broadcasts (analytics.hpp) go to everyone (ReceiveMetricsUpdate) or to those groups.

#include "app/analytics.hpp"
#include "signalr/hub.hpp"

namespace tallyhub::app {

/// Registers MetricsHub's methods and hooks on `h`; `engine` must outlive it.
void define_metrics_hub(signalr::hub& h, analytics& engine);

}  // namespace tallyhub::app
