#include "app/metrics_hub.hpp"

#include "app/kpi_json.hpp"

#include <algorithm>
#include <string>

#include "signalr/hub_binding.hpp"

namespace tallyhub::app {

namespace {

using signalr::hub_call;
using signalr::hub_error;
using signalr::json_text;
using signalr::stream_writer;

constexpr std::int64_t min_stream_interval_ms = 10;
constexpr std::int64_t max_stream_interval_ms = 60'000;

// The group a Subscribe/Unsubscribe argument names (case-insensitive), or a hub error naming the choices.
std::string_view stream_group(std::string_view name) {
    for (std::string_view g : stream_groups) {
        if (g.size() == name.size() &&
            std::equal(g.begin(), g.end(), name.begin(), [](char a, char b) { return a == (b | 0x20); }))
            return g;
    }
    throw hub_error("Unknown stream '" + std::string(name) + "'. Streams: payments, window, batches.");
}

task<json_text> history_of(analytics& a, std::int64_t seconds) {
    const std::int64_t window = a.options().kpi.window_seconds;
    if (seconds < 1 || seconds > window)
        throw hub_error("seconds must be between 1 and " + std::to_string(window) + ".");
    // Not json_text{co_await ...}: g++ 12 destroys the awaited temporary too early in a braced init.
    std::string text = co_await a.history_json(seconds);
    co_return json_text{std::move(text)};
}

task<json_text> daily_sales_of(analytics& a, std::int64_t days) {
    const std::int64_t keep = a.options().kpi.daily_retention_days;
    if (days < 1 || days > keep) throw hub_error("days must be between 1 and " + std::to_string(keep) + ".");
    std::string text = co_await a.daily_sales_json(days);
    co_return json_text{std::move(text)};
}

}  // namespace

void define_metrics_hub(signalr::hub& h, analytics& engine) {
    analytics* a = &engine;
    h.on_connected = [a](hub_call& c) {
        for (std::string_view g : stream_groups) c.join_group(g);
        c.clients().caller("ReceiveCurrentMetrics", json_text{a->latest().current_json});
        // The window's current state too: a dashboard that (re)connects while the window stands still
        // would otherwise show nothing, or another server's numbers, until the next change.
        std::string window;
        append_sliding_window_update(window, a->latest().snapshot.window);
        c.clients().caller("ReceiveSlidingWindowUpdate", json_text{std::move(window)});
    };
    h.method("GetCurrentMetrics", [a](hub_call&) { return json_text{a->latest().current_json}; });
    h.method("GetHistory", [a](hub_call&, std::int64_t seconds) { return history_of(*a, seconds); });
    h.method("GetDailySales", [a](hub_call&, std::int64_t days) { return daily_sales_of(*a, days); });
    // The lambda is the coroutine itself, as in the test hub's streams (its capture lives in the hub,
    // which outlives every call): a plain lambda returning a separate coroutine's task<void> here
    // trapped on that coroutine's first resume under g++ 12 (SIGILL in its resume switch).
    h.stream("StreamMetrics", [a](hub_call&, stream_writer& w, std::int64_t interval_ms) -> task<void> {
        if (interval_ms < min_stream_interval_ms || interval_ms > max_stream_interval_ms)
            throw hub_error("intervalMs must be between 10 and 60000.");
        const std::chrono::milliseconds interval(interval_ms);
        for (;;) {
            if (!w.write_json(a->latest().current_json)) co_return;
            if (!co_await w.sleep(interval)) co_return;
        }
    });
    h.method("Subscribe", [](hub_call& c, std::string stream) { c.join_group(stream_group(stream)); });
    h.method("Unsubscribe", [](hub_call& c, std::string stream) { c.leave_group(stream_group(stream)); });
}

}  // namespace tallyhub::app
