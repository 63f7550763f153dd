#include "app/kpi_json.hpp"

#include <fmt/format.h>

#include <iterator>
#include <string_view>

#include "core/utc_time.hpp"

namespace tallyhub::app {

namespace {

// `"Name":` with a leading comma unless it is the first property.
void name(std::string& out, std::string_view n, bool first = false) {
    if (!first) out.push_back(',');
    out.push_back('"');
    out.append(n);
    out.append("\":");
}

void integer(std::string& out, std::int64_t v) { fmt::format_to(std::back_inserter(out), "{}", v); }

void time(std::string& out, std::int64_t ms) {
    out.push_back('"');
    append_iso8601_ms(out, ms);
    out.push_back('"');
}

}  // namespace

namespace {

// The totals object under two names for its time: the hub's `Timestamp`, the seed cache's `LastUpdated`.
void totals_object(std::string& out, const kpi_snapshot& s, std::string_view time_name) {
    out.push_back('{');
    name(out, "TotalOrders", true);
    integer(out, s.totals.orders);
    name(out, "TotalRevenue");
    append_money(out, s.totals.revenue);
    name(out, "AverageOrderValue");
    append_money(out, s.average_order_value);
    name(out, "TotalPaymentsProcessed");
    integer(out, s.totals.payments);
    name(out, time_name);
    time(out, s.timestamp_ms);
    out.push_back('}');
}

}  // namespace

void append_current_metrics(std::string& out, const kpi_snapshot& s) { totals_object(out, s, "Timestamp"); }

void append_realtime_metrics(std::string& out, const kpi_snapshot& s) { totals_object(out, s, "LastUpdated"); }

void append_second(std::string& out, const history_point& p) {
    out.push_back('{');
    name(out, "Timestamp", true);
    time(out, p.second * ms_per_second);
    name(out, "OrderCount");
    integer(out, p.orders);
    name(out, "Revenue");
    append_money(out, p.revenue);
    out.push_back('}');
}

void append_metrics_update(std::string& out, const kpi_snapshot& s) {
    out.push_back('{');
    name(out, "TotalOrders", true);
    integer(out, s.totals.orders);
    name(out, "TotalRevenue");
    append_money(out, s.totals.revenue);
    name(out, "AverageOrderValue");
    append_money(out, s.average_order_value);
    name(out, "Timestamp");
    time(out, s.timestamp_ms);
    out.push_back('}');
}

void append_payment_metrics_update(std::string& out, const kpi_snapshot& s) {
    out.push_back('{');
    name(out, "TotalPaymentsProcessed", true);
    integer(out, s.totals.payments);
    name(out, "Timestamp");
    time(out, s.timestamp_ms);
    out.push_back('}');
}

void append_sliding_window_update(std::string& out, const window_view& w) {
    out.push_back('{');
    name(out, "OrderCount", true);
    integer(out, w.order_count);
    name(out, "TotalRevenue");
    append_money(out, w.revenue);
    name(out, "AverageOrderValue");
    append_money(out, w.average);
    name(out, "WindowStart");
    time(out, w.start_ms);
    name(out, "WindowEnd");
    time(out, w.end_ms);
    out.push_back('}');
}

void append_batch_update(std::string& out, const closed_batch& b) {
    out.push_back('{');
    name(out, "OrderCount", true);
    integer(out, b.order_count);
    name(out, "TotalRevenue");
    append_money(out, b.revenue);
    name(out, "Timestamp");
    time(out, b.closed_at_ms);
    out.push_back('}');
}

void append_history(std::string& out, std::span<const history_point> points) {
    out.push_back('[');
    for (std::size_t i = 0; i < points.size(); ++i) {
        if (i != 0) out.push_back(',');
        append_second(out, points[i]);
    }
    out.push_back(']');
}

void append_daily_sales(std::string& out, std::span<const daily_sales_row> rows) {
    out.push_back('[');
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (i != 0) out.push_back(',');
        out.push_back('{');
        name(out, "Day", true);
        out.push_back('"');
        append_iso8601_date(out, rows[i].day);
        out.push_back('"');
        name(out, "OrderCount");
        integer(out, rows[i].orders);
        name(out, "Revenue");
        append_money(out, rows[i].revenue);
        name(out, "PaymentsProcessed");
        integer(out, rows[i].payments);
        out.push_back('}');
    }
    out.push_back(']');
}

}  // namespace tallyhub::app
