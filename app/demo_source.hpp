#pragma once
// --demo-rate N: synthetic OrderCreated and PaymentProcessed events, generated in-process so that
// `make demo` shows a live dashboard without a broker. Each core generates its share of N events per
// second as JSON bodies and sends them through the same decode-and-apply path as events from AMQP.
// Seeded (--demo-seed, mixed with the core number): a run with the same seed and cores produces the
// same sequence of bodies.
//
// The mix: orders with amounts between 5 and 500 (two decimals, skewed towards small baskets), and a
// payment for about 90% of them, a little later.

#include <cstdint>
#include <deque>
#include <utility>
#include <random>
#include <string>

#include "app/analytics.hpp"
#include "app/events.hpp"
#include "core/io.hpp"
#include "core/task.hpp"

namespace tallyhub::app {

/// The body generator alone (tests use it to check reproducibility and that bodies decode).
class demo_generator {
public:
    demo_generator(std::uint64_t seed, unsigned core);
    /// The next event: its type and JSON body.
    event_type next(std::string& body);

private:
    std::mt19937_64 rng_;
    unsigned core_;
    std::uint64_t orders_ = 0;
    std::uint64_t payments_ = 0;
    std::deque<std::pair<std::uint64_t, std::int64_t>> unpaid_;  // (order number, cents) to be paid
};

/// One core's demo producer: every 20 ms, the events due since the last round.
class demo_source {
public:
    demo_source(analytics& engine, double events_per_second, std::uint64_t seed, unsigned core);
    /// Runs until stop().
    task<void> run();
    void stop();

private:
    analytics& engine_;
    double rate_;
    demo_generator gen_;
    event_decoder decoder_;
    bool running_ = true;
    io::cancel_slot wake_;
};

}  // namespace tallyhub::app
