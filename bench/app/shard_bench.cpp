// metric_shard / kpi_state micro benchmarks: the per-event cost on a decoding core (target ≤ 50 ns),
// and core 0's per-tick cost of merging 16 shard deltas and taking the snapshot.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "app/kpi_state.hpp"
#include "app/metric_shard.hpp"

namespace {

using namespace tallyhub::app;

constexpr std::int64_t t0 = 1796299200000;

std::vector<money> amounts() {
    std::mt19937_64 rng(5);
    std::vector<money> out(1 << 12);
    for (auto& m : out) m = money{static_cast<std::int64_t>(rng() % 5'000'000)};
    return out;
}

// One event per iteration; the clock moves 1 ms every 16 events, and every 10,000 events a "tick" takes
// the delta and recycles it, as the runtime would (its cost is spread over the events).
void BM_shard_apply_order(benchmark::State& state) {
    const auto values = amounts();
    metric_shard shard;
    std::int64_t i = 0;
    for (auto _ : state) {
        auto r = shard.apply_order(values[static_cast<std::size_t>(i) & (values.size() - 1)], t0 + i / 16);
        benchmark::DoNotOptimize(r);
        if (++i % 10'000 == 0) shard.recycle(shard.take_delta());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_shard_apply_order);

void BM_shard_apply_payment(benchmark::State& state) {
    metric_shard shard;
    std::int64_t i = 0;
    for (auto _ : state) {
        auto r = shard.apply_payment(t0 + i / 16);
        benchmark::DoNotOptimize(r);
        if (++i % 10'000 == 0) shard.recycle(shard.take_delta());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_shard_apply_payment);

// Baseline for the above: the cheapest possible counting, two plain adds.
void BM_plain_counter_baseline(benchmark::State& state) {
    const auto values = amounts();
    std::int64_t orders = 0, revenue = 0;
    std::size_t i = 0;
    for (auto _ : state) {
        ++orders;
        revenue += values[i++ & (values.size() - 1)].units;
        benchmark::DoNotOptimize(revenue);
    }
    benchmark::DoNotOptimize(orders);
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_plain_counter_baseline);

// Core 0's tick: merge 16 deltas of range(0) orders each (spread over two seconds, plus a payment per
// ten orders), then snapshot. Items = deltas merged.
void BM_merge_16_deltas(benchmark::State& state) {
    const auto values = amounts();
    const auto orders = static_cast<std::int64_t>(state.range(0));
    std::vector<metric_delta> deltas;
    for (int k = 0; k < 16; ++k) {
        metric_shard shard;
        for (std::int64_t i = 0; i < orders; ++i) {
            (void)shard.apply_order(values[static_cast<std::size_t>(k * orders + i) & (values.size() - 1)],
                                    t0 + i * 100 / (orders == 0 ? 1 : orders) * 10);
            if (i % 10 == 0) (void)shard.apply_payment(t0 + 500);
        }
        deltas.push_back(shard.take_delta());
    }
    kpi_state kpi;
    std::int64_t now = t0 + 1000;
    std::size_t batches = 0;
    for (auto _ : state) {
        // The deltas are reused every tick; re-stamp their seconds to follow the clock so they stay in
        // the window (32 stores, inside the timing).
        for (auto& d : deltas)
            for (std::size_t j = 0; j < d.seconds.size(); ++j)
                d.seconds[j].second = now / 1000 - 1 + static_cast<std::int64_t>(j);
        for (const auto& d : deltas) benchmark::DoNotOptimize(kpi.merge(d, now));
        kpi_snapshot s = kpi.snapshot(now);
        batches += s.batches.size();
        benchmark::DoNotOptimize(s);
        now += 100;
    }
    state.SetItemsProcessed(state.iterations() * 16);
    state.counters["batches_per_tick"] = static_cast<double>(batches) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_merge_16_deltas)->Arg(10)->Arg(1000);

}  // namespace

BENCHMARK_MAIN();
