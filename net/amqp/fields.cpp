#include "net/amqp/fields.hpp"

namespace tallyhub::amqp {

bool field_reader::invalid(const char* field, const char* what) noexcept {
    return r_.fail(failure::format(condition::invalid_field, "%s: field '%s' %s", composite_, field, what));
}

bool field_reader::wrong_type(const value& v, const char* field, const char* expected) noexcept {
    return r_.fail("%s: field '%s' is a %s, expected %s", composite_, field, kind_name(v.type).data(), expected);
}

// One field, or null past the end of a shortened list. A null mandatory field fails here.
bool field_reader::read_slow(value& v, const char* field, need n) noexcept {
    if (r_.at_end()) {
        if (r_.failed()) return false;
        v.reset();
    } else if (!r_.next(v)) {
        return false;
    }
    if (v.is_null() && n == need::mandatory) return invalid(field, "is mandatory");
    return true;
}

template <typename T>
bool field_reader::unsigned_field(T& out, bool& present, const char* field, need n, kind k) noexcept {
    value& v = v_;
    present = false;
    if (!read(v, field, n)) return false;
    if (v.is_null()) return true;
    if (v.type != k) return wrong_type(v, field, kind_name(k).data());
    out = T(v.u);
    present = true;
    return true;
}

bool field_reader::boolean_slow(bool& out, const char* field, need n) noexcept {
    bool present;
    return unsigned_field(out, present, field, n, kind::boolean);
}

bool field_reader::boolean_slow(std::optional<bool>& out, const char* field) noexcept {
    bool v = false, present;
    if (!unsigned_field(v, present, field, need::optional, kind::boolean)) return false;
    out = present ? std::optional<bool>(v) : std::nullopt;
    return true;
}

bool field_reader::ubyte(std::uint8_t& out, const char* field, need n) noexcept {
    bool present;
    return unsigned_field(out, present, field, n, kind::ubyte);
}

bool field_reader::ubyte(std::optional<std::uint8_t>& out, const char* field) noexcept {
    std::uint8_t v = 0;
    bool present;
    if (!unsigned_field(v, present, field, need::optional, kind::ubyte)) return false;
    out = present ? std::optional<std::uint8_t>(v) : std::nullopt;
    return true;
}

bool field_reader::ushort(std::uint16_t& out, const char* field, need n) noexcept {
    bool present;
    return unsigned_field(out, present, field, n, kind::ushort);
}

bool field_reader::ushort(std::optional<std::uint16_t>& out, const char* field) noexcept {
    std::uint16_t v = 0;
    bool present;
    if (!unsigned_field(v, present, field, need::optional, kind::ushort)) return false;
    out = present ? std::optional<std::uint16_t>(v) : std::nullopt;
    return true;
}

bool field_reader::uint_slow(std::uint32_t& out, const char* field, need n) noexcept {
    bool present;
    return unsigned_field(out, present, field, n, kind::uint);
}

bool field_reader::uint_slow(std::optional<std::uint32_t>& out, const char* field) noexcept {
    std::uint32_t v = 0;
    bool present;
    if (!unsigned_field(v, present, field, need::optional, kind::uint)) return false;
    out = present ? std::optional<std::uint32_t>(v) : std::nullopt;
    return true;
}

bool field_reader::ulong(std::uint64_t& out, const char* field, need n) noexcept {
    bool present;
    return unsigned_field(out, present, field, n, kind::ulong);
}

bool field_reader::timestamp(std::optional<std::int64_t>& out, const char* field) noexcept {
    value& v = v_;
    if (!read(v, field, need::optional)) return false;
    if (v.is_null()) {
        out.reset();
        return true;
    }
    if (v.type != kind::timestamp) return wrong_type(v, field, "timestamp");
    out = v.i;
    return true;
}

bool field_reader::binary_slow(bytes_view& out, const char* field, need n) noexcept {
    value& v = v_;
    if (!read(v, field, n)) return false;
    if (v.is_null()) return true;
    if (v.type != kind::binary) return wrong_type(v, field, "binary");
    out = v.bytes;
    return true;
}

bool field_reader::binary_slow(std::optional<bytes_view>& out, const char* field) noexcept {
    value& v = v_;
    if (!read(v, field, need::optional)) return false;
    if (v.is_null()) {
        out.reset();
        return true;
    }
    if (v.type != kind::binary) return wrong_type(v, field, "binary");
    out = v.bytes;
    return true;
}

// string, symbol, or (text) either.
bool field_reader::text_slow(std::string_view& out, const char* field, need n, kind k, kind or_k) noexcept {
    value& v = v_;
    if (!read(v, field, n)) return false;
    if (v.is_null()) return true;
    if (v.type != k && v.type != or_k) return wrong_type(v, field, kind_name(k).data());
    out = v.text();
    return true;
}

bool field_reader::symbols(symbol_array& out, const char* field) noexcept {
    value& v = v_;
    if (!read(v, field, need::optional)) return false;
    if (!v.is_null() && v.type != kind::symbol && v.type != kind::array) return wrong_type(v, field, "symbol[]");
    return symbol_array::from(r_, v, out, field);
}

bool field_reader::map(map_view& out, const char* field) noexcept {
    value& v = v_;
    if (!read(v, field, need::optional)) return false;
    if (!v.is_null() && v.type != kind::map) return wrong_type(v, field, "map");
    return map_view::from(r_, v, out, field);
}

bool field_reader::finish() noexcept {
    value& v = v_;
    while (r_.next(v))
        if (!r_.validate(v)) return false;
    return !r_.failed();
}

}  // namespace tallyhub::amqp
