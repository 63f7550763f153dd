#include "core/counters.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace tallyhub {
namespace {

struct ingest_counters {
    counter deliveries;
    counter rejected;
    gauge links;
};

TEST(counters, counter_and_gauge_basics) {
    counter c;
    EXPECT_EQ(c.load(), 0u);
    c.add();
    c.add(41);
    EXPECT_EQ(c.load(), 42u);

    gauge g;
    g.add(5);
    g.sub(7);
    EXPECT_EQ(g.load(), -2);
    g.set(10);
    EXPECT_EQ(g.load(), 10);
}

TEST(counters, sums_one_named_counter_over_all_cores) {
    per_core_counters<ingest_counters> stats(4);
    EXPECT_EQ(stats.cores(), 4u);
    for (std::size_t core = 0; core < 4; ++core) {
        stats.local(core).deliveries.add(10 * (core + 1));
        stats.local(core).rejected.add(core);
    }
    stats.local(0).links.add(3);
    stats.local(2).links.sub(1);  // a link counted on core 0's books may be dropped on core 2's

    EXPECT_EQ(stats.sum(&ingest_counters::deliveries), 100u);
    EXPECT_EQ(stats.sum(&ingest_counters::rejected), 6u);
    EXPECT_EQ(stats.sum(&ingest_counters::links), 2);
    EXPECT_EQ(stats.at(3).deliveries.load(), 40u);
}

TEST(counters, blocks_of_different_cores_never_share_a_cache_line) {
    per_core_counters<ingest_counters> stats(3);
    for (std::size_t core = 0; core + 1 < stats.cores(); ++core) {
        const auto here = reinterpret_cast<std::uintptr_t>(&stats.at(core));
        const auto next = reinterpret_cast<std::uintptr_t>(&stats.at(core + 1));
        EXPECT_EQ(here % per_core_counters<ingest_counters>::line, 0u);
        EXPECT_GE(next - here, per_core_counters<ingest_counters>::line);
        // The last byte of this block and the first of the next are on different lines.
        EXPECT_NE((here + sizeof(ingest_counters) - 1) / per_core_counters<ingest_counters>::line,
                  next / per_core_counters<ingest_counters>::line);
    }
}

// Each core thread increments only its own block while a reader keeps summing: the reader's totals
// never go backwards and the final total is exact (no lost increments without any RMW).
TEST(counters, concurrent_owners_and_reader_see_monotonic_exact_totals) {
    constexpr std::size_t cores = 2;
    constexpr std::uint64_t per_core = 2'000'000;
    per_core_counters<ingest_counters> stats(cores);
    std::atomic<bool> go{false};

    std::vector<std::thread> owners;
    for (std::size_t core = 0; core < cores; ++core) {
        owners.emplace_back([&, core] {
            while (!go.load(std::memory_order_acquire)) {
            }
            auto& mine = stats.local(core);
            for (std::uint64_t i = 0; i < per_core; ++i) mine.deliveries.add();
        });
    }

    go.store(true, std::memory_order_release);
    std::uint64_t last = 0, reads = 0;
    bool monotonic = true;
    while (last < cores * per_core) {
        const std::uint64_t now = stats.sum(&ingest_counters::deliveries);
        monotonic = monotonic && now >= last;
        last = now;
        ++reads;
    }
    for (auto& t : owners) t.join();

    EXPECT_TRUE(monotonic);
    EXPECT_EQ(stats.sum(&ingest_counters::deliveries), cores * per_core);
    EXPECT_GT(reads, 0u);
}

}  // namespace
}  // namespace tallyhub
