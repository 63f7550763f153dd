#include "app/sliding_window.hpp"

#include "core/utc_time.hpp"

namespace tallyhub::app {

sliding_window::sliding_window(std::int64_t seconds)
    : ring_(static_cast<std::size_t>(seconds < 1 ? 1 : seconds)) {}

void sliding_window::advance(std::int64_t second) {
    ring_.advance(second, [this](std::int64_t, const slot& s) {
        orders_ -= s.orders;
        revenue_.units -= s.revenue.units;
    });
}

bool sliding_window::add(std::int64_t second, std::int64_t orders, money revenue) {
    advance(second);
    slot* s = ring_.find(second);
    if (s == nullptr) return false;
    // No overflow check: every slot and the running sum are parts of the global revenue total, which
    // kpi_state checks before anything is added.
    s->orders += orders;
    s->revenue.units += revenue.units;
    orders_ += orders;
    revenue_.units += revenue.units;
    return true;
}

window_view sliding_window::view(std::int64_t now_ms) {
    advance(unix_second(now_ms));
    window_view v;
    v.order_count = orders_;
    v.revenue = revenue_;
    v.average = average_or_zero(revenue_, orders_);
    v.start_ms = ring_.tail() * ms_per_second;
    v.end_ms = now_ms;
    return v;
}

void sliding_window::history(std::int64_t now_ms, std::int64_t n, std::vector<history_point>& out) {
    advance(unix_second(now_ms));
    if (n < 1) n = 1;
    if (n > seconds()) n = seconds();
    out.clear();
    out.reserve(static_cast<std::size_t>(n));
    for (std::int64_t s = ring_.head() - n + 1; s <= ring_.head(); ++s) {
        const slot* p = ring_.find(s);
        out.push_back(history_point{s, p->orders, p->revenue});
    }
}

}  // namespace tallyhub::app
