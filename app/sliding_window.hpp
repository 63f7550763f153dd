#pragma once
// sliding_window: orders and revenue of the last W seconds (ReceiveSlidingWindowUpdate, default
// W = 300) and the per-second series behind GetHistory, from one per-second ring.
//
// The edge, at second resolution: the window at time `now` holds the W whole seconds ending with the
// current one, i.e. events whose unix second s satisfies now_s − W < s ≤ now_s (now_s = ⌊now/1000⌋).
// An event at exactly now − W·1000 ms (with now on a second boundary) is out; one at now − W·1000 + 1000
// is in. WindowStart is the first millisecond counted, (now_s − W + 1)·1000; WindowEnd is now.
//
// O(1) per added second and per query: running sums are kept as seconds enter and leave the ring.
// Seconds newer than now (another core's clock a hair ahead) move the ring forward; seconds already
// out of the window are dropped.

#include <cstdint>
#include <vector>

#include "app/money.hpp"
#include "core/time_ring.hpp"

namespace tallyhub::app {

/// The window's contents at one moment.
struct window_view {
    std::int64_t order_count = 0;  ///< OrderCount
    money revenue;                 ///< TotalRevenue
    money average;                 ///< AverageOrderValue (0 when no orders)
    std::int64_t start_ms = 0;     ///< WindowStart, unix ms
    std::int64_t end_ms = 0;       ///< WindowEnd, unix ms

    friend bool operator==(const window_view&, const window_view&) = default;
};

/// One second of the chart series.
struct history_point {
    std::int64_t second = 0;  ///< unix second
    std::int64_t orders = 0;  ///< orders in that second
    money revenue;            ///< their revenue

    friend bool operator==(const history_point&, const history_point&) = default;
};

/// Per-second ring of (orders, revenue) with running window sums.
class sliding_window {
public:
    /// A window of `seconds` seconds (at least 1).
    explicit sliding_window(std::int64_t seconds = 300);

    /// Window length in seconds.
    std::int64_t seconds() const noexcept { return ring_.capacity(); }

    /// Adds `orders` orders worth `revenue` in unix second `second`; false if it is already out of the
    /// window (nothing counted).
    bool add(std::int64_t second, std::int64_t orders, money revenue);

    /// Moves the window to `now_ms` and returns its contents.
    window_view view(std::int64_t now_ms);

    /// Moves the window to `now_ms` and writes the last `n` seconds (clamped to 1..W), oldest first,
    /// every second present (zeros included) so a chart gets an evenly spaced series.
    void history(std::int64_t now_ms, std::int64_t n, std::vector<history_point>& out);

private:
    struct slot {
        std::int64_t orders = 0;
        money revenue;
    };
    void advance(std::int64_t second);

    tallyhub::time_ring<slot> ring_;
    std::int64_t orders_ = 0;  // running sums over the ring
    money revenue_;
};

}  // namespace tallyhub::app
