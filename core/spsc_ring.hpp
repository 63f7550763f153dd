#pragma once
// spsc_ring<T>: a bounded lock-free queue between exactly one producer thread and one consumer thread.
// Cores talk to each other through these (one ring per ordered pair of cores); waking the consumer
// (eventfd / IORING_OP_MSG_RING) is the caller's business, the ring only moves the items.
//
// Indices grow without bound (64-bit, they never wrap in practice) and are masked into the slot array,
// so "full" is `tail - head == capacity` and no slot is sacrificed. Each side keeps a private copy of
// the other side's index and reloads the shared one only when the copy says full/empty: in steady state
// a push touches only the producer's cache line and the slot, a pop only the consumer's line and the slot.
// Ordering is acquire/release only: the release store of `tail_` publishes the constructed slot, the
// release store of `head_` tells the producer the slot's old value has been destroyed.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace tallyhub {

template <typename T>
class spsc_ring {
    static_assert(std::is_move_constructible_v<T>, "spsc_ring elements must be move constructible");
    static_assert(std::is_nothrow_destructible_v<T>, "spsc_ring elements must not throw from destructors");

public:
    /// Creates an empty ring holding up to `capacity` items; `capacity` must be a power of two >= 2.
    explicit spsc_ring(std::size_t capacity)
        : mask_(checked_mask(capacity)), slots_(std::make_unique<slot[]>(capacity)) {}

    spsc_ring(const spsc_ring&) = delete;
    spsc_ring& operator=(const spsc_ring&) = delete;

    /// Destroys the items still queued. No thread may be using the ring any more.
    ~spsc_ring() {
        const std::size_t tail = tail_.load(std::memory_order_acquire);
        for (std::size_t i = head_.load(std::memory_order_relaxed); i != tail; ++i) at(i)->~T();
    }

    /// Producer: moves `value` in; returns false (and leaves `value` untouched) when the ring is full.
    bool try_push(T&& value) { return try_emplace(std::move(value)); }

    /// Producer: constructs an item in place; returns false when the ring is full.
    template <typename... Args>
    bool try_emplace(Args&&... args) {
        const std::size_t tail = tail_.load(std::memory_order_relaxed);
        if (tail - head_cache_ > mask_) {
            head_cache_ = head_.load(std::memory_order_acquire);
            if (tail - head_cache_ > mask_) return false;
        }
        ::new (static_cast<void*>(slots_[tail & mask_].bytes)) T(std::forward<Args>(args)...);
        tail_.store(tail + 1, std::memory_order_release);
        return true;
    }

    /// Consumer: takes the oldest item, or nullopt when the ring is empty.
    std::optional<T> try_pop() {
        const std::size_t head = head_.load(std::memory_order_relaxed);
        if (head == tail_cache_) {
            tail_cache_ = tail_.load(std::memory_order_acquire);
            if (head == tail_cache_) return std::nullopt;
        }
        T* item = at(head);
        std::optional<T> out(std::move(*item));
        item->~T();
        head_.store(head + 1, std::memory_order_release);
        return out;
    }

    /// Consumer: calls `fn(T&&)` on up to `max` items in FIFO order and frees their slots with one
    /// release store at the end. Returns the number consumed. If `fn` throws, the items handed out so
    /// far (including the one that threw) are consumed and the rest stay queued.
    template <typename Fn>
    std::size_t drain(Fn&& fn, std::size_t max) {
        const std::size_t head = head_.load(std::memory_order_relaxed);
        if (tail_cache_ - head < max) tail_cache_ = tail_.load(std::memory_order_acquire);
        const std::size_t available = tail_cache_ - head;
        const std::size_t n = available < max ? available : max;
        if (n == 0) return 0;  // an empty poll writes nothing

        std::size_t done = 0;
        struct commit {
            std::atomic<std::size_t>& head;
            std::size_t start;
            const std::size_t& done;
            ~commit() { head.store(start + done, std::memory_order_release); }
        } publish{head_, head, done};
        while (done < n) {
            T* item = at(head + done);
            ++done;
            struct destroy {
                T* p;
                ~destroy() { p->~T(); }
            } guard{item};
            fn(std::move(*item));
        }
        return n;
    }

    /// Consumer: drains every item visible at the time of the call (see drain()).
    template <typename Fn>
    std::size_t pop_all(Fn&& fn) {
        return drain(std::forward<Fn>(fn), std::numeric_limits<std::size_t>::max());
    }

    /// Number of queued items; exact for the producer or consumer when the other side is idle,
    /// a snapshot in [0, capacity] otherwise. Callable from any thread.
    std::size_t size_approx() const noexcept {
        // head first: head only grows and never passes tail, so tail - head cannot go negative.
        const std::size_t head = head_.load(std::memory_order_acquire);
        const std::size_t tail = tail_.load(std::memory_order_acquire);
        const std::size_t n = tail - head;
        return n > mask_ ? mask_ + 1 : n;
    }

    /// True when no item is queued (a snapshot, like size_approx()).
    bool empty() const noexcept { return size_approx() == 0; }

    /// Maximum number of queued items.
    std::size_t capacity() const noexcept { return mask_ + 1; }

private:
    // 128 rather than 64: x86's adjacent-line prefetcher pulls cache lines in pairs, so two indices
    // 64 bytes apart still interfere.
    static constexpr std::size_t line_ = 128;

    struct slot {
        alignas(T) unsigned char bytes[sizeof(T)];
    };

    static std::size_t checked_mask(std::size_t capacity) {
        if (capacity < 2 || (capacity & (capacity - 1)) != 0)
            throw std::invalid_argument("spsc_ring capacity must be a power of two >= 2");
        return capacity - 1;
    }

    T* at(std::size_t index) noexcept { return std::launder(reinterpret_cast<T*>(slots_[index & mask_].bytes)); }

    // Read-only after construction, shared by both sides.
    const std::size_t mask_;
    const std::unique_ptr<slot[]> slots_;

    // Producer's line: its index and its stale view of the consumer's.
    alignas(line_) std::atomic<std::size_t> tail_{0};
    std::size_t head_cache_ = 0;

    // Consumer's line: its index and its stale view of the producer's. The class is aligned to line_,
    // so its size rounds up and whatever follows it in memory starts on a fresh line.
    alignas(line_) std::atomic<std::size_t> head_{0};
    std::size_t tail_cache_ = 0;
};

}  // namespace tallyhub
