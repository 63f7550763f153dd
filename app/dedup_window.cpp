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
    return open_index::find(index_.data(), mask_, home(k), [&](std::uint32_t pos) { return ring_[pos].key == k; });
}

bool dedup_window::insert(const dedup_key& key, std::int64_t at_ms) {
    if (find_slot(key) != npos) return false;
    if (size_ == capacity_) {
        erase_oldest();
        ++evicted_;
    }
    const std::size_t pos = (head_ + size_) % capacity_;
    ring_[pos] = entry{key, at_ms};
    index_[open_index::free_slot(index_.data(), mask_, home(key))] = std::uint32_t(pos + 1);
    ++size_;
    return true;
}

void dedup_window::expire(std::int64_t now_ms) {
    while (size_ > 0 && ring_[head_].at_ms < now_ms - window_ms_) erase_oldest();
}

// Removes the oldest key from the index and the ring.
void dedup_window::erase_oldest() noexcept {
    open_index::erase(index_.data(), mask_, find_slot(ring_[head_].key),
                      [&](std::uint32_t pos) { return home(ring_[pos].key); });
    head_ = (head_ + 1) % capacity_;
    --size_;
}

}  // namespace tallyhub::app
