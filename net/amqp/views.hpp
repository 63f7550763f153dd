#pragma once
// Views of the two compound shapes that performatives and messages carry: `symbol_array` (a field
// declared `symbol multiple="true"`: capabilities, locales, outcomes, SASL mechanisms) and
// `map_view` (fields, annotations, application-properties, filters). Both are checked completely
// when they are made from decoded bytes, so reading them afterwards cannot fail.

#include "net/amqp/reader.hpp"

#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string_view>

namespace tallyhub::amqp {

/// Null (empty), a single symbol, or an array of symbols; or, for encoding, a span of symbols.
class symbol_array {
public:
    symbol_array() noexcept = default;
    /// Symbols to encode; `symbols` must outlive the array.
    symbol_array(std::span<const std::string_view> symbols) noexcept
        : list_(symbols.data()), count_(std::uint32_t(symbols.size())) {}
    template <std::size_t N>
    symbol_array(const std::string_view (&symbols)[N]) noexcept : list_(symbols), count_(std::uint32_t(N)) {}

    /// Sets `out` from `v`, a value `parent` produced: null, one symbol (AMQP lets a peer send a
    /// single symbol where an array is allowed), or an array of sym8/sym32. Anything else fails.
    static bool from(reader& parent, const value& v, symbol_array& out, const char* what) noexcept;

    std::size_t size() const noexcept { return count_; }
    bool empty() const noexcept { return count_ == 0; }
    bool contains(std::string_view symbol) const noexcept;

    class iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = std::string_view;
        using difference_type = std::ptrdiff_t;
        using pointer = void;
        using reference = std::string_view;

        iterator() noexcept = default;
        std::string_view operator*() const noexcept;
        iterator& operator++() noexcept;
        iterator operator++(int) noexcept {
            iterator old = *this;
            ++*this;
            return old;
        }
        friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.index_ == b.index_; }

    private:
        friend class symbol_array;
        iterator(const symbol_array* a, std::uint32_t index) noexcept : array_(a), index_(index) {}
        const symbol_array* array_ = nullptr;
        std::uint32_t index_ = 0;
        std::size_t offset_ = 0;  // encoded form: where element index_ starts
    };
    iterator begin() const noexcept { return {this, 0}; }
    iterator end() const noexcept { return {this, count_}; }

private:
    const std::string_view* list_ = nullptr;  // built for encoding
    std::string_view single_;                 // decoded single symbol
    bytes_view encoded_;                      // decoded array: elements, each behind a length of width_
    std::uint32_t count_ = 0;
    std::uint8_t width_ = 0;                  // 1 (sym8) or 4 (sym32) for encoded_
};

/// One entry of a map.
struct map_entry {
    value key;
    value val;
};

/// A map whose keys and values have all been checked (nested compounds included).
class map_view {
public:
    map_view() noexcept = default;

    /// Sets `out` from `v`, a value `parent` produced: null (an empty map) or a map, every item of
    /// which is checked down to the depth limit. Anything else fails.
    static bool from(reader& parent, const value& v, map_view& out, const char* what) noexcept;

    /// Entries (key-value pairs).
    std::size_t size() const noexcept { return count_ / 2; }
    bool empty() const noexcept { return count_ == 0; }
    /// The encoded keys and values and their number (twice `size()`), e.g. to re-encode the map.
    bytes_view encoded() const noexcept { return items_; }
    std::uint32_t item_count() const noexcept { return count_; }

    /// The value of the first entry whose key is a string or symbol equal to `key`.
    std::optional<value> find(std::string_view key) const noexcept;
    /// The same, when that value is a string (or a symbol).
    std::optional<std::string_view> find_string(std::string_view key) const noexcept;

    class iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using value_type = map_entry;
        using difference_type = std::ptrdiff_t;
        using pointer = const map_entry*;
        using reference = const map_entry&;

        iterator() noexcept = default;
        const map_entry& operator*() const noexcept { return entry_; }
        const map_entry* operator->() const noexcept { return &entry_; }
        iterator& operator++() noexcept;
        friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.left_ == b.left_; }

    private:
        friend class map_view;
        iterator(bytes_view rest, std::uint32_t pairs) noexcept;
        void load() noexcept;
        bytes_view rest_;
        std::uint32_t left_ = 0;
        map_entry entry_;
    };
    iterator begin() const noexcept { return {items_, count_ / 2}; }
    iterator end() const noexcept { return {}; }

private:
    bytes_view items_;
    std::uint32_t count_ = 0;
};

}  // namespace tallyhub::amqp
