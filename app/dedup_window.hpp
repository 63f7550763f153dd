#pragma once
// dedup_window: the dedup keys (AMQP message ids) counted during the last --dedup-window, kept on
// core 0 (DESIGN §6: "the commit records processed message ids, so a redelivered message is
// recognised and not counted twice"). Bounded in time and in count: past --dedup-max-keys the
// oldest keys go first, and a redelivery of one of those would be counted again (logged).
//
// Every delivery of a durable run passes through insert() on core 0, so this is on the ingest path
// at a million and more keys a second. A node-based std::unordered_set spent a third of core 0's
// time there (one allocation and a few cache misses a key, twice once the window is full and each
// insert also evicts). The layout instead:
//   - a ring of {key, time} in insertion order, max_keys long: the eviction and expiry order, and
//     what snapshots write;
//   - an open-addressing index (core/open_index.hpp: linear probing, load at most 1/2) of 4-byte
//     ring positions, keyed by the digest's low bits (the key is already a uniform hash), with
//     backward-shift deletion, so removing the oldest key leaves no tombstones.
// Both are mapped once, for max_keys, as zero pages the kernel provides on first touch: a window
// holding few keys costs little resident memory.

#include <cstdint>

#include "app/dedup_key.hpp"
#include "core/open_index.hpp"

namespace tallyhub::app {

class dedup_window {
public:
    dedup_window(std::int64_t window_ms, std::size_t max_keys);

    /// True if `key` was inserted and has not expired.
    bool contains(const dedup_key& key) const noexcept { return find_slot(key) != npos; }
    /// Records `key` as counted at `at_ms`; false if it was already there.
    bool insert(const dedup_key& key, std::int64_t at_ms);
    /// Forgets keys older than the window at `now_ms`.
    void expire(std::int64_t now_ms);

    std::size_t size() const noexcept { return size_; }
    std::uint64_t evicted() const noexcept { return evicted_; }  ///< dropped early by the count limit

    /// Every key with its time, oldest first (for snapshots).
    template <typename Fn>
    void for_each(Fn&& fn) const {
        for (std::size_t i = 0; i < size_; ++i) {
            const entry& e = ring_[(head_ + i) % capacity_];
            fn(e.key, e.at_ms);
        }
    }

private:
    struct entry {
        dedup_key key;
        std::int64_t at_ms;
    };
    // An anonymous private mapping: zero pages the kernel provides on first touch. (calloc through
    // the allocator may write the zeros itself, making every page of a 64 MB window resident.)
    template <typename T>
    class mapped_array {
    public:
        explicit mapped_array(std::size_t n);
        ~mapped_array();
        mapped_array(const mapped_array&) = delete;
        mapped_array& operator=(const mapped_array&) = delete;
        T& operator[](std::size_t i) noexcept { return p_[i]; }
        const T& operator[](std::size_t i) const noexcept { return p_[i]; }
        T* data() noexcept { return p_; }
        const T* data() const noexcept { return p_; }
    private:
        T* p_;
        std::size_t bytes_;
    };
    static constexpr std::size_t npos = open_index::npos;

    std::size_t home(const dedup_key& k) const noexcept { return std::size_t(k.lo) & mask_; }
    std::size_t find_slot(const dedup_key& k) const noexcept;  // index slot holding k, or npos
    void erase_oldest() noexcept;

    std::int64_t window_ms_;
    std::size_t capacity_;  // ring length: max_keys
    mapped_array<entry> ring_;
    std::size_t head_ = 0;  // oldest entry
    std::size_t size_ = 0;
    mapped_array<std::uint32_t> index_;  // ring position + 1; 0 = empty
    std::size_t mask_;                                      // index length - 1 (a power of two)
    std::uint64_t evicted_ = 0;
};

}  // namespace tallyhub::app
