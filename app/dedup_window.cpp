#include "app/dedup_window.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <new>

namespace tallyhub::app {

template <typename T>
dedup_window::mapped_array<T>::mapped_array(std::size_t n) : bytes_(std::max<std::size_t>(n, 1) * sizeof(T)) {
    void* p = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    p_ = static_cast<T*>(p);
}

template <typename T>
dedup_window::mapped_array<T>::~mapped_array() {
    ::munmap(p_, bytes_);
}

template class dedup_window::mapped_array<dedup_window::entry>;
template class dedup_window::mapped_array<std::uint32_t>;

dedup_window::dedup_window(std::int64_t window_ms, std::size_t max_keys)
    : window_ms_(window_ms),
      capacity_(std::max<std::size_t>(max_keys, 1)),
      ring_(capacity_),
      index_(std::bit_ceil(capacity_ * 2)),
      mask_(std::bit_ceil(capacity_ * 2) - 1) {}

std::size_t dedup_window::find_slot(const dedup_key& k) const noexcept {
    for (std::size_t i = home(k);; i = (i + 1) & mask_) {
        const std::uint32_t v = index_[i];
        if (v == 0) return npos;
        if (ring_[v - 1].key == k) return i;
    }
}

bool dedup_window::insert(const dedup_key& key, std::int64_t at_ms) {
    std::size_t i = home(key);
    for (;; i = (i + 1) & mask_) {
        const std::uint32_t v = index_[i];
        if (v == 0) break;
        if (ring_[v - 1].key == key) return false;
    }
    if (size_ == capacity_) {
        erase_oldest();
        ++evicted_;
        // The shift may have moved entries into the probe path: find the free slot again.
        for (i = home(key); index_[i] != 0; i = (i + 1) & mask_) {
        }
    }
    const std::size_t pos = (head_ + size_) % capacity_;
    ring_[pos] = entry{key, at_ms};
    index_[i] = std::uint32_t(pos + 1);
    ++size_;
    return true;
}

void dedup_window::expire(std::int64_t now_ms) {
    while (size_ > 0 && ring_[head_].at_ms < now_ms - window_ms_) erase_oldest();
}

// Removes the oldest key from the index (backward-shift deletion: each later entry of the same
// probe run moves into the hole when its home allows, so lookups never need tombstones) and the ring.
void dedup_window::erase_oldest() noexcept {
    std::size_t hole = find_slot(ring_[head_].key);
    for (std::size_t j = (hole + 1) & mask_; index_[j] != 0; j = (j + 1) & mask_) {
        const std::size_t h = home(ring_[index_[j] - 1].key);
        // j's entry may fill the hole unless its home lies cyclically in (hole, j].
        const bool home_after_hole = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j);
        if (home_after_hole) continue;
        index_[hole] = index_[j];
        hole = j;
    }
    index_[hole] = 0;
    head_ = (head_ + 1) % capacity_;
    --size_;
}

}  // namespace tallyhub::app
