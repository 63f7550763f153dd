#pragma once
// An AMQP 1.0 encoder that appends to a std::string, always in the smallest encoding: uint0 /
// smalluint / uint, sym8 / sym32, list0 / list8 / list32 and so on.
//
// Lists and maps are written in place and backpatched: `begin_list` reserves a list8 header,
// `end_list` fills in the size and count once the items are there, turns an empty list into list0,
// or widens the header to list32 (moving the items 6 bytes) in the rare case they do not fit.
// A composite list is shortened on the way: `end_list` cuts the trailing items that are null or
// that the caller marked `as_default()`, which is what AMQP's "missing trailing fields are null"
// allows and what peers send (proton's 4-field transfer).

#include "net/amqp/views.hpp"

#include <string>

namespace tallyhub::amqp {

class writer {
public:
    explicit writer(std::string& out) noexcept : out_(&out) {}

    std::string& out() const noexcept { return *out_; }

    void null();
    void boolean(bool v);
    void ubyte(std::uint8_t v);
    void ushort(std::uint16_t v);
    void uint(std::uint32_t v);
    void ulong(std::uint64_t v);
    void byte(std::int8_t v);
    void short_(std::int16_t v);
    void int_(std::int32_t v);
    void long_(std::int64_t v);
    void float_(float v);
    void double_(double v);
    void char_(char32_t v);
    void timestamp(std::int64_t ms_since_epoch);
    void uuid(std::span<const std::byte, 16> v);
    /// decimal32/64/128 (`c` is its constructor), raw IEEE 754 bytes of the matching width.
    void decimal(std::uint8_t c, bytes_view raw);
    void binary(bytes_view v);
    void string(std::string_view v);
    void symbol(std::string_view v);
    /// An array of symbols, or null when `v` is empty.
    void symbols(const symbol_array& v);
    /// A decoded map written back as it came, or null when `v` is empty.
    void map(const map_view& v);
    /// One value copied from decoded bytes (e.g. a `value` from a reader): any scalar or compound.
    void copy(const value& v);

    /// Makes the next value a described one: 0x00 + smallulong or ulong `code`, counted with that value.
    void descriptor(std::uint64_t code);

    /// An open list or map; pass it back to `end_list` / `end_map`.
    struct compound {
        std::size_t start;
        std::size_t sig_size;
        std::uint32_t count;
        std::uint32_t sig_count;
        bool next_default;
    };
    compound begin_list();
    /// Closes the list; with `shorten`, trailing items that are null or `as_default` are dropped.
    void end_list(const compound& c, bool shorten = true);
    compound begin_map();
    void end_map(const compound& c);

    /// Marks the next value as equal to its field's default: a shortened list may drop it from its end.
    writer& as_default(bool is_default = true) noexcept {
        next_default_ = is_default;
        return *this;
    }

private:
    void item(bool significant) noexcept;
    void put(std::uint8_t c) { out_->push_back(char(c)); }
    void put_fixed(std::uint8_t c, const void* be_bytes, std::size_t n);
    void put_variable(std::uint8_t c8, std::uint8_t c32, const void* data, std::size_t n);
    void end_compound(const compound& c, std::uint8_t c8, std::uint8_t c32, std::uint32_t count);

    std::string* out_;
    // The innermost open list or map: items written, and the size/count up to its last significant item.
    std::uint32_t count_ = 0;
    std::uint32_t sig_count_ = 0;
    std::size_t sig_size_ = 0;
    bool next_default_ = false;
};

}  // namespace tallyhub::amqp
