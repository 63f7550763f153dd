#include "core/spsc_ring.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace tallyhub {
namespace {

TEST(spsc_ring, rejects_capacity_that_is_not_a_power_of_two) {
    EXPECT_THROW(spsc_ring<int>(0), std::invalid_argument);
    EXPECT_THROW(spsc_ring<int>(1), std::invalid_argument);
    EXPECT_THROW(spsc_ring<int>(3), std::invalid_argument);
    EXPECT_THROW(spsc_ring<int>(1000), std::invalid_argument);
    EXPECT_EQ(spsc_ring<int>(1024).capacity(), 1024u);
}

TEST(spsc_ring, fifo_until_full_then_push_fails_without_consuming_the_value) {
    spsc_ring<std::string> ring(4);
    EXPECT_TRUE(ring.empty());
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(ring.try_push("item " + std::to_string(i)));
    EXPECT_EQ(ring.size_approx(), 4u);

    std::string extra = "extra";
    EXPECT_FALSE(ring.try_push(std::move(extra)));
    EXPECT_EQ(extra, "extra");  // a failed push leaves the caller's value alone

    for (int i = 0; i < 4; ++i) {
        auto v = ring.try_pop();
        ASSERT_TRUE(v.has_value());
        EXPECT_EQ(*v, "item " + std::to_string(i));
    }
    EXPECT_FALSE(ring.try_pop().has_value());
    EXPECT_TRUE(ring.empty());
}

TEST(spsc_ring, wraps_around_many_times) {
    spsc_ring<std::uint64_t> ring(8);
    std::uint64_t next_in = 0, next_out = 0;
    for (int round = 0; round < 1000; ++round) {
        for (int i = 0; i < 5; ++i) ASSERT_TRUE(ring.try_push(std::uint64_t{next_in++}));
        for (int i = 0; i < 5; ++i) ASSERT_EQ(ring.try_pop().value(), next_out++);
    }
    EXPECT_TRUE(ring.empty());
}

TEST(spsc_ring, carries_move_only_values) {
    spsc_ring<std::unique_ptr<int>> ring(2);
    EXPECT_TRUE(ring.try_push(std::make_unique<int>(7)));
    EXPECT_TRUE(ring.try_emplace(new int(8)));
    auto a = ring.try_pop();
    auto b = ring.try_pop();
    ASSERT_TRUE(a && *a && b && *b);
    EXPECT_EQ(**a, 7);
    EXPECT_EQ(**b, 8);
}

TEST(spsc_ring, drain_respects_max_and_pop_all_takes_everything) {
    spsc_ring<int> ring(16);
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(ring.try_push(int{i}));

    std::vector<int> got;
    EXPECT_EQ(ring.drain([&](int&& v) { got.push_back(v); }, 3), 3u);
    EXPECT_EQ(got, (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(ring.size_approx(), 7u);

    // The freed slots are reusable at once.
    for (int i = 10; i < 13; ++i) ASSERT_TRUE(ring.try_push(int{i}));
    got.clear();
    EXPECT_EQ(ring.pop_all([&](int v) { got.push_back(v); }), 10u);
    EXPECT_EQ(got, (std::vector<int>{3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
    EXPECT_EQ(ring.pop_all([](int) { FAIL(); }), 0u);
}

struct tracked {
    explicit tracked(int* live) : live_(live) { ++*live_; }
    tracked(tracked&& other) noexcept : live_(other.live_) { ++*live_; }
    ~tracked() { --*live_; }
    int* live_;
};

TEST(spsc_ring, destroys_every_item_exactly_once) {
    int live = 0;
    {
        spsc_ring<tracked> ring(8);
        for (int i = 0; i < 6; ++i) ASSERT_TRUE(ring.try_emplace(&live));
        EXPECT_EQ(live, 6);
        { auto one = ring.try_pop(); }
        EXPECT_EQ(live, 5);
        ring.drain([](tracked&&) {}, 2);
        EXPECT_EQ(live, 3);
    }  // the ring's destructor takes the 3 left
    EXPECT_EQ(live, 0);
}

TEST(spsc_ring, drain_keeps_the_rest_when_the_callback_throws) {
    spsc_ring<int> ring(8);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(ring.try_push(int{i}));
    EXPECT_THROW(ring.drain([](int v) { if (v == 1) throw std::runtime_error("boom"); }, 8), std::runtime_error);
    // 0 and 1 were handed out; 2..4 remain in order.
    EXPECT_EQ(ring.size_approx(), 3u);
    EXPECT_EQ(ring.try_pop().value(), 2);
}

// Two threads move a long sequence through a small ring (so it is often full and often empty); the
// consumer alternates try_pop and drain and checks that it sees every number once, in order.
// Bounded by count or by time, whichever ends first, so slow sanitizer builds stay quick.
TEST(spsc_ring, two_thread_stress_preserves_order_without_loss) {
    constexpr std::uint64_t max_items = 20'000'000;
    constexpr std::uint64_t done_marker = ~std::uint64_t{0};
    const auto time_budget = std::chrono::seconds(3);
    spsc_ring<std::uint64_t> ring(256);

    std::uint64_t produced = 0;
    std::thread producer([&] {
        const auto stop_at = std::chrono::steady_clock::now() + time_budget;
        while (produced < max_items) {
            if (!ring.try_push(std::uint64_t{produced}))
                std::this_thread::yield();  // full: let the consumer run (CI machines are oversubscribed)
            else if ((++produced & 0xFFFF) == 0 && std::chrono::steady_clock::now() > stop_at)
                break;
        }
        while (!ring.try_push(std::uint64_t{done_marker})) std::this_thread::yield();
    });

    std::uint64_t expected = 0;
    std::uint64_t errors = 0;
    bool done = false;
    auto check = [&](std::uint64_t v) {
        if (v == done_marker) {
            done = true;
        } else if (v != expected++) {
            ++errors;
        }
    };
    for (std::uint64_t turn = 0; !done; ++turn) {
        if (turn % 2 == 0) {
            if (auto v = ring.try_pop())
                check(*v);
            else
                std::this_thread::yield();
        } else {
            ring.drain(check, 1 + turn % 97);
        }
    }
    producer.join();

    EXPECT_EQ(errors, 0u);
    EXPECT_EQ(expected, produced);
    EXPECT_GT(produced, 100'000u) << "the stress test moved too few items to mean anything";
    EXPECT_TRUE(ring.empty());
    std::printf("[          ] moved %llu items\n", static_cast<unsigned long long>(produced));
}

TEST(spsc_ring, two_thread_move_only_stress) {
    constexpr int items = 200'000;
    spsc_ring<std::unique_ptr<int>> ring(64);
    std::thread producer([&] {
        for (int i = 0; i < items; ++i) {
            auto p = std::make_unique<int>(i);
            while (!ring.try_push(std::move(p))) std::this_thread::yield();
        }
    });
    int expected = 0;
    while (expected < items) {
        if (ring.empty()) std::this_thread::yield();
        ring.pop_all([&](std::unique_ptr<int>&& p) {
            ASSERT_TRUE(p);
            EXPECT_EQ(*p, expected);
            ++expected;
        });
    }
    producer.join();
    EXPECT_TRUE(ring.empty());
}

}  // namespace
}  // namespace tallyhub
