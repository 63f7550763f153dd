#pragma once
// dedup_key: the 128-bit XXH3 digest of a delivery's dedup key (an AMQP message id, or the event's
// own id). Digests rather than the ids themselves: 16 bytes per key in memory and in the journal
// whatever the id's length, computed on the core that received the event, compared with two loads.
// At the window's limit of a few million keys the chance of two different ids colliding is about
// 1e-26; a collision would make one event look like a redelivery of another.

#include <cstdint>
#include <functional>
#include <string_view>

#include <xxhash.h>

namespace tallyhub::app {

struct dedup_key {
    std::uint64_t lo = 0;
    std::uint64_t hi = 0;
    friend bool operator==(const dedup_key&, const dedup_key&) = default;
};

inline dedup_key dedup_key_of(std::string_view id) noexcept {
    const XXH128_hash_t h = XXH3_128bits(id.data(), id.size());
    return {h.low64, h.high64};
}

struct dedup_key_hash {
    std::size_t operator()(const dedup_key& k) const noexcept { return std::size_t(k.lo); }
};

}  // namespace tallyhub::app
