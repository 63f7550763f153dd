#include "net/amqp/writer.hpp"

#include "net/amqp/wire.hpp"

#include <bit>
#include <cassert>

namespace tallyhub::amqp {

void writer::item(bool significant) noexcept {
    ++count_;
    if (significant && !next_default_) {
        sig_size_ = out_->size();
        sig_count_ = count_;
    }
    next_default_ = false;
}

void writer::put_fixed(std::uint8_t c, const void* be_bytes, std::size_t n) {
    char buf[17];
    buf[0] = char(c);
    std::memcpy(buf + 1, be_bytes, n);
    out_->append(buf, 1 + n);
    item(true);
}

void writer::put_variable(std::uint8_t c8, std::uint8_t c32, const void* data, std::size_t n) {
    char h[5];
    if (n <= 0xff) {
        h[0] = char(c8);
        h[1] = char(n);
        out_->append(h, 2);
    } else {
        h[0] = char(c32);
        wire::put_be32(h + 1, std::uint32_t(n));
        out_->append(h, 5);
    }
    out_->append(static_cast<const char*>(data), n);
    item(true);
}

void writer::null() {
    put(ctor::null);
    item(false);
}

void writer::boolean(bool v) {
    put(v ? ctor::boolean_true : ctor::boolean_false);
    item(true);
}

void writer::ubyte(std::uint8_t v) { put_fixed(ctor::ubyte, &v, 1); }

void writer::ushort(std::uint16_t v) {
    char b[2];
    wire::put_be16(b, v);
    put_fixed(ctor::ushort, b, 2);
}

void writer::uint(std::uint32_t v) {
    if (v == 0) {
        put(ctor::uint0);
        item(true);
    } else if (v <= 0xff) {
        std::uint8_t b = std::uint8_t(v);
        put_fixed(ctor::smalluint, &b, 1);
    } else {
        char b[4];
        wire::put_be32(b, v);
        put_fixed(ctor::uint, b, 4);
    }
}

void writer::ulong(std::uint64_t v) {
    if (v == 0) {
        put(ctor::ulong0);
        item(true);
    } else if (v <= 0xff) {
        std::uint8_t b = std::uint8_t(v);
        put_fixed(ctor::smallulong, &b, 1);
    } else {
        char b[8];
        wire::put_be64(b, v);
        put_fixed(ctor::ulong, b, 8);
    }
}

void writer::byte(std::int8_t v) { put_fixed(ctor::byte, &v, 1); }

void writer::short_(std::int16_t v) {
    char b[2];
    wire::put_be16(b, std::uint16_t(v));
    put_fixed(ctor::short_, b, 2);
}

void writer::int_(std::int32_t v) {
    if (v >= -128 && v <= 127) {
        std::int8_t b = std::int8_t(v);
        put_fixed(ctor::smallint, &b, 1);
        return;
    }
    char b[4];
    wire::put_be32(b, std::uint32_t(v));
    put_fixed(ctor::int_, b, 4);
}

void writer::long_(std::int64_t v) {
    if (v >= -128 && v <= 127) {
        std::int8_t b = std::int8_t(v);
        put_fixed(ctor::smalllong, &b, 1);
        return;
    }
    char b[8];
    wire::put_be64(b, std::uint64_t(v));
    put_fixed(ctor::long_, b, 8);
}

void writer::float_(float v) {
    char b[4];
    wire::put_be32(b, std::bit_cast<std::uint32_t>(v));
    put_fixed(ctor::float_, b, 4);
}

void writer::double_(double v) {
    char b[8];
    wire::put_be64(b, std::bit_cast<std::uint64_t>(v));
    put_fixed(ctor::double_, b, 8);
}

void writer::char_(char32_t v) {
    char b[4];
    wire::put_be32(b, std::uint32_t(v));
    put_fixed(ctor::char_, b, 4);
}

void writer::timestamp(std::int64_t ms) {
    char b[8];
    wire::put_be64(b, std::uint64_t(ms));
    put_fixed(ctor::timestamp, b, 8);
}

void writer::uuid(std::span<const std::byte, 16> v) { put_fixed(ctor::uuid, v.data(), 16); }

void writer::decimal(std::uint8_t c, bytes_view raw) {
    assert((c == ctor::decimal32 && raw.size() == 4) || (c == ctor::decimal64 && raw.size() == 8) ||
           (c == ctor::decimal128 && raw.size() == 16));
    put_fixed(c, raw.data(), raw.size());
}

void writer::binary(bytes_view v) { put_variable(ctor::vbin8, ctor::vbin32, v.data(), v.size()); }
void writer::string(std::string_view v) { put_variable(ctor::str8, ctor::str32, v.data(), v.size()); }
void writer::symbol(std::string_view v) { put_variable(ctor::sym8, ctor::sym32, v.data(), v.size()); }

// array8/array32 of sym8/sym32: sizes are known up front, so no backpatching.
void writer::symbols(const symbol_array& v) {
    if (v.empty()) return null();
    std::size_t longest = 0, content = 0;
    for (std::string_view s : v) {
        longest = std::max(longest, s.size());
        content += s.size();
    }
    const std::size_t width = longest <= 0xff ? 1 : 4;
    const std::size_t count = v.size();
    const std::size_t elements = content + count * width;
    char h[10];
    std::size_t hn;
    if (1 + 1 + elements <= 0xff && count <= 0xff) {
        h[0] = char(ctor::array8);
        h[1] = char(1 + 1 + elements);
        h[2] = char(count);
        hn = 3;
    } else {
        h[0] = char(ctor::array32);
        wire::put_be32(h + 1, std::uint32_t(4 + 1 + elements));
        wire::put_be32(h + 5, std::uint32_t(count));
        hn = 9;
    }
    h[hn++] = char(width == 1 ? ctor::sym8 : ctor::sym32);
    out_->reserve(out_->size() + hn + elements);
    out_->append(h, hn);
    for (std::string_view s : v) {
        char len[4];
        if (width == 1) {
            len[0] = char(s.size());
        } else {
            wire::put_be32(len, std::uint32_t(s.size()));
        }
        out_->append(len, width);
        out_->append(s);
    }
    item(true);
}

void writer::map(const map_view& v) {
    if (v.empty()) return null();
    compound c = begin_map();
    out_->append(as_chars(v.encoded()));
    count_ = v.item_count();
    end_map(c);
}

// Re-encodes a value in its original constructor: fixed payloads are copied from `u`/`i`/`f` via
// the typed writers, compounds and variable-width values from their encoded bytes.
void writer::copy(const value& v) {
    if (v.described && v.descriptor == code::unknown && !v.descriptor_symbol.empty()) {
        put(ctor::described);
        const std::size_t n = v.descriptor_symbol.size();
        char h[5];
        std::size_t hn = 2;
        if (n <= 0xff) {
            h[0] = char(ctor::sym8);
            h[1] = char(n);
        } else {
            h[0] = char(ctor::sym32);
            wire::put_be32(h + 1, std::uint32_t(n));
            hn = 5;
        }
        out_->append(h, hn);
        out_->append(v.descriptor_symbol);
    } else if (v.described) {
        descriptor(v.descriptor);
    }
    switch (v.type) {
    case kind::null: return null();
    case kind::boolean: return boolean(v.u != 0);
    case kind::ubyte: return ubyte(std::uint8_t(v.u));
    case kind::ushort: return ushort(std::uint16_t(v.u));
    case kind::uint: return uint(std::uint32_t(v.u));
    case kind::ulong: return ulong(v.u);
    case kind::byte: return byte(std::int8_t(v.i));
    case kind::short_: return short_(std::int16_t(v.i));
    case kind::int_: return int_(std::int32_t(v.i));
    case kind::long_: return long_(v.i);
    case kind::float_: return float_(float(v.f));
    case kind::double_: return double_(v.f);
    case kind::decimal32: return decimal(ctor::decimal32, v.bytes);
    case kind::decimal64: return decimal(ctor::decimal64, v.bytes);
    case kind::decimal128: return decimal(ctor::decimal128, v.bytes);
    case kind::char_: return char_(char32_t(v.u));
    case kind::timestamp: return timestamp(v.i);
    case kind::uuid: return uuid(v.bytes.first<16>());
    case kind::binary: return binary(v.bytes);
    case kind::string: return string(v.text());
    case kind::symbol: return symbol(v.text());
    case kind::list:
    case kind::map: {
        compound c = v.type == kind::list ? begin_list() : begin_map();
        out_->append(as_chars(v.bytes));
        count_ = v.count;
        sig_count_ = v.count;
        sig_size_ = out_->size();
        return v.type == kind::list ? end_list(c, false) : end_map(c);
    }
    case kind::array: {
        // The element constructor (and its descriptor) sit inside the array's size, before the elements.
        char head[11];
        std::size_t hn = 0;
        if (v.element_described) {
            head[hn++] = char(ctor::described);
            if (v.u <= 0xff) {
                head[hn++] = char(ctor::smallulong);
                head[hn++] = char(v.u);
            } else {
                head[hn++] = char(ctor::ulong);
                wire::put_be64(head + hn, v.u);
                hn += 8;
            }
        }
        head[hn++] = char(v.element_constructor);
        char b[9];
        if (1 + hn + v.bytes.size() <= 0xff && v.count <= 0xff) {
            b[0] = char(ctor::array8);
            b[1] = char(1 + hn + v.bytes.size());
            b[2] = char(v.count);
            out_->append(b, 3);
        } else {
            b[0] = char(ctor::array32);
            wire::put_be32(b + 1, std::uint32_t(4 + hn + v.bytes.size()));
            wire::put_be32(b + 5, v.count);
            out_->append(b, 9);
        }
        out_->append(head, hn);
        out_->append(as_chars(v.bytes));
        return item(true);
    }
    }
}

void writer::descriptor(std::uint64_t code) {
    if (code <= 0xff) {
        char b[3] = {char(ctor::described), char(ctor::smallulong), char(code)};
        out_->append(b, 3);
    } else {
        char b[10] = {char(ctor::described), char(ctor::ulong)};
        wire::put_be64(b + 2, code);
        out_->append(b, 10);
    }
}

writer::compound writer::begin_list() {
    compound c{out_->size(), sig_size_, count_, sig_count_, next_default_};
    char h[3] = {char(ctor::list8), 0, 0};
    out_->append(h, 3);
    count_ = 0;
    sig_count_ = 0;
    sig_size_ = out_->size();
    next_default_ = false;
    return c;
}

writer::compound writer::begin_map() {
    compound c = begin_list();
    (*out_)[c.start] = char(ctor::map8);
    return c;
}

void writer::end_list(const compound& c, bool shorten) {
    std::uint32_t count = count_;
    if (shorten) {
        out_->resize(sig_size_);
        count = sig_count_;
    }
    if (count == 0) {
        out_->resize(c.start);
        put(ctor::list0);
    } else {
        end_compound(c, ctor::list8, ctor::list32, count);
    }
    count_ = c.count;
    sig_count_ = c.sig_count;
    sig_size_ = c.sig_size;
    next_default_ = c.next_default;
    item(true);
}

void writer::end_map(const compound& c) {
    end_compound(c, ctor::map8, ctor::map32, count_);
    count_ = c.count;
    sig_count_ = c.sig_count;
    sig_size_ = c.sig_size;
    next_default_ = c.next_default;
    item(true);
}

// Fills in the 3-byte header reserved at c.start, or widens it to the 9-byte 32-bit form.
void writer::end_compound(const compound& c, std::uint8_t c8, std::uint8_t c32, std::uint32_t count) {
    std::size_t items = out_->size() - (c.start + 3);
    char* h = out_->data() + c.start;
    if (items + 1 <= 0xff && count <= 0xff) {
        h[0] = char(c8);
        h[1] = char(items + 1);
        h[2] = char(count);
        return;
    }
    out_->insert(c.start + 1, 6, '\0');
    h = out_->data() + c.start;
    h[0] = char(c32);
    wire::put_be32(h + 1, std::uint32_t(items + 4));
    wire::put_be32(h + 5, count);
}

}  // namespace tallyhub::amqp
