#pragma once
// Typed, in-order reading of the fields of a composite type: a described list such as a
// performative, a terminus, a delivery state, a message header or properties section.
//
// The AMQP rules it applies (AMQP 1.0 part 1 §1.4, types.bare.xml):
//   * a list may be shortened: fields past its end read as null;
//   * a null field leaves the output at its default (the caller initialises outputs to defaults);
//   * a mandatory field that is null fails with amqp:invalid-field
//     "attach: field 'handle' is mandatory";
//   * a field of another type fails with amqp:decode-error "flow: field 'handle' is a string, expected uint";
//   * integer fields accept every encoding of their type (uint0, smalluint and uint for a uint);
//   * fields after the last known one (a newer peer) are checked and ignored by `finish()`.

#include "net/amqp/views.hpp"
#include "net/amqp/wire.hpp"

#include <optional>

namespace tallyhub::amqp {

/// Whether a field may be null.
enum class need : bool { optional, mandatory };

class field_reader {
public:
    /// Reads the items of a list; `composite` names it in failures ("attach", "source").
    field_reader(reader items, const char* composite) noexcept : r_(items), composite_(composite) {}

    bool boolean(bool& out, const char* field, need n = need::optional) noexcept;
    bool boolean(std::optional<bool>& out, const char* field) noexcept;
    bool ubyte(std::uint8_t& out, const char* field, need n = need::optional) noexcept;
    bool ubyte(std::optional<std::uint8_t>& out, const char* field) noexcept;
    bool ushort(std::uint16_t& out, const char* field, need n = need::optional) noexcept;
    bool ushort(std::optional<std::uint16_t>& out, const char* field) noexcept;
    bool uint(std::uint32_t& out, const char* field, need n = need::optional) noexcept;
    bool uint(std::optional<std::uint32_t>& out, const char* field) noexcept;
    bool ulong(std::uint64_t& out, const char* field, need n = need::optional) noexcept;
    bool timestamp(std::optional<std::int64_t>& out, const char* field) noexcept;
    bool binary(bytes_view& out, const char* field, need n = need::optional) noexcept;
    bool binary(std::optional<bytes_view>& out, const char* field) noexcept;
    bool string(std::string_view& out, const char* field, need n = need::optional) noexcept;
    bool symbol(std::string_view& out, const char* field, need n = need::optional) noexcept;
    /// A string, or a symbol from a lenient peer (terminus addresses, content-type).
    bool text(std::string_view& out, const char* field) noexcept;
    bool symbols(symbol_array& out, const char* field) noexcept;
    bool map(map_view& out, const char* field) noexcept;
    /// The next field as it is (for fields of type `*`): null past the end of a shortened list.
    /// Null on a failure; the value is valid until the next read from this field_reader.
    const value* any(const char* field, need n = need::optional) noexcept;

    /// Checks and skips fields after the last known one. Returns false if anything failed.
    bool finish() noexcept;

    /// A reader over the items of a compound field value `v` read by `any`.
    reader enter(const value& v) noexcept { return r_.enter(v); }
    reader& items() noexcept { return r_; }
    bool failed() const noexcept { return r_.failed(); }
    const char* composite() const noexcept { return composite_; }

    /// Records amqp:invalid-field "<composite>: field '<field>' <what>"; returns false.
    bool invalid(const char* field, const char* what) noexcept;

private:
    // Fast paths, inline: the encodings peers use for these fields, read straight from the bytes.
    // Each returns 1 for a value, 0 for null, -1 when the generic path must decide.
    int fast_uint(std::uint32_t& out) noexcept;
    int fast_boolean(bool& out) noexcept;
    int fast_vbin8(bytes_view& out) noexcept;
    int fast_text(std::string_view& out, std::uint8_t c8, std::uint8_t or_c8) noexcept;
    bool read(value& v, const char* field, need n) noexcept;

    // The generic paths, out of line.
    bool read_slow(value& v, const char* field, need n) noexcept;
    bool boolean_slow(bool& out, const char* field, need n) noexcept;
    bool boolean_slow(std::optional<bool>& out, const char* field) noexcept;
    bool uint_slow(std::uint32_t& out, const char* field, need n) noexcept;
    bool uint_slow(std::optional<std::uint32_t>& out, const char* field) noexcept;
    bool binary_slow(bytes_view& out, const char* field, need n) noexcept;
    bool binary_slow(std::optional<bytes_view>& out, const char* field) noexcept;
    bool text_slow(std::string_view& out, const char* field, need n, kind k, kind or_k) noexcept;
    bool wrong_type(const value& v, const char* field, const char* expected) noexcept;
    template <typename T>
    bool unsigned_field(T& out, bool& present, const char* field, need n, kind k) noexcept;

    reader r_;
    const char* composite_;
    value v_;  // scratch for the typed reads: one value per composite, not one per field
};

inline int field_reader::fast_uint(std::uint32_t& out) noexcept {
    std::uint8_t c;
    if (r_.past_end()) return 0;
    if (!r_.peek(c)) return -1;
    const std::byte* p = r_.position();
    switch (c) {
    case ctor::null: r_.consume(1); return 0;
    case ctor::uint0: r_.consume(1); out = 0; return 1;
    case ctor::smalluint:
        if (r_.available() < 2) return -1;
        out = wire::u8(p + 1);
        r_.consume(2);
        return 1;
    case ctor::uint:
        if (r_.available() < 5) return -1;
        out = wire::be32(p + 1);
        r_.consume(5);
        return 1;
    default: return -1;
    }
}

inline int field_reader::fast_boolean(bool& out) noexcept {
    std::uint8_t c;
    if (r_.past_end()) return 0;
    if (!r_.peek(c)) return -1;
    switch (c) {
    case ctor::null: r_.consume(1); return 0;
    case ctor::boolean_true: r_.consume(1); out = true; return 1;
    case ctor::boolean_false: r_.consume(1); out = false; return 1;
    default: return -1;
    }
}

inline int field_reader::fast_vbin8(bytes_view& out) noexcept {
    std::uint8_t c;
    if (r_.past_end()) return 0;
    if (!r_.peek(c)) return -1;
    if (c == ctor::null) {
        r_.consume(1);
        return 0;
    }
    if (c != ctor::vbin8 || r_.available() < 2) return -1;
    const std::byte* p = r_.position();
    std::size_t len = wire::u8(p + 1);
    if (r_.available() < 2 + len) return -1;
    out = {p + 2, len};
    r_.consume(2 + len);
    return 1;
}

inline int field_reader::fast_text(std::string_view& out, std::uint8_t c8, std::uint8_t or_c8) noexcept {
    std::uint8_t c;
    if (r_.past_end()) return 0;
    if (!r_.peek(c)) return -1;
    if (c == ctor::null) {
        r_.consume(1);
        return 0;
    }
    if ((c != c8 && c != or_c8) || r_.available() < 2) return -1;
    const std::byte* p = r_.position();
    std::size_t len = wire::u8(p + 1);
    if (r_.available() < 2 + len) return -1;
    if (!(c == ctor::str8 ? wire::is_utf8(p + 2, len) : wire::is_ascii(p + 2, len))) return -1;
    out = as_chars({p + 2, len});
    r_.consume(2 + len);
    return 1;
}

// Null, a shortened list's end and str8 are read here; the rest by the generic reader.
inline bool field_reader::read(value& v, const char* field, need n) noexcept {
    std::uint8_t c = 0;
    if (r_.past_end() || (r_.peek(c) && c == ctor::null)) {
        if (c == ctor::null) r_.consume(1);
        v.reset();
        return n == need::optional || invalid(field, "is mandatory");
    }
    if (c == ctor::str8) {
        std::string_view s;
        if (fast_text(s, ctor::str8, ctor::str8) == 1) {
            v.reset();
            v.type = kind::string;
            v.constructor = ctor::str8;
            v.bytes = as_bytes(s);
            return true;
        }
    }
    return read_slow(v, field, n);
}

// The typed reads: fast path inline, generic path out of line.

inline bool field_reader::boolean(bool& out, const char* field, need n) noexcept {
    bool b;
    switch (fast_boolean(b)) {
    case 1: out = b; return true;
    case 0: return n == need::optional || invalid(field, "is mandatory");
    default: return boolean_slow(out, field, n);
    }
}

inline bool field_reader::boolean(std::optional<bool>& out, const char* field) noexcept {
    bool b;
    switch (fast_boolean(b)) {
    case 1: out = b; return true;
    case 0: out.reset(); return true;
    default: return boolean_slow(out, field);
    }
}

inline bool field_reader::uint(std::uint32_t& out, const char* field, need n) noexcept {
    std::uint32_t u;
    switch (fast_uint(u)) {
    case 1: out = u; return true;
    case 0: return n == need::optional || invalid(field, "is mandatory");
    default: return uint_slow(out, field, n);
    }
}

inline bool field_reader::uint(std::optional<std::uint32_t>& out, const char* field) noexcept {
    std::uint32_t u;
    switch (fast_uint(u)) {
    case 1: out = u; return true;
    case 0: out.reset(); return true;
    default: return uint_slow(out, field);
    }
}

inline bool field_reader::binary(bytes_view& out, const char* field, need n) noexcept {
    switch (fast_vbin8(out)) {
    case 1: return true;
    case 0: return n == need::optional || invalid(field, "is mandatory");
    default: return binary_slow(out, field, n);
    }
}

inline bool field_reader::binary(std::optional<bytes_view>& out, const char* field) noexcept {
    bytes_view b;
    switch (fast_vbin8(b)) {
    case 1: out = b; return true;
    case 0: out.reset(); return true;
    default: return binary_slow(out, field);
    }
}

inline bool field_reader::string(std::string_view& out, const char* field, need n) noexcept {
    switch (fast_text(out, ctor::str8, ctor::str8)) {
    case 1: return true;
    case 0: return n == need::optional || invalid(field, "is mandatory");
    default: return text_slow(out, field, n, kind::string, kind::string);
    }
}

inline bool field_reader::symbol(std::string_view& out, const char* field, need n) noexcept {
    switch (fast_text(out, ctor::sym8, ctor::sym8)) {
    case 1: return true;
    case 0: return n == need::optional || invalid(field, "is mandatory");
    default: return text_slow(out, field, n, kind::symbol, kind::symbol);
    }
}

inline bool field_reader::text(std::string_view& out, const char* field) noexcept {
    switch (fast_text(out, ctor::str8, ctor::sym8)) {
    case 1: case 0: return true;
    default: return text_slow(out, field, need::optional, kind::string, kind::symbol);
    }
}

inline const value* field_reader::any(const char* field, need n) noexcept {
    return read(v_, field, n) ? &v_ : nullptr;
}

}  // namespace tallyhub::amqp
