#pragma once
// The probing shared by tallyhub's hand-written hash indexes (app/dedup_window.hpp,
// signalr/connection_table.hpp): a power-of-two array of 4-byte slots, each 0 (empty) or a
// position + 1 in the owner's own storage, where the keys live. Linear probing from a key's home
// slot; the owner keeps the array at most half full. Deletion shifts later entries of the probe
// run back, so lookups never meet tombstones.
//
// Written here rather than taken from a library because the indexes are about storing 4 bytes per
// key, with keys compared through the owner's storage; std::unordered_map keeps a node a key.

#include <cstddef>
#include <cstdint>

namespace tallyhub::open_index {

inline constexpr std::size_t npos = ~std::size_t(0);

/// The slot holding the position `is_key(position)` accepts, probing from `home`; npos when an
/// empty slot comes first.
template <typename IsKey>
std::size_t find(const std::uint32_t* slots, std::size_t mask, std::size_t home, IsKey&& is_key) {
    for (std::size_t i = home;; i = (i + 1) & mask) {
        const std::uint32_t v = slots[i];
        if (v == 0) return npos;
        if (is_key(std::uint32_t(v - 1))) return i;
    }
}

/// The first empty slot from `home` (there is one: the array is at most half full).
inline std::size_t free_slot(const std::uint32_t* slots, std::size_t mask, std::size_t home) noexcept {
    std::size_t i = home;
    while (slots[i] != 0) i = (i + 1) & mask;
    return i;
}

/// Empties slot `hole`. Each later entry of its probe run moves into the hole unless its home,
/// `home_of(position)`, lies cyclically in (hole, entry's slot].
template <typename HomeOf>
void erase(std::uint32_t* slots, std::size_t mask, std::size_t hole, HomeOf&& home_of) {
    for (std::size_t j = (hole + 1) & mask; slots[j] != 0; j = (j + 1) & mask) {
        const std::size_t h = home_of(std::uint32_t(slots[j] - 1));
        const bool stays = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j);
        if (stays) continue;
        slots[hole] = slots[j];
        hole = j;
    }
    slots[hole] = 0;
}

}  // namespace tallyhub::open_index
