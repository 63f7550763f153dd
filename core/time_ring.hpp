#pragma once
// time_ring<T>: a fixed ring of slots indexed by a monotonic integer time unit (a unix second for the
// sliding window, a unix day for daily sales). Slot `t` lives at index t mod capacity and is valid while
// head − capacity < t ≤ head, where head is the newest unit seen.
//
// Lifecycle of a slot: advance(t) moves head forward and hands every slot that falls out of the ring to
// the caller's eviction callback (so running sums can subtract it) before resetting it to T{}. Moving
// head by g units costs O(min(g, capacity)): each unit is evicted once, so the cost is O(1) amortized
// per unit of time, however long the ring sat idle.
//
// Plain single-owner state: no atomics, no locks. Core-local by design.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tallyhub {

template <typename T>
class time_ring {
public:
    /// A ring of `capacity` slots (at least 1), all empty, with head at `start`.
    explicit time_ring(std::size_t capacity, std::int64_t start = 0)
        : slots_(capacity == 0 ? 1 : capacity), head_(start) {}

    /// Number of slots (the span of units it can hold).
    std::int64_t capacity() const noexcept { return static_cast<std::int64_t>(slots_.size()); }

    /// Newest unit the ring holds.
    std::int64_t head() const noexcept { return head_; }

    /// Oldest unit the ring holds (head − capacity + 1).
    std::int64_t tail() const noexcept { return head_ - capacity() + 1; }

    /// True when `t` is inside the ring (tail ≤ t ≤ head).
    bool holds(std::int64_t t) const noexcept { return t <= head_ && t >= tail(); }

    /// Moves head to `t` if that is newer, calling `on_evict(unit, slot)` for each slot that
    /// leaves the ring (oldest first) before it is reset. An older `t` changes nothing.
    template <typename OnEvict>
    void advance(std::int64_t t, OnEvict&& on_evict) {
        if (t <= head_) return;
        const std::int64_t gap = t - head_;
        // The oldest min(gap, capacity) units leave (past a full turn the rest of the gap is empty
        // time), and their slots are the ones the entering units reuse.
        const std::int64_t n = gap < capacity() ? gap : capacity();
        const std::int64_t first = tail();
        for (std::int64_t u = first; u < first + n; ++u) {
            T& s = slots_[index(u)];
            on_evict(u, s);
            s = T{};
        }
        head_ = t;
    }

    /// Moves head to `t` if newer, discarding what leaves the ring.
    void advance(std::int64_t t) {
        advance(t, [](std::int64_t, const T&) {});
    }

    /// The slot of unit `t`, advancing head first when `t` is newer; nullptr when `t` is older than tail.
    template <typename OnEvict>
    T* slot(std::int64_t t, OnEvict&& on_evict) {
        advance(t, on_evict);
        return t >= tail() ? &slots_[index(t)] : nullptr;
    }

    /// The slot of unit `t` if the ring holds it, else nullptr. Never moves head.
    const T* find(std::int64_t t) const noexcept { return holds(t) ? &slots_[index(t)] : nullptr; }

    /// Mutable slot of unit `t` if the ring holds it, else nullptr. Never moves head.
    T* find(std::int64_t t) noexcept { return holds(t) ? &slots_[index(t)] : nullptr; }

private:
    std::size_t index(std::int64_t t) const noexcept {
        const std::int64_t c = capacity();
        const std::int64_t r = t % c;
        return static_cast<std::size_t>(r < 0 ? r + c : r);
    }

    std::vector<T> slots_;
    std::int64_t head_;
};

}  // namespace tallyhub
