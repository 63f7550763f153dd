// histogram micro benchmarks: record() on the hot path, and the scrape-side work (percentiles, merging
// per-core histograms, Prometheus cumulative buckets).
#include "core/histogram.hpp"

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

namespace {

using tallyhub::histogram;

// Log-uniform latencies from 1 ns to 10 s; a power-of-two count so the index wraps with a mask.
std::vector<std::uint64_t> latencies() {
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> exponent(0.0, 10.0);
    std::vector<std::uint64_t> out(1 << 16);
    for (auto& v : out) v = static_cast<std::uint64_t>(std::pow(10.0, exponent(rng)));
    return out;
}

void BM_record(benchmark::State& state) {
    const auto values = latencies();
    auto h = std::make_unique<histogram>();
    std::size_t i = 0;
    for (auto _ : state) {
        h->record(values[i++ & (values.size() - 1)]);
        benchmark::ClobberMemory();
    }
    benchmark::DoNotOptimize(h->count());
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_record);

// Baseline for the above: the cheapest possible recording, appending to a preallocated array.
void BM_append_to_array_baseline(benchmark::State& state) {
    const auto values = latencies();
    std::vector<std::uint64_t> samples(values.size());
    std::size_t i = 0;
    for (auto _ : state) {
        samples[i & (values.size() - 1)] = values[i & (values.size() - 1)];
        ++i;
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_append_to_array_baseline);

void BM_percentile_p99(benchmark::State& state) {
    auto h = std::make_unique<histogram>();
    for (auto v : latencies()) h->record(v);
    for (auto _ : state) benchmark::DoNotOptimize(h->percentile(0.99));
}
BENCHMARK(BM_percentile_p99);

void BM_merge(benchmark::State& state) {
    auto a = std::make_unique<histogram>(), b = std::make_unique<histogram>();
    for (auto v : latencies()) b->record(v);
    for (auto _ : state) {
        a->merge(*b);
        benchmark::ClobberMemory();
    }
}
BENCHMARK(BM_merge);

void BM_prometheus_buckets(benchmark::State& state) {
    auto h = std::make_unique<histogram>();
    for (auto v : latencies()) h->record(v);
    // 100 µs .. 10 s in nanoseconds, the usual latency ladder.
    const std::vector<std::uint64_t> bounds = {100'000, 250'000, 500'000, 1'000'000, 2'500'000, 5'000'000,
                                               10'000'000, 25'000'000, 50'000'000, 100'000'000, 250'000'000,
                                               500'000'000, 1'000'000'000, 2'500'000'000, 5'000'000'000, 10'000'000'000};
    std::vector<std::uint64_t> out(bounds.size());
    for (auto _ : state) {
        h->cumulative_counts(bounds, out);
        benchmark::DoNotOptimize(out.data());
    }
}
BENCHMARK(BM_prometheus_buckets);

}  // namespace

BENCHMARK_MAIN();
