#include "core/timer_wheel.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <vector>

namespace tallyhub {
namespace {

using namespace std::chrono_literals;
using time_point = timer_wheel::time_point;

// A fixed, fake clock: the wheel only ever sees the time points we pass in.
const time_point t0 = time_point{} + 10h;

struct connection {
    int id = 0;
    timer_wheel::entry idle{this};
};

TEST(timer_wheel, rejects_bad_configuration) {
    EXPECT_THROW(timer_wheel(t0, 0ms), std::invalid_argument);
    EXPECT_THROW(timer_wheel(t0, 100ms, 0), std::invalid_argument);
    EXPECT_THROW(timer_wheel(t0, 100ms, 100), std::invalid_argument);
}

TEST(timer_wheel, fires_at_the_deadline_rounded_up_to_a_tick_never_before) {
    timer_wheel wheel(t0, 100ms);
    connection c{42};
    wheel.schedule(c.idle, t0 + 250ms);
    EXPECT_TRUE(c.idle.scheduled());

    std::vector<int> fired;
    auto record = [&](timer_wheel::entry& e) { fired.push_back(e.owner_as<connection>()->id); };
    EXPECT_EQ(wheel.advance(t0 + 249ms, record), 0u);
    EXPECT_EQ(wheel.advance(t0 + 299ms, record), 0u);  // 250 ms rounds up to the 300 ms tick
    EXPECT_EQ(wheel.advance(t0 + 300ms, record), 1u);
    EXPECT_EQ(fired, std::vector<int>{42});
    EXPECT_FALSE(c.idle.scheduled());
    EXPECT_EQ(wheel.advance(t0 + 10s, record), 0u);  // fires once
}

TEST(timer_wheel, deadline_on_a_tick_boundary_fires_exactly_then) {
    timer_wheel wheel(t0, 100ms);
    timer_wheel::entry e;
    wheel.schedule(e, t0 + 500ms);
    EXPECT_EQ(wheel.advance(t0 + 499ms, [](auto&) {}), 0u);
    EXPECT_EQ(wheel.advance(t0 + 500ms, [](auto&) {}), 1u);
}

TEST(timer_wheel, cancel_disarms_and_is_safe_when_not_scheduled) {
    timer_wheel wheel(t0);
    timer_wheel::entry e;
    EXPECT_FALSE(wheel.cancel(e));
    EXPECT_FALSE(e.cancel());
    wheel.schedule(e, t0 + 1s);
    EXPECT_EQ(wheel.size(), 1u);
    EXPECT_TRUE(wheel.cancel(e));
    EXPECT_FALSE(wheel.cancel(e));
    EXPECT_EQ(wheel.size(), 0u);
    EXPECT_EQ(wheel.advance(t0 + 1h, [](auto&) { FAIL(); }), 0u);
}

TEST(timer_wheel, destroying_a_scheduled_entry_unlinks_it) {
    timer_wheel wheel(t0);
    timer_wheel::entry kept;
    wheel.schedule(kept, t0 + 1s);
    {
        auto gone = std::make_unique<connection>();
        wheel.schedule(gone->idle, t0 + 1s);
        EXPECT_EQ(wheel.size(), 2u);
    }
    EXPECT_EQ(wheel.size(), 1u);
    std::vector<timer_wheel::entry*> fired;
    wheel.advance(t0 + 1s, [&](timer_wheel::entry& e) { fired.push_back(&e); });
    EXPECT_EQ(fired, std::vector<timer_wheel::entry*>{&kept});
}

TEST(timer_wheel, entries_outlive_a_destroyed_wheel) {
    timer_wheel::entry e;
    {
        timer_wheel wheel(t0);
        wheel.schedule(e, t0 + 1s);
    }
    EXPECT_FALSE(e.scheduled());
    EXPECT_FALSE(e.cancel());
}

TEST(timer_wheel, deadlines_beyond_one_revolution_wait_for_their_round) {
    timer_wheel wheel(t0, 100ms, 8);  // one revolution = 800 ms
    timer_wheel::entry e;
    wheel.schedule(e, t0 + 5s);
    for (auto now = t0 + 100ms; now < t0 + 5s; now += 100ms) {
        ASSERT_EQ(wheel.advance(now, [](auto&) {}), 0u);
        const auto next = wheel.next_deadline();
        ASSERT_TRUE(next.has_value());
        ASSERT_LE(*next, t0 + 5s);
        ASSERT_GT(*next, now);
    }
    EXPECT_EQ(wheel.advance(t0 + 5s, [](auto&) {}), 1u);
}

TEST(timer_wheel, postponing_and_advancing_a_deadline) {
    timer_wheel wheel(t0, 100ms, 16);
    timer_wheel::entry later, sooner;
    wheel.schedule(later, t0 + 1s);
    wheel.schedule(later, t0 + 3s);  // keep-alive touched: pushed back
    wheel.schedule(sooner, t0 + 3s);
    wheel.schedule(sooner, t0 + 1s);  // pulled in
    EXPECT_EQ(wheel.size(), 2u);

    std::vector<timer_wheel::entry*> fired;
    auto record = [&](timer_wheel::entry& e) { fired.push_back(&e); };
    wheel.advance(t0 + 1s, record);
    EXPECT_EQ(fired, std::vector<timer_wheel::entry*>{&sooner});
    wheel.advance(t0 + 2999ms, record);
    EXPECT_EQ(fired.size(), 1u);
    wheel.advance(t0 + 3s, record);
    EXPECT_EQ(fired, (std::vector<timer_wheel::entry*>{&sooner, &later}));
}

TEST(timer_wheel, past_deadline_fires_on_the_next_advance) {
    timer_wheel wheel(t0);
    wheel.advance(t0 + 1s, [](auto&) {});
    timer_wheel::entry e;
    wheel.schedule(e, t0);  // already past
    ASSERT_TRUE(wheel.next_deadline().has_value());
    EXPECT_LE(*wheel.next_deadline(), t0 + 1s);
    EXPECT_EQ(wheel.advance(t0 + 1s, [](auto&) {}), 1u);
}

TEST(timer_wheel, a_callback_may_rearm_its_own_entry) {
    timer_wheel wheel(t0);
    timer_wheel::entry tick;
    int fired = 0;
    wheel.schedule(tick, t0 + 1s);
    for (auto now = t0; now <= t0 + 5s; now += 100ms) {
        wheel.advance(now, [&](timer_wheel::entry& e) {
            ++fired;
            wheel.schedule(e, now + 1s);
        });
    }
    EXPECT_EQ(fired, 5);
    EXPECT_TRUE(tick.scheduled());
}

TEST(timer_wheel, a_callback_may_cancel_another_expired_entry) {
    timer_wheel wheel(t0);
    timer_wheel::entry a, b;
    wheel.schedule(a, t0 + 1s);
    wheel.schedule(b, t0 + 1s);
    const std::size_t fired = wheel.advance(t0 + 2s, [&](timer_wheel::entry& e) { wheel.cancel(&e == &a ? b : a); });
    EXPECT_EQ(fired, 1u);
    EXPECT_TRUE(wheel.empty());
}

TEST(timer_wheel, next_deadline_reports_the_first_due_tick) {
    timer_wheel wheel(t0, 100ms, 512);
    EXPECT_FALSE(wheel.next_deadline().has_value());
    timer_wheel::entry a, b;
    wheel.schedule(a, t0 + 7s);
    wheel.schedule(b, t0 + 2550ms);
    EXPECT_EQ(wheel.next_deadline(), t0 + 2600ms);
    wheel.cancel(b);
    EXPECT_EQ(wheel.next_deadline(), t0 + 7s);
    wheel.cancel(a);
    EXPECT_FALSE(wheel.next_deadline().has_value());
}

TEST(timer_wheel, scheduling_on_another_wheel_moves_the_entry) {
    timer_wheel first(t0), second(t0);
    timer_wheel::entry e;
    first.schedule(e, t0 + 1s);
    second.schedule(e, t0 + 2s);
    EXPECT_EQ(first.size(), 0u);
    EXPECT_EQ(second.size(), 1u);
    EXPECT_EQ(second.advance(t0 + 2s, [](auto&) {}), 1u);
}

// Property test against a model: many entries, random deadlines up to several revolutions, random
// reschedules (earlier and later) and cancels, random advance steps. Each entry must fire exactly in
// the first advance() whose `now` reaches its deadline rounded up to the 100 ms tick.
TEST(timer_wheel, matches_a_model_under_random_operations) {
    constexpr int n = 3000;
    timer_wheel wheel(t0, 100ms, 64);  // revolution 6.4 s, deadlines up to 20 s
    std::mt19937_64 rng(12345);
    auto random_delay = [&] { return std::chrono::milliseconds(rng() % 20'000); };
    auto round_up = [](time_point t) {
        const auto since = t.time_since_epoch();
        const auto ticks = (since + 100ms - std::chrono::nanoseconds(1)) / 100ms;
        return time_point{} + ticks * 100ms;
    };

    struct item {
        timer_wheel::entry hook{this};
        std::optional<time_point> due;  // model: rounded deadline, nullopt when not armed
    };
    std::vector<std::unique_ptr<item>> items;
    for (int i = 0; i < n; ++i) {
        items.push_back(std::make_unique<item>());
        const auto deadline = t0 + random_delay();
        wheel.schedule(items.back()->hook, deadline);
        items.back()->due = round_up(deadline);
    }

    time_point now = t0;
    std::size_t total_fired = 0;
    for (int step = 0; step < 400; ++step) {
        for (int k = 0; k < 20; ++k) {  // mutate a few entries
            item& it = *items[rng() % n];
            if (rng() % 4 == 0) {
                wheel.cancel(it.hook);
                it.due.reset();
            } else {
                const auto deadline = now + random_delay();
                wheel.schedule(it.hook, deadline);
                it.due = round_up(deadline);
            }
        }
        now += std::chrono::milliseconds(rng() % 300);
        wheel.advance(now, [&](timer_wheel::entry& e) {
            item& it = *e.owner_as<item>();
            ASSERT_TRUE(it.due.has_value());
            ASSERT_LE(*it.due, now) << "fired early";
            it.due.reset();
            ++total_fired;
        });
        std::size_t armed = 0;
        for (auto& it : items) {
            if (!it->due) continue;
            ++armed;
            ASSERT_GT(*it->due, now) << "missed: due before now but not fired";
            ASSERT_TRUE(it->hook.scheduled());
        }
        ASSERT_EQ(wheel.size(), armed);
        if (armed > 0) {
            ASSERT_TRUE(wheel.next_deadline().has_value());
            time_point earliest = time_point::max();
            for (auto& it : items)
                if (it->due && *it->due < earliest) earliest = *it->due;
            ASSERT_LE(*wheel.next_deadline(), earliest);
        }
    }
    EXPECT_GT(total_fired, std::size_t{n}) << "the model test fired too few timers to mean anything";
    // A jump far ahead fires everything still armed, each once.
    std::size_t still_armed = wheel.size();
    EXPECT_EQ(wheel.advance(now + 24h, [](auto&) {}), still_armed);
    EXPECT_TRUE(wheel.empty());
}

}  // namespace
}  // namespace tallyhub
