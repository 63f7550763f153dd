#include "app/daily_sales.hpp"

#include "core/utc_time.hpp"

namespace tallyhub::app {

daily_sales::daily_sales(std::int64_t retention_days)
    : ring_(static_cast<std::size_t>(retention_days < 1 ? 1 : retention_days)) {}

bool daily_sales::add(std::int64_t day, std::int64_t orders, money revenue, std::int64_t payments) {
    ring_.advance(day);
    slot* s = ring_.find(day);
    if (s == nullptr) return false;
    // Parts of the checked global revenue total: no overflow.
    s->orders += orders;
    s->revenue.units += revenue.units;
    s->payments += payments;
    return true;
}

daily_sales_row daily_sales::at(std::int64_t day) const {
    const slot* s = ring_.find(day);
    if (s == nullptr) return daily_sales_row{day, 0, money{}, 0};
    return daily_sales_row{day, s->orders, s->revenue, s->payments};
}

void daily_sales::query(std::int64_t now_ms, std::int64_t days, std::vector<daily_sales_row>& out) const {
    out.clear();
    if (days > retention_days()) days = retention_days();
    const std::int64_t today = unix_day(now_ms);
    for (std::int64_t d = today; d > today - days; --d) {
        const slot* s = ring_.find(d);  // null for days after the newest event or past retention
        if (s != nullptr && (s->orders != 0 || s->payments != 0))
            out.push_back(daily_sales_row{d, s->orders, s->revenue, s->payments});
    }
}

}  // namespace tallyhub::app
