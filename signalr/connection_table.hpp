#pragma once
// One core's hub connections: a dense array (what broadcasts and sweeps walk) and an index from
// connection id to position in it (what sends to one client and group changes by id look up).
//
// Written here rather than a std::unordered_map because of what it costs per idle connection: a
// map node is 48 bytes plus its bucket; this is 8 bytes in the array and 4-byte index slots at
// most half full, about 24 bytes in all. The index is core/open_index.hpp's (linear probing,
// backward-shift deletion), as app/dedup_window's is; it holds positions in the array, and keys are
// compared through the connection, so ids are stored once, inside the connections.
//
// `Conn` provides `std::string_view id() const`, `std::uint32_t slot() const` and
// `void set_slot(std::uint32_t)`; the table keeps slot() equal to the connection's position.

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "core/open_index.hpp"

namespace tallyhub::signalr {

template <typename Conn>
class connection_table {
public:
    /// The connection with this id, or null.
    Conn* find(std::string_view id) const noexcept {
        if (all_.empty()) return nullptr;
        const std::size_t i =
            open_index::find(index_.data(), mask(), home(id), [&](std::uint32_t pos) { return all_[pos]->id() == id; });
        return i == open_index::npos ? nullptr : all_[index_[i] - 1];
    }

    /// Adds `c`, whose id no connection in the table has.
    void insert(Conn* c) {
        if ((all_.size() + 1) * 2 > index_.size()) grow();
        c->set_slot(std::uint32_t(all_.size()));
        all_.push_back(c);
        place(c->id(), std::uint32_t(all_.size()));
    }

    /// Removes `c`; false when it is not in the table.
    bool erase(Conn* c) noexcept {
        if (c->slot() >= all_.size() || all_[c->slot()] != c) return false;
        const std::size_t at = entry_of(c->id(), c->slot());
        open_index::erase(index_.data(), mask(), at, [&](std::uint32_t p) { return home(all_[p]->id()); });
        // The last connection takes c's position.
        const std::uint32_t pos = c->slot();
        Conn* last = all_.back();
        all_.pop_back();
        if (last != c) {
            const std::size_t e = entry_of(last->id(), std::uint32_t(all_.size()));
            index_[e] = pos + 1;
            all_[pos] = last;
            last->set_slot(pos);
        }
        return true;
    }

    /// Every connection, in no particular order; stable while nothing is inserted or erased.
    std::span<Conn* const> all() const noexcept { return all_; }
    std::size_t size() const noexcept { return all_.size(); }
    bool empty() const noexcept { return all_.empty(); }

private:
    std::size_t mask() const noexcept { return index_.size() - 1; }
    std::size_t home(std::string_view id) const noexcept { return std::hash<std::string_view>{}(id) & mask(); }

    // The index slot of the connection at `pos` in all_, whose id is `id` (it is in the table).
    std::size_t entry_of(std::string_view id, std::uint32_t pos) const noexcept {
        return open_index::find(index_.data(), mask(), home(id), [&](std::uint32_t p) { return p == pos; });
    }

    void place(std::string_view id, std::uint32_t entry) noexcept {
        index_[open_index::free_slot(index_.data(), mask(), home(id))] = entry;
    }

    void grow() {
        std::vector<std::uint32_t> bigger(index_.empty() ? 16 : index_.size() * 2, 0);
        index_.swap(bigger);
        for (std::uint32_t p = 0; p < all_.size(); ++p) place(all_[p]->id(), p + 1);
    }

    std::vector<Conn*> all_;
    std::vector<std::uint32_t> index_;  // position in all_ + 1; 0 = empty; size a power of two
};

}  // namespace tallyhub::signalr
