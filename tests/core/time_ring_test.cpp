#include "core/time_ring.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace tallyhub {
namespace {

TEST(time_ring, slots_live_for_capacity_units) {
    time_ring<int> r(3, 100);
    *r.find(100) = 7;
    EXPECT_EQ(r.tail(), 98);
    r.advance(102);
    ASSERT_NE(r.find(100), nullptr);
    EXPECT_EQ(*r.find(100), 7);
    r.advance(103);
    EXPECT_EQ(r.find(100), nullptr);  // left the ring
    EXPECT_EQ(*r.find(103), 0);       // reused slot starts empty
}

TEST(time_ring, advance_reports_each_evicted_unit_once) {
    time_ring<int> r(4, 0);
    for (int t = -3; t <= 0; ++t) *r.find(t) = t + 10;
    std::vector<std::pair<std::int64_t, int>> evicted;
    r.advance(2, [&](std::int64_t u, const int& v) { evicted.emplace_back(u, v); });
    EXPECT_EQ(evicted, (std::vector<std::pair<std::int64_t, int>>{{-3, 7}, {-2, 8}}));
    evicted.clear();
    r.advance(1'000'000, [&](std::int64_t u, const int& v) { evicted.emplace_back(u, v); });
    ASSERT_EQ(evicted.size(), 4u);  // a long idle gap costs one turn, not the gap
    EXPECT_EQ(evicted[0], (std::pair<std::int64_t, int>{-1, 9}));
    EXPECT_EQ(evicted[1], (std::pair<std::int64_t, int>{0, 10}));
    EXPECT_EQ(evicted[3], (std::pair<std::int64_t, int>{2, 0}));
}

TEST(time_ring, older_units_are_refused_and_do_not_move_head) {
    time_ring<int> r(2, 10);
    EXPECT_EQ(r.slot(8, [](std::int64_t, const int&) {}), nullptr);
    EXPECT_EQ(r.head(), 10);
    r.advance(5);
    EXPECT_EQ(r.head(), 10);
    ASSERT_NE(r.slot(12, [](std::int64_t, const int&) {}), nullptr);
    EXPECT_EQ(r.head(), 12);
}

}  // namespace
}  // namespace tallyhub
