#include "app/demo_source.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iterator>

#include <fmt/format.h>

#include "core/log.hpp"

namespace tallyhub::app {

demo_generator::demo_generator(std::uint64_t seed, unsigned core)
    : rng_(seed * 0x9E3779B97F4A7C15ull + core + 1), core_(core) {}

event_type demo_generator::next(std::string& body) {
    body.clear();
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    // A payment follows an order about nine times in ten; the oldest waiting order is paid next.
    if (!unpaid_.empty() && (unit(rng_) < 0.5 || unpaid_.size() > 1000)) {
        auto [order, cents] = unpaid_.front();
        unpaid_.pop_front();
        fmt::format_to(std::back_inserter(body), R"({{"PaymentId":"pay-{}-{}","OrderId":"demo-{}-{}","Amount":{}.{:02}}})",
                       core_, ++payments_, core_, order, cents / 100, cents % 100);
        return event_type::payment_processed;
    }
    ++orders_;
    // Log-normal basket: median about 40, clamped to [5, 500].
    std::lognormal_distribution<double> basket(std::log(40.0), 0.8);
    const double amount = std::clamp(basket(rng_), 5.0, 500.0);
    const auto cents = static_cast<std::int64_t>(std::llround(amount * 100));
    std::uniform_int_distribution<int> customer(1, 5000);
    fmt::format_to(std::back_inserter(body),
                   R"({{"OrderId":"demo-{}-{}","CustomerId":"customer-{}","TotalAmount":{}.{:02},"Currency":"USD"}})",
                   core_, orders_, customer(rng_), cents / 100, cents % 100);
    if (unit(rng_) < 0.9) unpaid_.emplace_back(orders_, cents);
    return event_type::order_created;
}

demo_source::demo_source(analytics& engine, double events_per_second, std::uint64_t seed, unsigned core)
    : engine_(engine), rate_(events_per_second), gen_(seed, core) {}

void demo_source::stop() {
    running_ = false;
    wake_.cancel();
}

task<void> demo_source::run() {
    using namespace std::chrono;
    // A round per tick (at most 20 ms), so that every tick has news to broadcast.
    const auto round = std::clamp<milliseconds>(engine_.options().tick, milliseconds(1), milliseconds(20));
    std::string body;
    double owed = 0;  // events due but not yet generated (fractions carry over)
    auto last = steady_clock::now();
    while (running_) {
        co_await io::sleep(round).cancel_with(wake_);
        if (!running_) break;
        auto now = steady_clock::now();
        owed += rate_ * duration<double>(now - last).count();
        last = now;
        const std::int64_t at = analytics::now_ms();
        // At most one second's worth per round: a stalled loop does not produce a burst.
        owed = std::min(owed, std::max(rate_, 1.0));
        for (; owed >= 1.0; owed -= 1.0) {
            if (gen_.next(body) == event_type::order_created) {
                auto e = decoder_.decode_order(body);
                if (e) (void)engine_.apply(*e, at);
                else log_error("demo: generated an invalid order: {}", e.err().reason);
            } else {
                auto e = decoder_.decode_payment(body);
                if (e) (void)engine_.apply(*e, at);
                else log_error("demo: generated an invalid payment: {}", e.err().reason);
            }
        }
    }
}

}  // namespace tallyhub::app
