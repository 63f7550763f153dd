// event_ingest on a real single-core reactor: the outcome of each kind of delivery (applied,
// rejected with the decoder's reason, ignored), the counters /metrics shows, and the commit epochs
// that tell the AMQP layer when an applied delivery may be settled.
#include "app/ingest.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "core/io.hpp"
#include "tests/core/reactor_harness.hpp"

namespace tallyhub::app {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view order = R"({"OrderId":"o-1","TotalAmount":12.5,"Currency":"EUR"})";

struct recording_listener final : commit_listener {
    std::vector<std::uint64_t> heard;
    void committed(std::uint64_t epoch) override { heard.push_back(epoch); }
};

analytics_options fast_ticks() {
    analytics_options o;
    o.tick = 20ms;
    o.broadcast_interval = 20ms;
    return o;
}

TEST(event_ingest, outcomes_and_counters) {
    tallyhub::testing::run_on_reactor(backend_kind::epoll, []() -> task<void> {
        analytics engine(fast_ticks(), 1);
        event_ingest in(engine);

        auto a = in.ingest("OrderCreated", order, analytics::now_ms());
        EXPECT_EQ(a.outcome, ingest_outcome::applied);
        EXPECT_EQ(a.epoch, 1u);
        auto p = in.ingest("paymentprocessed", R"({"orderId":"o-1","amount":"12.50"})", analytics::now_ms());
        EXPECT_EQ(p.outcome, ingest_outcome::applied) << "type names match case-insensitively";

        auto bad = in.ingest("OrderCreated", R"({"TotalAmount":3})", analytics::now_ms());
        EXPECT_EQ(bad.outcome, ingest_outcome::rejected);
        EXPECT_EQ(bad.reason, "missing required property 'OrderId'");
        EXPECT_EQ(bad.errc, event_errc::missing_order_id);
        auto neg = in.ingest("OrderCreated", R"({"OrderId":"o-2","TotalAmount":-1})", analytics::now_ms());
        EXPECT_EQ(neg.outcome, ingest_outcome::rejected);
        EXPECT_EQ(neg.reason, "amount must not be negative");
        auto junk = in.ingest("PaymentProcessed", "not json at all", analytics::now_ms());
        EXPECT_EQ(junk.outcome, ingest_outcome::rejected);
        EXPECT_EQ(junk.errc, event_errc::not_json);
        EXPECT_EQ(junk.reason, "body is not valid JSON");

        auto other = in.ingest("CustomerRegistered", "{}", analytics::now_ms());
        EXPECT_EQ(other.outcome, ingest_outcome::ignored);
        auto none = in.ingest("", order, analytics::now_ms());
        EXPECT_EQ(none.outcome, ingest_outcome::ignored) << "no type: not ours to count";

        const auto& c = in.counters();
        EXPECT_EQ(c.applied.load(), 2u);
        EXPECT_EQ(c.rejected.load(), 3u);
        EXPECT_EQ(c.ignored.load(), 2u);
        EXPECT_EQ(c.by_reason[int(event_errc::missing_order_id)].load(), 1u);
        EXPECT_EQ(c.by_reason[int(event_errc::negative_amount)].load(), 1u);
        EXPECT_EQ(c.by_reason[int(event_errc::not_json)].load(), 1u);
        EXPECT_EQ(ingest_reason_label(event_errc::missing_order_id), "missing_order_id");
        EXPECT_EQ(engine.counters(0).orders_applied.load(), 1u);
        EXPECT_EQ(engine.counters(0).payments_applied.load(), 1u);
        co_return;
    });
}

TEST(event_ingest, a_tick_commits_the_epoch_of_what_was_applied_before_it) {
    tallyhub::testing::run_on_reactor(backend_kind::epoll, []() -> task<void> {
        analytics engine(fast_ticks(), 1);
        event_ingest in(engine);
        recording_listener l;
        engine.add_commit_listener(l);
        engine.start_core();

        auto first = in.ingest("OrderCreated", order, analytics::now_ms());
        EXPECT_EQ(first.epoch, 1u);
        for (int i = 0; i < 100 && l.heard.empty(); ++i) co_await io::sleep(5ms);
        EXPECT_FALSE(l.heard.empty()) << "no tick committed within 500 ms";
        if (!l.heard.empty()) {
            EXPECT_GE(l.heard.front(), first.epoch);
        }
        EXPECT_EQ(engine.latest().snapshot.totals.orders, 1) << "committed means merged and published";

        // Applied after that commit: a later epoch, covered only by a later commit.
        auto second = in.ingest("OrderCreated", R"({"OrderId":"o-9","TotalAmount":"1.0001"})", analytics::now_ms());
        EXPECT_GT(second.epoch, first.epoch);
        EXPECT_LT(l.heard.back(), second.epoch);
        const auto heard_before = l.heard.size();
        for (int i = 0; i < 100 && l.heard.back() < second.epoch; ++i) co_await io::sleep(5ms);
        EXPECT_GE(l.heard.back(), second.epoch);
        EXPECT_GT(l.heard.size(), heard_before);
        for (std::size_t i = 1; i < l.heard.size(); ++i) EXPECT_EQ(l.heard[i], l.heard[i - 1] + 1) << "one epoch per tick";
        EXPECT_EQ(engine.latest().snapshot.totals.orders, 2);
        EXPECT_EQ(engine.latest().snapshot.totals.revenue.units, 125'000 + 10'001);

        engine.remove_commit_listener(l);
        engine.stop_core();
        co_await io::sleep(30ms);  // the loops see the stop
    });
}

}  // namespace
}  // namespace tallyhub::app
