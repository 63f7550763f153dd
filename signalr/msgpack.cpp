#include "signalr/msgpack.hpp"

#include <bit>
#include <cassert>
#include <cstring>
#include <limits>

namespace tallyhub::signalr::msgpack {

namespace {

constexpr error make_error(errc c, std::string_view reason) { return error{static_cast<int>(c), reason}; }

constexpr error truncated = make_error(errc::truncated, "MessagePack value runs past the end of the data.");
constexpr error invalid_byte = make_error(errc::invalid_byte, "Invalid MessagePack code 0xC1.");
constexpr error too_deep = make_error(errc::too_deep, "MessagePack data nested too deeply.");
constexpr error not_nil = make_error(errc::wrong_type, "Expected MessagePack nil.");
constexpr error not_bool = make_error(errc::wrong_type, "Expected a MessagePack boolean.");
constexpr error not_integer = make_error(errc::wrong_type, "Expected a MessagePack integer.");
constexpr error not_float = make_error(errc::wrong_type, "Expected a MessagePack float.");
constexpr error not_string = make_error(errc::wrong_type, "Expected a MessagePack string.");
constexpr error not_binary = make_error(errc::wrong_type, "Expected MessagePack binary data.");
constexpr error not_array = make_error(errc::wrong_type, "Expected a MessagePack array.");
constexpr error not_map = make_error(errc::wrong_type, "Expected a MessagePack map.");
constexpr error not_ext = make_error(errc::wrong_type, "Expected a MessagePack extension.");
constexpr error int_range = make_error(errc::out_of_range, "MessagePack integer out of range.");

// Big-endian unsigned integer of `n` bytes at `p`.
std::uint64_t load_be(const char* p, int n) noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
    return v;
}

// Decodes the value header at bytes[pos], with a string/binary/ext payload, and advances pos past it.
// On error pos is unspecified (callers work on a copy). `size` of a map counts pairs.
const error* decode(std::string_view bytes, std::size_t& pos, value& v) noexcept {
    const std::size_t left = bytes.size() - pos;
    if (left == 0) return &truncated;
    const char* p = bytes.data() + pos;
    const auto b = static_cast<unsigned char>(p[0]);
    // Fixed-size part (after the code byte) and, for str/bin/ext, how many bytes give the length.
    std::size_t fixed = 0;
    int length_bytes = 0;
    v = value{};
    if (b <= 0x7f) {
        v.type = format::integer;
        v.bits = b;
    } else if (b <= 0x8f) {
        v.type = format::map;
        v.size = b & 0x0f;
    } else if (b <= 0x9f) {
        v.type = format::array;
        v.size = b & 0x0f;
    } else if (b <= 0xbf) {
        v.type = format::string;
        const std::size_t n = b & 0x1f;
        if (left - 1 < n) return &truncated;
        v.bytes = bytes.substr(pos + 1, n);
        pos += 1 + n;
        return nullptr;
    } else if (b >= 0xe0) {
        v.type = format::integer;
        v.negative = true;
        v.bits = static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int8_t>(b)));
    } else {
        switch (b) {
        case 0xc0: v.type = format::nil; break;
        case 0xc1: return &invalid_byte;
        case 0xc2: case 0xc3: v.type = format::boolean; v.boolean = b == 0xc3; break;
        case 0xc4: case 0xc5: case 0xc6: v.type = format::binary; length_bytes = 1 << (b - 0xc4); break;
        case 0xc7: case 0xc8: case 0xc9: v.type = format::ext; length_bytes = 1 << (b - 0xc7); break;
        case 0xca: v.type = format::float32; fixed = 4; break;
        case 0xcb: v.type = format::float64; fixed = 8; break;
        case 0xcc: case 0xcd: case 0xce: case 0xcf: v.type = format::integer; fixed = std::size_t(1) << (b - 0xcc); break;
        case 0xd0: case 0xd1: case 0xd2: case 0xd3: v.type = format::integer; fixed = std::size_t(1) << (b - 0xd0); break;
        case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8: v.type = format::ext; fixed = std::size_t(1) << (b - 0xd4); break;
        case 0xd9: case 0xda: case 0xdb: v.type = format::string; length_bytes = 1 << (b - 0xd9); break;
        case 0xdc: case 0xdd: v.type = format::array; fixed = b == 0xdc ? 2 : 4; break;
        case 0xde: case 0xdf: v.type = format::map; fixed = b == 0xde ? 2 : 4; break;
        default: break;
        }
    }
    if (length_bytes != 0) {  // str8..32, bin8..32, ext8..32: a length, [an ext type], the payload
        const std::size_t head = 1 + std::size_t(length_bytes) + (v.type == format::ext ? 1 : 0);
        if (left < head) return &truncated;
        const std::uint64_t n = load_be(p + 1, length_bytes);
        if (left - head < n) return &truncated;
        if (v.type == format::ext) v.ext_type = static_cast<std::int8_t>(p[head - 1]);
        v.bytes = bytes.substr(pos + head, std::size_t(n));
        pos += head + std::size_t(n);
        return nullptr;
    }
    if (v.type == format::ext) {  // fixext: the type byte, then 1..16 bytes
        if (left < 2 + fixed) return &truncated;
        v.ext_type = static_cast<std::int8_t>(p[1]);
        v.bytes = bytes.substr(pos + 2, fixed);
        pos += 2 + fixed;
        return nullptr;
    }
    if (left - 1 < fixed) return &truncated;
    const std::uint64_t x = load_be(p + 1, int(fixed));
    switch (v.type) {
    case format::float32: v.real = std::bit_cast<float>(static_cast<std::uint32_t>(x)); break;
    case format::float64: v.real = std::bit_cast<double>(x); break;
    case format::array:
    case format::map:
        if (fixed != 0) v.size = static_cast<std::uint32_t>(x);
        break;
    case format::integer:
        if (b >= 0xd0 && b <= 0xd3) {  // intN: sign-extend
            const int shift = 64 - int(fixed) * 8;
            const auto s = static_cast<std::int64_t>(x << shift) >> shift;
            v.negative = s < 0;
            v.bits = static_cast<std::uint64_t>(s);
        } else if (fixed != 0) {
            v.bits = x;
        }
        break;
    default: break;
    }
    pos += 1 + fixed;
    return nullptr;
}

// decode(), then wrong_type (`mismatch`) unless the value is of the `wanted` family.
const error* expect(std::string_view bytes, std::size_t& pos, value& v, format wanted, const error& mismatch) noexcept {
    if (const error* e = decode(bytes, pos, v)) return e;
    return v.type == wanted ? nullptr : &mismatch;
}

// The family a code byte starts (0xC1 excluded by the caller).
format family_of(unsigned char b) noexcept {
    if (b <= 0x7f || b >= 0xe0 || (b >= 0xcc && b <= 0xd3)) return format::integer;
    if (b <= 0x8f || b == 0xde || b == 0xdf) return format::map;
    if (b <= 0x9f || b == 0xdc || b == 0xdd) return format::array;
    if (b <= 0xbf || (b >= 0xd9 && b <= 0xdb)) return format::string;
    if (b == 0xc0) return format::nil;
    if (b == 0xc2 || b == 0xc3) return format::boolean;
    if (b >= 0xc4 && b <= 0xc6) return format::binary;
    if (b == 0xca) return format::float32;
    if (b == 0xcb) return format::float64;
    return format::ext;  // 0xc7..0xc9, 0xd4..0xd8
}

}  // namespace

std::optional<std::int64_t> value::as_int64() const noexcept {
    if (type != format::integer) return std::nullopt;
    if (!negative && bits > std::uint64_t(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return static_cast<std::int64_t>(bits);
}

std::optional<std::uint64_t> value::as_uint64() const noexcept {
    if (type != format::integer || negative) return std::nullopt;
    return bits;
}

result<format> reader::peek() const {
    if (at_end()) return truncated;
    const auto b = static_cast<unsigned char>(bytes_[pos_]);
    if (b == 0xc1) return invalid_byte;
    return family_of(b);
}

bool reader::next_is_nil() const noexcept {
    return pos_ < bytes_.size() && static_cast<unsigned char>(bytes_[pos_]) == 0xc0;
}

result<value> reader::read() {
    std::size_t p = pos_;
    value v;
    if (const error* e = decode(bytes_, p, v)) return *e;
    pos_ = p;
    return v;
}

result<void> reader::read_nil() {
    std::size_t p = pos_;
    value v;
    if (const error* e = expect(bytes_, p, v, format::nil, not_nil)) return *e;
    pos_ = p;
    return {};
}

result<bool> reader::read_bool() {
    std::size_t p = pos_;
    value v;
    if (const error* e = expect(bytes_, p, v, format::boolean, not_bool)) return *e;
    pos_ = p;
    return v.boolean;
}

result<std::int64_t> reader::read_int64() {
    std::size_t p = pos_;
    value v;
    if (const error* e = expect(bytes_, p, v, format::integer, not_integer)) return *e;
    auto i = v.as_int64();
    if (!i) return int_range;
    pos_ = p;
    return *i;
}

result<std::uint64_t> reader::read_uint64() {
    std::size_t p = pos_;
    value v;
    if (const error* e = expect(bytes_, p, v, format::integer, not_integer)) return *e;
    if (v.negative) return int_range;
    pos_ = p;
    return v.bits;
}

result<double> reader::read_double() {
    std::size_t p = pos_;
    value v;
    if (const error* e = decode(bytes_, p, v)) return *e;
    if (v.type != format::float32 && v.type != format::float64) return not_float;
    pos_ = p;
    return v.real;
}

result<std::string_view> reader::read_string() {
    std::size_t p = pos_;
    value v;
    if (const error* e = expect(bytes_, p, v, format::string, not_string)) return *e;
    pos_ = p;
    return v.bytes;
}

result<std::optional<std::string_view>> reader::read_nullable_string() {
    if (next_is_nil()) {
        ++pos_;
        return std::optional<std::string_view>{};
    }
    auto s = read_string();
    if (!s) return s.err();
    return std::optional<std::string_view>(*s);
}

result<std::string_view> reader::read_binary() {
    std::size_t p = pos_;
    value v;
    if (const error* e = expect(bytes_, p, v, format::binary, not_binary)) return *e;
    pos_ = p;
    return v.bytes;
}

result<std::uint32_t> reader::read_array_header() {
    std::size_t p = pos_;
    value v;
    if (const error* e = expect(bytes_, p, v, format::array, not_array)) return *e;
    if (v.size > bytes_.size() - p) return truncated;  // every element takes at least one byte
    pos_ = p;
    return v.size;
}

result<std::uint32_t> reader::read_map_header() {
    std::size_t p = pos_;
    value v;
    if (const error* e = expect(bytes_, p, v, format::map, not_map)) return *e;
    if (std::uint64_t(v.size) * 2 > bytes_.size() - p) return truncated;
    pos_ = p;
    return v.size;
}

result<ext_view> reader::read_ext() {
    std::size_t p = pos_;
    value v;
    if (const error* e = expect(bytes_, p, v, format::ext, not_ext)) return *e;
    pos_ = p;
    return ext_view{v.ext_type, v.bytes};
}

// Iterative, so that hostile nesting costs no stack: `left[i]` is how many values the i-th open
// container (0 = the value being skipped) still holds.
result<std::string_view> reader::skip(int depth) {
    if (depth < 1) depth = 1;
    std::uint64_t left[max_depth + 1];
    int top = 0;
    left[0] = 1;
    std::size_t p = pos_;
    while (top >= 0) {
        if (left[top] == 0) {
            --top;
            continue;
        }
        --left[top];
        value v;
        if (const error* e = decode(bytes_, p, v)) return *e;
        if (v.type != format::array && v.type != format::map) continue;
        if (depth + top > max_depth) return too_deep;
        const std::uint64_t n = v.type == format::map ? std::uint64_t(v.size) * 2 : v.size;
        if (n > bytes_.size() - p) return truncated;
        left[++top] = n;
    }
    const std::string_view raw = bytes_.substr(pos_, p - pos_);
    pos_ = p;
    return raw;
}

// ---- writer ----

namespace {

void put_be(std::string& out, unsigned char code, std::uint64_t v, int n) {
    char buf[9];
    buf[0] = static_cast<char>(code);
    for (int i = 0; i < n; ++i) buf[1 + i] = static_cast<char>(v >> (8 * (n - 1 - i)));
    out.append(buf, std::size_t(1 + n));
}

// A header for a str/bin/ext-style length: the smallest of the 8/16/32-bit forms.
void put_length(std::string& out, unsigned char code8, std::size_t n) {
    assert(n <= std::numeric_limits<std::uint32_t>::max());
    if (n <= 0xff) put_be(out, code8, n, 1);
    else if (n <= 0xffff) put_be(out, static_cast<unsigned char>(code8 + 1), n, 2);
    else put_be(out, static_cast<unsigned char>(code8 + 2), n, 4);
}

}  // namespace

writer& writer::nil_value() {
    out_.push_back('\xc0');
    return *this;
}

writer& writer::bool_value(bool b) {
    out_.push_back(b ? '\xc3' : '\xc2');
    return *this;
}

writer& writer::uint_value(std::uint64_t v) {
    if (v <= 0x7f) out_.push_back(static_cast<char>(v));
    else if (v <= 0xff) put_be(out_, 0xcc, v, 1);
    else if (v <= 0xffff) put_be(out_, 0xcd, v, 2);
    else if (v <= 0xffffffff) put_be(out_, 0xce, v, 4);
    else put_be(out_, 0xcf, v, 8);
    return *this;
}

writer& writer::int_value(std::int64_t v) {
    if (v >= 0) return uint_value(static_cast<std::uint64_t>(v));
    const auto bits = static_cast<std::uint64_t>(v);
    if (v >= -32) out_.push_back(static_cast<char>(v));
    else if (v >= INT8_MIN) put_be(out_, 0xd0, bits, 1);
    else if (v >= INT16_MIN) put_be(out_, 0xd1, bits, 2);
    else if (v >= INT32_MIN) put_be(out_, 0xd2, bits, 4);
    else put_be(out_, 0xd3, bits, 8);
    return *this;
}

writer& writer::double_value(double v) {
    put_be(out_, 0xcb, std::bit_cast<std::uint64_t>(v), 8);
    return *this;
}

writer& writer::float_value(float v) {
    put_be(out_, 0xca, std::bit_cast<std::uint32_t>(v), 4);
    return *this;
}

writer& writer::string_value(std::string_view s) {
    if (s.size() <= 31) out_.push_back(static_cast<char>(0xa0 | s.size()));
    else put_length(out_, 0xd9, s.size());
    out_.append(s);
    return *this;
}

writer& writer::binary_value(std::string_view b) {
    put_length(out_, 0xc4, b.size());
    out_.append(b);
    return *this;
}

writer& writer::ext_value(std::int8_t type, std::string_view data) {
    const std::size_t n = data.size();
    if (n == 1 || n == 2 || n == 4 || n == 8 || n == 16) {
        out_.push_back(static_cast<char>(0xd4 + std::countr_zero(n)));
    } else {
        put_length(out_, 0xc7, n);
    }
    out_.push_back(static_cast<char>(type));
    out_.append(data);
    return *this;
}

writer& writer::begin_array(std::uint32_t elements) {
    if (elements <= 15) out_.push_back(static_cast<char>(0x90 | elements));
    else if (elements <= 0xffff) put_be(out_, 0xdc, elements, 2);
    else put_be(out_, 0xdd, elements, 4);
    return *this;
}

writer& writer::begin_map(std::uint32_t pairs) {
    if (pairs <= 15) out_.push_back(static_cast<char>(0x80 | pairs));
    else if (pairs <= 0xffff) put_be(out_, 0xde, pairs, 2);
    else put_be(out_, 0xdf, pairs, 4);
    return *this;
}

writer& writer::raw_value(std::string_view encoded) {
    if (encoded.empty()) return nil_value();
    out_.append(encoded);
    return *this;
}

}  // namespace tallyhub::signalr::msgpack
