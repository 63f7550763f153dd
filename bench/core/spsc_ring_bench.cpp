// spsc_ring micro benchmarks: single-thread push/pop cost, batch drain, and two-thread throughput side by
// side with the obvious baseline (std::deque behind a std::mutex).
#include "core/spsc_ring.hpp"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

namespace {

using tallyhub::spsc_ring;

// Spins briefly, then yields: on an oversubscribed machine a pure spin burns the other side's timeslice.
struct backoff {
    unsigned spins = 0;
    void wait() {
        if (++spins > 64) std::this_thread::yield();
    }
};

void BM_push_pop_one(benchmark::State& state) {
    spsc_ring<std::uint64_t> ring(1024);
    std::uint64_t i = 0;
    for (auto _ : state) {
        ring.try_push(std::uint64_t{i++});
        benchmark::DoNotOptimize(ring.try_pop());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_push_pop_one);

// 64 pushes then one drain: the consumer publishes its progress once per batch.
void BM_push_64_drain(benchmark::State& state) {
    spsc_ring<std::uint64_t> ring(1024);
    std::uint64_t sum = 0;
    for (auto _ : state) {
        for (std::uint64_t i = 0; i < 64; ++i) ring.try_push(std::uint64_t{i});
        ring.pop_all([&](std::uint64_t v) { sum += v; });
    }
    benchmark::DoNotOptimize(sum);
    state.SetItemsProcessed(state.iterations() * 64);
}
BENCHMARK(BM_push_64_drain);

// Two threads, equal iteration counts: thread 0 produces, thread 1 consumes (spinning when full/empty).
spsc_ring<std::uint64_t> shared_ring(1024);

void BM_two_thread_ring(benchmark::State& state) {
    if (state.thread_index() == 0) {
        std::uint64_t i = 0;
        for (auto _ : state) {
            for (backoff b; !shared_ring.try_push(std::uint64_t{i});) b.wait();
            ++i;
        }
        state.SetItemsProcessed(state.iterations());
    } else {
        std::uint64_t sum = 0;
        for (auto _ : state) {
            std::optional<std::uint64_t> v;
            for (backoff b; !(v = shared_ring.try_pop());) b.wait();
            sum += *v;
        }
        benchmark::DoNotOptimize(sum);
    }
}
BENCHMARK(BM_two_thread_ring)->Threads(2)->UseRealTime();

// Same, but the consumer takes whatever is there in one drain (how a reactor polls its mailboxes).
void BM_two_thread_ring_drain(benchmark::State& state) {
    if (state.thread_index() == 0) {
        std::uint64_t i = 0;
        for (auto _ : state) {
            for (backoff b; !shared_ring.try_push(std::uint64_t{i});) b.wait();
            ++i;
        }
        state.SetItemsProcessed(state.iterations());
    } else {
        // Each iteration accounts for one item; when none is buffered, drain whatever has arrived.
        std::uint64_t buffered = 0, sum = 0;
        for (auto _ : state) {
            for (backoff b; buffered == 0; b.wait()) buffered = shared_ring.pop_all([&](std::uint64_t v) { sum += v; });
            --buffered;
        }
        benchmark::DoNotOptimize(sum);
    }
}
BENCHMARK(BM_two_thread_ring_drain)->Threads(2)->UseRealTime();

std::mutex baseline_mutex;
std::deque<std::uint64_t> baseline_queue;

void BM_two_thread_mutex_deque_baseline(benchmark::State& state) {
    if (state.thread_index() == 0) {
        std::uint64_t i = 0;
        for (auto _ : state) {
            std::lock_guard lock(baseline_mutex);
            baseline_queue.push_back(i++);
        }
        state.SetItemsProcessed(state.iterations());
    } else {
        std::uint64_t sum = 0;
        for (auto _ : state) {
            for (backoff b;; b.wait()) {
                std::lock_guard lock(baseline_mutex);
                if (!baseline_queue.empty()) {
                    sum += baseline_queue.front();
                    baseline_queue.pop_front();
                    break;
                }
            }
        }
        benchmark::DoNotOptimize(sum);
    }
}
BENCHMARK(BM_two_thread_mutex_deque_baseline)->Threads(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
