// lazy_deque: a FIFO with std::deque's behaviour that holds no memory while empty.

#include "core/lazy_deque.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tallyhub {
namespace {

std::vector<std::string> contents(const lazy_deque<std::string>& q) { return {q.begin(), q.end()}; }

TEST(lazy_deque, empty_iterates_nothing) {
    lazy_deque<std::string> q;
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.size(), 0u);
    EXPECT_EQ(q.begin(), q.end());
    EXPECT_TRUE(contents(q).empty());
}

TEST(lazy_deque, first_in_first_out_across_refills) {
    lazy_deque<std::string> q;
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < 1000; ++i) q.push_back(std::to_string(round * 1000 + i));
        q.emplace_back("last");
        EXPECT_EQ(q.size(), 1001u);
        EXPECT_EQ(q.back(), "last");
        for (int i = 0; i < 1000; ++i) {
            ASSERT_EQ(q.front(), std::to_string(round * 1000 + i));
            q.pop_front();
        }
        EXPECT_EQ(contents(q), std::vector<std::string>{"last"});
        q.pop_front();
        EXPECT_TRUE(q.empty());
        EXPECT_EQ(q.begin(), q.end());
    }
}

TEST(lazy_deque, clear_empties) {
    lazy_deque<int> q;
    q.push_back(1);
    q.push_back(2);
    q.clear();
    EXPECT_TRUE(q.empty());
    q.push_back(3);
    EXPECT_EQ(q.front(), 3);
}

}  // namespace
}  // namespace tallyhub
