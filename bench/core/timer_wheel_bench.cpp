// timer_wheel micro benchmarks with 10k and 100k armed timers (one per connection): arm/disarm, the
// keep-alive "touch" (push a deadline later on every received frame), and a steady-state 100 ms tick.
// Baseline side by side: the same work on a std::multimap keyed by deadline (a balanced tree).
#include "core/timer_wheel.hpp"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <vector>

namespace {

using namespace std::chrono_literals;
using tallyhub::timer_wheel;
using time_point = timer_wheel::time_point;

const time_point t0 = time_point{} + 1000h;

struct connection {
    timer_wheel::entry idle{this};
    std::multimap<time_point, connection*>::iterator baseline_pos{};
};

std::vector<std::chrono::milliseconds> random_delays(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::chrono::milliseconds> out(n);
    for (auto& d : out) d = std::chrono::milliseconds(1000 + rng() % 120'000);  // 1 s .. 2 min
    return out;
}

// Arm one more timer and disarm it again, among n armed ones.
void BM_wheel_schedule_cancel(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    timer_wheel wheel(t0);
    std::vector<std::unique_ptr<connection>> conns(n);
    const auto delays = random_delays(n, 1);
    for (std::size_t i = 0; i < n; ++i) {
        conns[i] = std::make_unique<connection>();
        wheel.schedule(conns[i]->idle, t0 + delays[i]);
    }
    connection extra;
    std::size_t i = 0;
    for (auto _ : state) {
        wheel.schedule(extra.idle, t0 + delays[i++ % n]);
        wheel.cancel(extra.idle);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_wheel_schedule_cancel)->Arg(10'000)->Arg(100'000);

void BM_multimap_schedule_cancel_baseline(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    std::multimap<time_point, connection*> timers;
    const auto delays = random_delays(n, 1);
    for (std::size_t i = 0; i < n; ++i) timers.emplace(t0 + delays[i], nullptr);
    std::size_t i = 0;
    for (auto _ : state) timers.erase(timers.emplace(t0 + delays[i++ % n], nullptr));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_multimap_schedule_cancel_baseline)->Arg(10'000)->Arg(100'000);

// Keep-alive touch: connection k got a frame, its idle deadline moves to now + 60 s.
void BM_wheel_touch(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    timer_wheel wheel(t0);
    std::vector<std::unique_ptr<connection>> conns(n);
    for (auto& c : conns) {
        c = std::make_unique<connection>();
        wheel.schedule(c->idle, t0 + 60s);
    }
    std::size_t k = 0;
    auto now = t0;
    for (auto _ : state) {
        now += 1us;
        wheel.schedule(conns[k]->idle, now + 60s);
        k = k + 1 == n ? 0 : k + 1;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_wheel_touch)->Arg(10'000)->Arg(100'000);

void BM_multimap_touch_baseline(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    std::multimap<time_point, connection*> timers;
    std::vector<std::unique_ptr<connection>> conns(n);
    for (auto& c : conns) {
        c = std::make_unique<connection>();
        c->baseline_pos = timers.emplace(t0 + 60s, c.get());
    }
    std::size_t k = 0;
    auto now = t0;
    for (auto _ : state) {
        now += 1us;
        connection& c = *conns[k];
        auto node = timers.extract(c.baseline_pos);  // reuse the node: no allocation
        node.key() = now + 60s;
        c.baseline_pos = timers.insert(std::move(node));
        k = k + 1 == n ? 0 : k + 1;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_multimap_touch_baseline)->Arg(10'000)->Arg(100'000);

// One 100 ms tick of a loop with n connections whose deadlines are spread over two minutes; each
// expired timer is re-armed 2 minutes out, so the wheel stays at n entries.
void BM_wheel_advance_tick(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    timer_wheel wheel(t0);
    std::vector<std::unique_ptr<connection>> conns(n);
    const auto delays = random_delays(n, 2);
    for (std::size_t i = 0; i < n; ++i) {
        conns[i] = std::make_unique<connection>();
        wheel.schedule(conns[i]->idle, t0 + delays[i]);
    }
    auto now = t0;
    std::size_t fired = 0;
    for (auto _ : state) {
        now += 100ms;
        fired += wheel.advance(now, [&](timer_wheel::entry& e) { wheel.schedule(e, now + 120s); });
    }
    state.counters["fired_per_tick"] = static_cast<double>(fired) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_wheel_advance_tick)->Arg(10'000)->Arg(100'000);

}  // namespace

BENCHMARK_MAIN();
