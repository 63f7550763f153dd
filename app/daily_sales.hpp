#pragma once
// daily_sales: {Day, OrderCount, Revenue, PaymentsProcessed} per UTC day for GetDailySales(days),
// newest first, kept for a bounded number of days (default 400: a year and change for year-on-year
// charts) in a ring of days. A day starts at 00:00:00.000 UTC: an event at 23:59:59.999 belongs to
// that day, one a millisecond later to the next.

#include <cstdint>
#include <vector>

#include "app/money.hpp"
#include "core/time_ring.hpp"

namespace tallyhub::app {

/// One UTC day's sales.
struct daily_sales_row {
    std::int64_t day = 0;       ///< Day, days since 1970-01-01
    std::int64_t orders = 0;    ///< OrderCount
    money revenue;              ///< Revenue
    std::int64_t payments = 0;  ///< PaymentsProcessed

    friend bool operator==(const daily_sales_row&, const daily_sales_row&) = default;
};

/// Per-day counts for the last `retention_days` days.
class daily_sales {
public:
    /// Keeps `retention_days` days (at least 1).
    explicit daily_sales(std::int64_t retention_days = 400);

    /// Days kept.
    std::int64_t retention_days() const noexcept { return ring_.capacity(); }

    /// Adds counts to UTC day `day`; false when the day is older than retention (nothing counted).
    bool add(std::int64_t day, std::int64_t orders, money revenue, std::int64_t payments);

    /// The days with activity among the `days` calendar days ending with the day of `now_ms` (clamped
    /// to retention), newest first.
    void query(std::int64_t now_ms, std::int64_t days, std::vector<daily_sales_row>& out) const;

    /// The row of one day (zeros when nothing happened or it is out of retention).
    daily_sales_row at(std::int64_t day) const;

private:
    struct slot {
        std::int64_t orders = 0;
        money revenue;
        std::int64_t payments = 0;
    };
    tallyhub::time_ring<slot> ring_;
};

}  // namespace tallyhub::app
