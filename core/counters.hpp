#pragma once
// Per-core metrics counters. Each core owns its own block of counters and is the ONLY thread that
// writes them; any other thread (the admin /metrics endpoint) may read them at any time.
//
// The single-writer rule is what makes this cheap: an increment is a relaxed load plus a relaxed store
// of the same atomic (compiled to a plain `add` to memory on x86), never a locked read-modify-write,
// and the owner's cache line is only shared when a reader actually looks. Two threads writing the
// same counter would lose increments: do not do that (route the work to the owner core instead).
//
// A reader summing over cores gets each counter's value as of some recent moment; the total is not a
// snapshot across cores or across counters (a request may show in `requests` before `bytes`), which
// is all Prometheus-style scraping needs. Counters never tear (64-bit atomic loads and stores).
//
// Usage:
//   struct ingest_counters { counter deliveries; counter rejected; gauge links; };
//   per_core_counters<ingest_counters> stats(cores);
//   stats.local(this_core).deliveries.add();                   // on the owner core
//   std::uint64_t total = stats.sum(&ingest_counters::deliveries);  // anywhere

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace tallyhub {

/// A monotonically increasing count with a single writer (its owner core) and any number of readers.
class counter {
public:
    /// Owner only: adds `n`.
    void add(std::uint64_t n = 1) noexcept {
        value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    /// Any thread: the current value.
    std::uint64_t load() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

/// A level that goes up and down (open connections, queued bytes) with a single writer.
/// Per-core gauges may be negative (a connection counted on one core, dropped on another) even though
/// their sum is not.
class gauge {
public:
    /// Owner only: adds `n` (may be negative).
    void add(std::int64_t n = 1) noexcept {
        value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    /// Owner only: subtracts `n`.
    void sub(std::int64_t n = 1) noexcept { add(-n); }
    /// Owner only: replaces the value.
    void set(std::int64_t v) noexcept { value_.store(v, std::memory_order_relaxed); }
    /// Any thread: the current value.
    std::int64_t load() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::int64_t> value_{0};
};

/// One `Block` (a struct of counter / gauge members) per core, each on its own cache lines so one
/// core's increments never invalidate another core's line.
template <typename Block>
class per_core_counters {
public:
    /// Padding unit: 128 bytes, because x86's adjacent-line prefetcher couples 64-byte lines in pairs.
    static constexpr std::size_t line = 128;

    /// `cores` zeroed blocks.
    explicit per_core_counters(std::size_t cores) : cores_(cores), blocks_(std::make_unique<padded[]>(cores)) {}

    /// The block owned by `core`: only that core may call add()/set() on it.
    Block& local(std::size_t core) noexcept { return blocks_[core].block; }
    /// Read-only view of `core`'s block, for any thread.
    const Block& at(std::size_t core) const noexcept { return blocks_[core].block; }
    /// Number of cores.
    std::size_t cores() const noexcept { return cores_; }

    /// Total of one counter over all cores, e.g. sum(&ingest_counters::deliveries).
    std::uint64_t sum(counter Block::*member) const noexcept {
        std::uint64_t total = 0;
        for (std::size_t i = 0; i < cores_; ++i) total += (blocks_[i].block.*member).load();
        return total;
    }
    /// Total of one gauge over all cores.
    std::int64_t sum(gauge Block::*member) const noexcept {
        std::int64_t total = 0;
        for (std::size_t i = 0; i < cores_; ++i) total += (blocks_[i].block.*member).load();
        return total;
    }

private:
    // alignas rounds sizeof(padded) up to a multiple of `line`, so consecutive blocks never share one.
    struct alignas(line) padded {
        Block block{};
    };

    std::size_t cores_;
    std::unique_ptr<padded[]> blocks_;
};

}  // namespace tallyhub
