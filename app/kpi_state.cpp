#include "app/kpi_state.hpp"

#include "core/utc_time.hpp"

namespace tallyhub::app {

namespace {

constexpr error revenue_overflow{static_cast<int>(shard_errc::overflow), "total revenue out of range"};

}  // namespace

kpi_state::kpi_state(const kpi_config& cfg)
    : window_(cfg.window_seconds),
      batcher_(cfg.batch_max_orders, cfg.batch_max_age_ms),
      daily_(cfg.daily_retention_days) {}

result<void> kpi_state::merge(const metric_delta& delta, std::int64_t now_ms) {
    money revenue = totals_.revenue;
    if (!add_into(revenue, delta.revenue)) return revenue_overflow;
    totals_.revenue = revenue;
    totals_.orders += delta.orders;
    totals_.payments += delta.payments;
    for (const second_counts& s : delta.seconds) {
        if (s.orders != 0) window_.add(s.second, s.orders, s.revenue);
        daily_.add(floor_div(s.second, 86400), s.orders, s.revenue, s.payments);
    }
    batcher_.add(delta.order_prefix, now_ms);
    return {};
}

void kpi_state::restore(const kpi_totals& totals, std::span<const daily_sales_row> days,
                        std::span<const history_point> seconds) {
    totals_ = totals;
    for (const daily_sales_row& d : days) daily_.add(d.day, d.orders, d.revenue, d.payments);
    for (const history_point& p : seconds) window_.add(p.second, p.orders, p.revenue);
}

kpi_snapshot kpi_state::snapshot(std::int64_t now_ms) {
    batcher_.close_expired(now_ms);
    kpi_snapshot s;
    s.timestamp_ms = now_ms;
    s.totals = totals_;
    s.average_order_value = totals_.average();
    s.window = window_.view(now_ms);
    s.batches = batcher_.take_closed();

    s.orders_changed = totals_.orders != last_totals_.orders || totals_.revenue != last_totals_.revenue;
    s.payments_changed = totals_.payments != last_totals_.payments;
    s.window_changed = s.window.order_count != last_window_orders_ || s.window.revenue != last_window_revenue_;
    s.batches_closed = !s.batches.empty();

    last_totals_ = totals_;
    last_window_orders_ = s.window.order_count;
    last_window_revenue_ = s.window.revenue;
    return s;
}

void kpi_state::history(std::int64_t now_ms, std::int64_t seconds, std::vector<history_point>& out) {
    window_.history(now_ms, seconds, out);
}

void kpi_state::daily(std::int64_t now_ms, std::int64_t days, std::vector<daily_sales_row>& out) const {
    daily_.query(now_ms, days, out);
}

}  // namespace tallyhub::app
