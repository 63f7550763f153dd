#pragma once
// dedup_window: the dedup keys (AMQP message ids) counted during the last --dedup-window, kept on
// core 0 (DESIGN §6: "the commit records processed message ids, so a redelivered message is
// recognised and not counted twice"). Bounded in time and in count: past --dedup-max-keys the
// oldest keys go first, and a redelivery of one of those would be counted again (logged).

#include <cstdint>
#include <deque>
#include <unordered_set>

#include "app/dedup_key.hpp"

namespace tallyhub::app {

class dedup_window {
public:
    /// The bucket table is sized for `max_keys` at once (8 bytes a key: 16 MB at the default 2 M), so
    /// a growing window never rehashes on core 0 in the middle of a tick (a third of its ingest time).
    dedup_window(std::int64_t window_ms, std::size_t max_keys) : window_ms_(window_ms), max_keys_(max_keys) {
        keys_.reserve(max_keys_);
    }

    /// True if `key` was inserted and has not expired.
    bool contains(const dedup_key& key) const { return keys_.contains(key); }
    /// Records `key` as counted at `at_ms`; false if it was already there.
    bool insert(const dedup_key& key, std::int64_t at_ms);
    /// Forgets keys older than the window at `now_ms`.
    void expire(std::int64_t now_ms);

    std::size_t size() const noexcept { return keys_.size(); }
    std::uint64_t evicted() const noexcept { return evicted_; }  ///< dropped early by the count limit

    /// Every key with its time, oldest first (for snapshots).
    template <typename Fn>
    void for_each(Fn&& fn) const {
        for (const auto& [at, key] : order_) fn(key, at);
    }

private:
    std::int64_t window_ms_;
    std::size_t max_keys_;
    std::deque<std::pair<std::int64_t, dedup_key>> order_;  // insertion (time) order
    std::unordered_set<dedup_key, dedup_key_hash> keys_;
    std::uint64_t evicted_ = 0;
};

}  // namespace tallyhub::app
