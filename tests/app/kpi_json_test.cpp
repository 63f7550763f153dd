#include "app/kpi_json.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace tallyhub::app {
namespace {

constexpr std::int64_t t = 1796299200123;  // 2026-12-03T12:00:00.123Z

kpi_snapshot seed_example() {
    kpi_snapshot s;
    s.timestamp_ms = t;
    s.totals = {1234, money{456789000}, 56};
    s.average_order_value = money{370200};
    return s;
}

TEST(kpi_json, current_metrics) {
    std::string out;
    append_current_metrics(out, seed_example());
    EXPECT_EQ(out, R"({"TotalOrders":1234,"TotalRevenue":45678.9,"AverageOrderValue":37.02,)"
                   R"("TotalPaymentsProcessed":56,"Timestamp":"2026-12-03T12:00:00.123Z"})");
}

TEST(kpi_json, metrics_and_payment_updates) {
    std::string out;
    append_metrics_update(out, seed_example());
    EXPECT_EQ(out, R"({"TotalOrders":1234,"TotalRevenue":45678.9,"AverageOrderValue":37.02,)"
                   R"("Timestamp":"2026-12-03T12:00:00.123Z"})");
    out.clear();
    append_payment_metrics_update(out, seed_example());
    EXPECT_EQ(out, R"({"TotalPaymentsProcessed":56,"Timestamp":"2026-12-03T12:00:00.123Z"})");
}

TEST(kpi_json, sliding_window_and_batch) {
    std::string out;
    append_sliding_window_update(out, window_view{3, money{10001}, money{3334}, t - 299'123, t});
    EXPECT_EQ(out, R"({"OrderCount":3,"TotalRevenue":1.0001,"AverageOrderValue":0.3334,)"
                   R"("WindowStart":"2026-12-03T11:55:01.000Z","WindowEnd":"2026-12-03T12:00:00.123Z"})");
    out.clear();
    append_batch_update(out, closed_batch{100, money{0}, t});
    EXPECT_EQ(out, R"({"OrderCount":100,"TotalRevenue":0,"Timestamp":"2026-12-03T12:00:00.123Z"})");
}

TEST(kpi_json, history_and_daily_sales) {
    std::string out;
    const std::vector<history_point> h{{1796299200, 2, money{50000}}, {1796299201, 0, {}}};
    append_history(out, h);
    EXPECT_EQ(out, R"([{"Timestamp":"2026-12-03T12:00:00.000Z","OrderCount":2,"Revenue":5},)"
                   R"({"Timestamp":"2026-12-03T12:00:01.000Z","OrderCount":0,"Revenue":0}])");
    out.clear();
    const std::vector<daily_sales_row> d{{20790, 10, money{1234500}, 4}, {20789, 1, money{1}, 0}};
    append_daily_sales(out, d);
    EXPECT_EQ(out, R"([{"Day":"2026-12-03","OrderCount":10,"Revenue":123.45,"PaymentsProcessed":4},)"
                   R"({"Day":"2026-12-02","OrderCount":1,"Revenue":0.0001,"PaymentsProcessed":0}])");
    out.clear();
    append_daily_sales(out, {});
    EXPECT_EQ(out, "[]");
}

}  // namespace
}  // namespace tallyhub::app
