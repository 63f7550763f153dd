#include "signalr/json_writer.hpp"

#include <array>
#include <charconv>
#include <cmath>

namespace tallyhub::signalr {

namespace {

constexpr char hex_digits[] = "0123456789ABCDEF";
constexpr std::string_view replacement_char = "\xEF\xBF\xBD";  // U+FFFD

enum : std::uint8_t { plain = 0, escaped = 1, multibyte = 2 };

constexpr std::array<std::uint8_t, 256> byte_classes = [] {
    std::array<std::uint8_t, 256> t{};
    for (int c = 0; c < 0x20; ++c) t[c] = escaped;
    t['"'] = escaped;
    t['\\'] = escaped;
    t[0x7F] = escaped;
    for (int c = 0x80; c < 0x100; ++c) t[c] = multibyte;
    return t;
}();

void append_escape(std::string& out, unsigned char c) {
    switch (c) {
    case '"': out.append("\\\""); return;
    case '\\': out.append("\\\\"); return;
    case '\b': out.append("\\b"); return;
    case '\t': out.append("\\t"); return;
    case '\n': out.append("\\n"); return;
    case '\f': out.append("\\f"); return;
    case '\r': out.append("\\r"); return;
    default: {
        const char u[6] = {'\\', 'u', '0', '0', hex_digits[c >> 4], hex_digits[c & 0xF]};
        out.append(u, sizeof u);
    }
    }
}

// Length of the well-formed UTF-8 sequence at p (p[0] >= 0x80, RFC 3629 table), or the negated
// length of its maximal ill-formed prefix, which the caller replaces by one U+FFFD (the Unicode
// "maximal subpart" practice, also what .NET's transcoder does).
int utf8_length(const unsigned char* p, std::size_t avail) {
    const unsigned char c = p[0];
    int n = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) lo = 0xA0;       // no overlong forms
        else if (c == 0xED) hi = 0x9F;  // no UTF-16 surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) lo = 0x90;
        else if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    } else {
        return -1;
    }
    for (int k = 1; k < n; ++k) {
        if (static_cast<std::size_t>(k) >= avail || p[k] < lo || p[k] > hi) return -k;
        lo = 0x80;
        hi = 0xBF;
    }
    return n;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    out.push_back('"');
    std::size_t run = 0;  // start of the pending run of bytes that are copied as they are
    std::size_t i = 0;
    while (i < n) {
        const std::uint8_t cls = byte_classes[p[i]];
        if (cls == plain) {
            ++i;
            continue;
        }
        if (cls == escaped) {
            out.append(s.data() + run, i - run);
            append_escape(out, p[i]);
            run = ++i;
            continue;
        }
        const int len = utf8_length(p + i, n - i);
        if (len == 3 && p[i] == 0xE2 && p[i + 1] == 0x80 && (p[i + 2] == 0xA8 || p[i + 2] == 0xA9)) {
            out.append(s.data() + run, i - run);
            out.append(p[i + 2] == 0xA8 ? "\\u2028" : "\\u2029");
            run = i += 3;
        } else if (len < 0) {
            out.append(s.data() + run, i - run);
            out.append(replacement_char);
            run = i += static_cast<std::size_t>(-len);
        } else {
            i += static_cast<std::size_t>(len);
        }
    }
    out.append(s.data() + run, n - run);
    out.push_back('"');
}

void append_json_int(std::string& out, std::int64_t v) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, end);
}

void append_json_uint(std::string& out, std::uint64_t v) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, end);
}

void append_json_double(std::string& out, double v) {
    if (!std::isfinite(v)) {
        out.append("null");
        return;
    }
    char buf[32];  // the longest shortest-form double is 24 characters
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, end);
}

void json_writer::before_value() {
    if (need_comma_) out_.push_back(',');
    need_comma_ = true;
}

json_writer& json_writer::begin_object() {
    before_value();
    out_.push_back('{');
    need_comma_ = false;
    return *this;
}

json_writer& json_writer::end_object() {
    out_.push_back('}');
    need_comma_ = true;
    return *this;
}

json_writer& json_writer::begin_array() {
    before_value();
    out_.push_back('[');
    need_comma_ = false;
    return *this;
}

json_writer& json_writer::end_array() {
    out_.push_back(']');
    need_comma_ = true;
    return *this;
}

json_writer& json_writer::key(std::string_view name) {
    if (need_comma_) out_.push_back(',');
    append_json_string(out_, name);
    out_.push_back(':');
    need_comma_ = false;
    return *this;
}

json_writer& json_writer::string_value(std::string_view s) {
    before_value();
    append_json_string(out_, s);
    return *this;
}

json_writer& json_writer::int_value(std::int64_t v) {
    before_value();
    append_json_int(out_, v);
    return *this;
}

json_writer& json_writer::uint_value(std::uint64_t v) {
    before_value();
    append_json_uint(out_, v);
    return *this;
}

json_writer& json_writer::double_value(double v) {
    before_value();
    append_json_double(out_, v);
    return *this;
}

json_writer& json_writer::bool_value(bool b) {
    before_value();
    out_.append(b ? "true" : "false");
    return *this;
}

json_writer& json_writer::null_value() {
    before_value();
    out_.append("null");
    return *this;
}

json_writer& json_writer::raw_value(std::string_view json) {
    before_value();
    out_.append(json.empty() ? std::string_view("null") : json);
    return *this;
}

}  // namespace tallyhub::signalr
