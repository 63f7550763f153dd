#include "net/amqp/reader.hpp"

#include "net/amqp/wire.hpp"

#include <simdjson.h>

#include <bit>
#include <cstdarg>
#include <cstring>

namespace tallyhub::amqp {

namespace {

// Smallest encoded size of one array element with constructor `c`: its fixed width, or the width
// of its length / size and count prefix; -1 for a constructor that is not a primitive encoding.
int element_min_width(std::uint8_t c) noexcept {
    switch (c) {
    case ctor::null: case ctor::boolean_true: case ctor::boolean_false: case ctor::uint0: case ctor::ulong0:
    case ctor::list0:
        return 0;
    case ctor::boolean: case ctor::ubyte: case ctor::byte: case ctor::smalluint: case ctor::smallulong:
    case ctor::smallint: case ctor::smalllong: case ctor::vbin8: case ctor::str8: case ctor::sym8:
        return 1;
    case ctor::ushort: case ctor::short_: case ctor::list8: case ctor::map8: case ctor::array8:
        return 2;
    case ctor::uint: case ctor::int_: case ctor::float_: case ctor::char_: case ctor::decimal32:
    case ctor::vbin32: case ctor::str32: case ctor::sym32:
        return 4;
    case ctor::ulong: case ctor::long_: case ctor::double_: case ctor::timestamp: case ctor::decimal64:
    case ctor::list32: case ctor::map32: case ctor::array32:
        return 8;
    case ctor::decimal128: case ctor::uuid:
        return 16;
    default:
        return -1;
    }
}

}  // namespace

namespace wire {

bool is_utf8_slow(const std::byte* p, std::size_t n) noexcept {
    return simdjson::validate_utf8(reinterpret_cast<const char*>(p), n);
}

}  // namespace wire

bool reader::fail(const failure& f) noexcept {
    if (!sink_->failed()) *sink_ = f;
    return false;
}

bool reader::fail(const char* fmt, ...) noexcept {
    if (sink_->failed()) return false;
    va_list args;
    va_start(args, fmt);
    *sink_ = failure::vformat(condition::decode_error, fmt, args);
    va_end(args);
    return false;
}

bool reader::need(std::size_t n, const char* what) noexcept {
    std::size_t left = std::size_t(end_ - p_);
    if (left >= n) [[likely]] return true;
    return fail("%s needs %zu bytes, %zu left", what, n, left);
}

bool reader::need(std::size_t n, std::uint8_t c) noexcept {
    std::size_t left = std::size_t(end_ - p_);
    if (left >= n) [[likely]] return true;
    return fail("%s needs %zu bytes, %zu left", constructor_name(c).data(), n, left);
}

bool reader::finish_items() noexcept {
    if (p_ != end_)
        fail("%s has %zu bytes after its %u items", constructor_name(container_ctor_).data(),
             std::size_t(end_ - p_), count_);
    return false;
}

bool reader::next(value& v) noexcept {
    if (sink_->failed()) return false;
    if (counted_) {
        if (left_ == 0) return finish_items();
        if (p_ == end_ && !array_)  // array elements may be zero-width (null, true, list0…)
            return fail("%s ends after %u of its %u items", constructor_name(container_ctor_).data(),
                        count_ - left_, count_);
        --left_;
    } else if (p_ == end_) {
        return false;
    }
    v.reset();
    if (array_) {
        v.described = element_described_;
        v.descriptor = element_descriptor_;
        return read_payload(element_ctor_, v);
    }
    return read_constructor(v);
}

// A constructor is a format code, or 0x00 + descriptor + constructor for a described value. A value
// may be described more than once (its descriptor applies to an already described value); only the
// outermost descriptor is kept, and the chain counts against the depth limit.
bool reader::read_constructor(value& v) noexcept {
    std::uint8_t c = wire::u8(p_++);
    // What every peer sends for a described value: 0x00 0x53 code constructor.
    if (c == ctor::described && end_ - p_ >= 3 && wire::u8(p_) == ctor::smallulong &&
        wire::u8(p_ + 2) != ctor::described && depth_ < max_depth_) {
        v.described = true;
        v.descriptor = wire::u8(p_ + 1);
        c = wire::u8(p_ + 2);
        p_ += 3;
        return read_payload(c, v);
    }
    unsigned chain = 0;
    while (c == ctor::described) {
        if (depth_ + ++chain > max_depth_) return fail("nesting deeper than %u levels", max_depth_);
        if (!read_descriptor(v, chain == 1) || !need(1, "described value")) return false;
        c = wire::u8(p_++);
    }
    return read_payload(c, v);
}

bool reader::read_descriptor(value& v, bool outermost) noexcept {
    if (!need(1, "descriptor")) return false;
    std::uint8_t c = wire::u8(p_++);
    std::uint64_t dc = 0;
    std::string_view symbol;
    switch (c) {
    case ctor::smallulong:
        if (!need(1, c)) return false;
        dc = wire::u8(p_++);
        break;
    case ctor::ulong:
        if (!need(8, c)) return false;
        dc = wire::be64(p_);
        p_ += 8;
        break;
    case ctor::ulong0:
        break;
    case ctor::sym8:
    case ctor::sym32: {
        value s;
        if (!read_variable(c, c == ctor::sym8 ? 1 : 4, kind::symbol, s)) return false;
        symbol = s.text();
        dc = descriptor_code_of(symbol);
        break;
    }
    default:
        return fail("descriptor constructor 0x%02x is not a ulong or a symbol", c);
    }
    if (outermost) {
        v.described = true;
        v.descriptor = dc;
        v.descriptor_symbol = symbol;
    }
    return true;
}

bool reader::read_payload(std::uint8_t c, value& v) noexcept {
    v.constructor = c;
    // Fixed-width payloads: `take(n)` checks and consumes n bytes.
    auto take = [&](std::size_t n) -> const std::byte* {
        if (!need(n, c)) return nullptr;
        const std::byte* q = p_;
        p_ += n;
        return q;
    };
    auto unsigned_of = [&](kind k, std::size_t n) {
        const std::byte* q = take(n);
        if (!q) return false;
        v.type = k;
        v.u = n == 1 ? wire::u8(q) : n == 2 ? wire::be16(q) : n == 4 ? wire::be32(q) : wire::be64(q);
        return true;
    };
    auto signed_of = [&](kind k, std::size_t n) {
        const std::byte* q = take(n);
        if (!q) return false;
        v.type = k;
        v.i = n == 1   ? std::int8_t(wire::u8(q))
              : n == 2 ? std::int16_t(wire::be16(q))
              : n == 4 ? std::int32_t(wire::be32(q))
                       : std::int64_t(wire::be64(q));
        return true;
    };
    auto raw_of = [&](kind k, std::size_t n) {
        const std::byte* q = take(n);
        if (!q) return false;
        v.type = k;
        v.bytes = {q, n};
        return true;
    };
    switch (c) {
    case ctor::null: return true;
    case ctor::boolean_true: v.type = kind::boolean; v.u = 1; return true;
    case ctor::boolean_false: v.type = kind::boolean; v.u = 0; return true;
    case ctor::boolean:
        if (!unsigned_of(kind::boolean, 1)) return false;
        return v.u <= 1 || fail("boolean byte 0x%02x is not 0 or 1", unsigned(v.u));
    case ctor::ubyte: return unsigned_of(kind::ubyte, 1);
    case ctor::ushort: return unsigned_of(kind::ushort, 2);
    case ctor::uint: return unsigned_of(kind::uint, 4);
    case ctor::smalluint: return unsigned_of(kind::uint, 1);
    case ctor::uint0: v.type = kind::uint; return true;
    case ctor::ulong: return unsigned_of(kind::ulong, 8);
    case ctor::smallulong: return unsigned_of(kind::ulong, 1);
    case ctor::ulong0: v.type = kind::ulong; return true;
    case ctor::byte: return signed_of(kind::byte, 1);
    case ctor::short_: return signed_of(kind::short_, 2);
    case ctor::int_: return signed_of(kind::int_, 4);
    case ctor::smallint: return signed_of(kind::int_, 1);
    case ctor::long_: return signed_of(kind::long_, 8);
    case ctor::smalllong: return signed_of(kind::long_, 1);
    case ctor::timestamp: return signed_of(kind::timestamp, 8);
    case ctor::char_: return unsigned_of(kind::char_, 4);
    case ctor::float_:
        if (!unsigned_of(kind::float_, 4)) return false;
        v.f = std::bit_cast<float>(std::uint32_t(v.u));
        v.u = 0;
        return true;
    case ctor::double_:
        if (!unsigned_of(kind::double_, 8)) return false;
        v.f = std::bit_cast<double>(v.u);
        v.u = 0;
        return true;
    case ctor::decimal32: return raw_of(kind::decimal32, 4);
    case ctor::decimal64: return raw_of(kind::decimal64, 8);
    case ctor::decimal128: return raw_of(kind::decimal128, 16);
    case ctor::uuid: return raw_of(kind::uuid, 16);
    case ctor::vbin8: return read_variable(c, 1, kind::binary, v);
    case ctor::vbin32: return read_variable(c, 4, kind::binary, v);
    case ctor::str8: return read_variable(c, 1, kind::string, v);
    case ctor::str32: return read_variable(c, 4, kind::string, v);
    case ctor::sym8: return read_variable(c, 1, kind::symbol, v);
    case ctor::sym32: return read_variable(c, 4, kind::symbol, v);
    case ctor::list0: v.type = kind::list; v.bytes = {p_, 0}; return true;
    case ctor::list8: return read_compound(c, 1, kind::list, v);
    case ctor::list32: return read_compound(c, 4, kind::list, v);
    case ctor::map8: return read_compound(c, 1, kind::map, v);
    case ctor::map32: return read_compound(c, 4, kind::map, v);
    case ctor::array8: return read_compound(c, 1, kind::array, v);
    case ctor::array32: return read_compound(c, 4, kind::array, v);
    default: return fail("unknown constructor 0x%02x", c);
    }
}

bool reader::read_variable(std::uint8_t c, unsigned len_width, kind k, value& v) noexcept {
    if (!need(len_width, c)) return false;
    std::size_t len = len_width == 1 ? wire::u8(p_) : wire::be32(p_);
    p_ += len_width;
    std::size_t left = std::size_t(end_ - p_);
    if (len > left) [[unlikely]]
        return fail("%s length %zu exceeds the %zu bytes left", constructor_name(c).data(), len, left);
    if (k == kind::string && !wire::is_utf8(p_, len)) return fail("%s is not valid UTF-8", constructor_name(c).data());
    if (k == kind::symbol && !wire::is_ascii(p_, len)) return fail("%s is not ASCII", constructor_name(c).data());
    v.type = k;
    v.bytes = {p_, len};
    p_ += len;
    return true;
}

// list/map/array: size (1 or 4 bytes) counts every byte after it; then the count, then the items.
// The size is checked against the bytes left and the count against the size before either is used.
bool reader::read_compound(std::uint8_t c, unsigned width, kind k, value& v) noexcept {
    if (!need(width, c)) return false;
    std::size_t size = width == 1 ? wire::u8(p_) : wire::be32(p_);
    p_ += width;
    std::size_t left = std::size_t(end_ - p_);
    auto name = [c] { return constructor_name(c).data(); };
    if (size > left) [[unlikely]] return fail("%s size %zu exceeds the %zu bytes left", name(), size, left);
    if (size < width) [[unlikely]] return fail("%s size %zu is smaller than its count field", name(), size);
    std::uint32_t count = width == 1 ? wire::u8(p_) : wire::be32(p_);
    const std::byte* body_end = p_ + size;
    p_ += width;
    std::size_t items = size - width;
    v.type = k;
    v.count = count;
    if (k == kind::map && count % 2 != 0) return fail("%s count %u is odd", name(), count);
    if (k != kind::array) {
        if (count > items) return fail("%s count %u exceeds its %zu bytes of items", name(), count, items);
        v.bytes = {p_, items};
        p_ = body_end;
        return true;
    }
    // Arrays: parse the element constructor within the array's own bytes.
    const std::byte* outer_end = end_;
    end_ = body_end;
    bool ok = read_element_constructor(c, count, size, v);
    end_ = outer_end;
    if (!ok) return false;
    p_ = body_end;
    return true;
}

bool reader::read_element_constructor(std::uint8_t c, std::uint32_t count, std::size_t size, value& v) noexcept {
    auto name = [c] { return constructor_name(c).data(); };
    if (count == 0 && p_ == end_) {  // an empty array without an element constructor: tolerated
        v.bytes = {p_, 0};
        return true;
    }
    if (!need(1, "array element constructor")) return false;
    std::uint8_t ec = wire::u8(p_++);
    if (ec == ctor::described) {
        value d;
        if (depth_ + 1 > max_depth_) return fail("nesting deeper than %u levels", max_depth_);
        if (!read_descriptor(d, true) || !need(1, "array element constructor")) return false;
        v.element_described = true;
        v.u = d.descriptor;
        ec = wire::u8(p_++);
        if (ec == ctor::described) return fail("%s elements with two descriptors are not supported", name());
    }
    int w = element_min_width(ec);
    if (w < 0) return fail("%s element constructor 0x%02x is unknown", name(), ec);
    std::size_t items = std::size_t(end_ - p_);
    // Zero-width elements (null, true, uint0…) are bounded by the array's size, so that the work of
    // reading an array stays proportional to its bytes.
    std::uint64_t needed = std::uint64_t(count) * unsigned(w == 0 ? 1 : w);
    if (needed > (w == 0 ? size : items))
        return fail("%s of %u %s elements exceeds its %zu bytes", name(), count, constructor_name(ec).data(), items);
    v.element_constructor = ec;
    v.bytes = {p_, items};
    return true;
}

reader reader::enter(const value& v) noexcept {
    reader r(bytes_view{}, *sink_, max_depth_);
    r.depth_ = depth_ + 1;
    r.counted_ = true;
    if (!v.is_compound()) {
        fail("%s is not a list, map or array", kind_name(v.type).data());
        return r;
    }
    if (r.depth_ > max_depth_) {
        fail("nesting deeper than %u levels", max_depth_);
        return r;
    }
    r.p_ = v.bytes.data();
    r.end_ = v.bytes.data() + v.bytes.size();
    r.left_ = r.count_ = v.count;
    r.container_ctor_ = v.constructor;
    if (v.type == kind::array) {
        r.array_ = true;
        r.element_ctor_ = v.element_constructor;
        r.element_described_ = v.element_described;
        r.element_descriptor_ = v.u;
    }
    return r;
}

bool reader::validate(const value& v) noexcept {
    if (!v.is_compound()) return !failed();
    value scratch;
    return validate_items(enter(v), scratch);
}

// One scratch value serves every level: a child reader copies what it needs from `item` before
// the child's own items overwrite it. Recursion depth is bounded by enter()'s depth limit.
bool reader::validate_items(reader r, value& item) noexcept {
    while (r.next(item))
        if (item.is_compound() && !validate_items(r.enter(item), item)) return false;
    return !r.failed();
}

}  // namespace tallyhub::amqp
