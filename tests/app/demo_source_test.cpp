// The demo source's bodies: reproducible from the seed, different per core, and every one of them
// decodes through the same path as events from the bus (so `make demo` exercises the real decoder).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "app/demo_source.hpp"
#include "app/events.hpp"

namespace {

using namespace tallyhub::app;

std::vector<std::string> bodies(std::uint64_t seed, unsigned core, int n) {
    demo_generator g(seed, core);
    std::vector<std::string> out;
    std::string body;
    for (int i = 0; i < n; ++i) {
        g.next(body);
        out.push_back(body);
    }
    return out;
}

TEST(demo_generator, same_seed_and_core_give_the_same_events) {
    EXPECT_EQ(bodies(7, 0, 2000), bodies(7, 0, 2000));
    EXPECT_NE(bodies(7, 0, 50), bodies(8, 0, 50)) << "another seed, other events";
    EXPECT_NE(bodies(7, 0, 50), bodies(7, 1, 50)) << "each core its own sequence";
}

TEST(demo_generator, every_body_decodes_and_payments_follow_their_orders) {
    demo_generator g(3, 1);
    event_decoder decoder;
    std::string body;
    int orders = 0, payments = 0;
    tallyhub::app::money min{1'000'000'000}, max{0};
    for (int i = 0; i < 20'000; ++i) {
        if (g.next(body) == event_type::order_created) {
            auto e = decoder.decode_order(body);
            ASSERT_TRUE(e.ok()) << body << ": " << e.err().reason;
            EXPECT_TRUE(e->order_id.view().starts_with("demo-1-")) << body;
            EXPECT_EQ(e->currency.view(), "USD");
            if (e->total_amount.units < min.units) min = e->total_amount;
            if (e->total_amount.units > max.units) max = e->total_amount;
            ++orders;
        } else {
            auto e = decoder.decode_payment(body);
            ASSERT_TRUE(e.ok()) << body << ": " << e.err().reason;
            EXPECT_TRUE(e->has_amount) << body;
            ++payments;
        }
    }
    EXPECT_GE(min.units, 5 * 10'000) << "amounts from 5";
    EXPECT_LE(max.units, 500 * 10'000) << "amounts up to 500";
    // About nine payments in ten orders, all of them for orders already generated.
    EXPECT_GT(payments, orders * 8 / 10);
    EXPECT_LE(payments, orders);
}

}  // namespace
