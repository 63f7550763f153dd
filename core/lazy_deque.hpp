#pragma once
// A FIFO that costs one pointer while empty. libstdc++'s std::deque allocates its map and a 512-byte
// block in its constructor, even when nothing is ever queued; a per-connection queue that is empty
// nearly always (a long-polling inbox, a stateful-reconnect replay buffer) would make every idle
// connection pay ~600 bytes for it. This one allocates on the first push and frees the deque when
// it empties again, so only connections with something queued hold memory.

#include <cassert>
#include <deque>
#include <memory>
#include <utility>

namespace tallyhub {

template <typename T>
class lazy_deque {
public:
    using const_iterator = typename std::deque<T>::const_iterator;

    bool empty() const noexcept { return !d_ || d_->empty(); }
    std::size_t size() const noexcept { return d_ ? d_->size() : 0; }

    void push_back(T v) { queue().push_back(std::move(v)); }
    template <typename... Args>
    T& emplace_back(Args&&... args) {
        return queue().emplace_back(std::forward<Args>(args)...);
    }

    T& front() noexcept {
        assert(!empty());
        return d_->front();
    }
    const T& front() const noexcept {
        assert(!empty());
        return d_->front();
    }
    T& back() noexcept {
        assert(!empty());
        return d_->back();
    }

    /// Removes the front element; the last one takes the deque's memory with it.
    void pop_front() noexcept {
        assert(!empty());
        d_->pop_front();
        if (d_->empty()) d_.reset();
    }
    void clear() noexcept { d_.reset(); }

    const_iterator begin() const noexcept { return d_ ? d_->cbegin() : empty_deque().cbegin(); }
    const_iterator end() const noexcept { return d_ ? d_->cend() : empty_deque().cend(); }

private:
    std::deque<T>& queue() {
        if (!d_) d_ = std::make_unique<std::deque<T>>();
        return *d_;
    }
    // What an empty lazy_deque iterates over (allocated once per element type, never freed).
    static const std::deque<T>& empty_deque() {
        static const std::deque<T>* const e = new std::deque<T>();
        return *e;
    }
    std::unique_ptr<std::deque<T>> d_;
};

}  // namespace tallyhub
