// dedup_window against a plain model (a set and a FIFO): the same answers for every insert,
// contains and expiry, with keys that collide on purpose (the index probes and shifts), across the
// count limit (the oldest go first) and around the index's wrap-around.

#include "app/dedup_window.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <set>
#include <utility>
#include <vector>

namespace tallyhub::app {
namespace {

struct model {
    std::int64_t window_ms;
    std::size_t max_keys;
    std::deque<std::pair<std::int64_t, std::pair<std::uint64_t, std::uint64_t>>> order;
    std::set<std::pair<std::uint64_t, std::uint64_t>> keys;
    std::uint64_t evicted = 0;

    bool insert(const dedup_key& k, std::int64_t at) {
        if (!keys.insert({k.lo, k.hi}).second) return false;
        order.push_back({at, {k.lo, k.hi}});
        if (order.size() > max_keys) {
            keys.erase(order.front().second);
            order.pop_front();
            ++evicted;
        }
        return true;
    }
    void expire(std::int64_t now) {
        while (!order.empty() && order.front().first < now - window_ms) {
            keys.erase(order.front().second);
            order.pop_front();
        }
    }
};

void check_same(const dedup_window& w, const model& m) {
    ASSERT_EQ(w.size(), m.keys.size());
    ASSERT_EQ(w.evicted(), m.evicted);
    std::vector<std::pair<std::int64_t, std::pair<std::uint64_t, std::uint64_t>>> seen;
    w.for_each([&](const dedup_key& k, std::int64_t at) { seen.push_back({at, {k.lo, k.hi}}); });
    ASSERT_EQ(seen, std::vector(m.order.begin(), m.order.end()));
    for (const auto& [lo, hi] : m.keys) ASSERT_TRUE(w.contains({lo, hi}));
}

TEST(dedup_window, matches_a_plain_model_with_colliding_keys) {
    for (std::size_t max_keys : {1u, 2u, 7u, 64u, 1000u}) {
        std::mt19937_64 rng(max_keys);
        dedup_window w(50, max_keys);
        model m{50, max_keys, {}, {}, 0};
        std::int64_t now = 0;
        // Few distinct low bits: most keys share a home slot with others.
        auto key = [&] { return dedup_key{rng() % 16, rng() % 4}; };
        for (int step = 0; step < 20000; ++step) {
            now += std::int64_t(rng() % 3);
            const dedup_key k = key();
            ASSERT_EQ(w.insert(k, now), m.insert(k, now)) << "step " << step;
            if (step % 7 == 0) {
                w.expire(now);
                m.expire(now);
            }
            const dedup_key probe = key();
            ASSERT_EQ(w.contains(probe), m.keys.contains({probe.lo, probe.hi})) << "step " << step;
            if (step % 500 == 0) check_same(w, m);
        }
        check_same(w, m);
    }
}

TEST(dedup_window, a_redelivery_is_refused_until_the_key_expires) {
    dedup_window w(1000, 100);
    const dedup_key k = dedup_key_of("order-17");
    EXPECT_TRUE(w.insert(k, 0));
    EXPECT_FALSE(w.insert(k, 500));
    w.expire(1000);
    EXPECT_TRUE(w.contains(k));  // 1000 ms old at 1000: still inside the window
    w.expire(1001);
    EXPECT_FALSE(w.contains(k));
    EXPECT_EQ(w.size(), 0u);
    EXPECT_TRUE(w.insert(k, 1001));
}

TEST(dedup_window, past_the_count_limit_the_oldest_keys_go_first) {
    dedup_window w(1'000'000, 3);
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(w.insert(dedup_key_of("id-" + std::to_string(i)), i));
    EXPECT_EQ(w.size(), 3u);
    EXPECT_EQ(w.evicted(), 2u);
    EXPECT_FALSE(w.contains(dedup_key_of("id-0")));
    EXPECT_FALSE(w.contains(dedup_key_of("id-1")));
    for (int i = 2; i < 5; ++i) EXPECT_TRUE(w.contains(dedup_key_of("id-" + std::to_string(i))));
}

}  // namespace
}  // namespace tallyhub::app
