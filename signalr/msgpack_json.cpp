#include "signalr/msgpack_json.hpp"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstdint>

#include "signalr/json_writer.hpp"
#include "signalr/msgpack.hpp"

namespace tallyhub::signalr::msgpack_protocol {

namespace {

constexpr error make_error(convert_errc c, std::string_view reason) { return error{static_cast<int>(c), reason}; }

constexpr error malformed_msgpack = make_error(convert_errc::malformed, "Malformed MessagePack value.");
constexpr error trailing_msgpack = make_error(convert_errc::malformed, "Bytes follow the MessagePack value.");
constexpr error malformed_json = make_error(convert_errc::malformed, "Malformed JSON value.");
constexpr error bad_ext = make_error(convert_errc::unsupported, "MessagePack extension types other than timestamp cannot be converted to JSON.");
constexpr error bad_key = make_error(convert_errc::unsupported, "MessagePack map keys must be strings or integers.");
constexpr error bad_time = make_error(convert_errc::unsupported, "MessagePack timestamp outside years 1-9999.");
constexpr error bad_timestamp = make_error(convert_errc::malformed, "Malformed MessagePack timestamp.");
constexpr error too_deep = make_error(convert_errc::too_deep, "Value nested too deeply.");

std::uint64_t load_be(std::string_view b) noexcept {
    std::uint64_t v = 0;
    for (char c : b) v = (v << 8) | static_cast<unsigned char>(c);
    return v;
}

void append_2(std::string& out, unsigned v) {
    out.push_back(static_cast<char>('0' + v / 10));
    out.push_back(static_cast<char>('0' + v % 10));
}

// The timestamp extension (type -1): 32-bit seconds; 30-bit nanoseconds + 34-bit seconds; or 32-bit
// nanoseconds + signed 64-bit seconds. Written as System.Text.Json writes a UTC DateTime.
const error* append_timestamp(std::string& out, std::string_view d) {
    std::int64_t seconds = 0;
    std::uint32_t nanos = 0;
    if (d.size() == 4) {
        seconds = static_cast<std::int64_t>(load_be(d));
    } else if (d.size() == 8) {
        const std::uint64_t x = load_be(d);
        nanos = static_cast<std::uint32_t>(x >> 34);
        seconds = static_cast<std::int64_t>(x & ((std::uint64_t(1) << 34) - 1));
    } else if (d.size() == 12) {
        nanos = static_cast<std::uint32_t>(load_be(d.substr(0, 4)));
        seconds = static_cast<std::int64_t>(load_be(d.substr(4)));
    } else {
        return &bad_timestamp;
    }
    if (nanos >= 1'000'000'000) return &bad_timestamp;
    // 0001-01-01 and 9999-12-31T23:59:59, in seconds since 1970 (DateTime's range).
    if (seconds < -62'135'596'800 || seconds > 253'402'300'799) return &bad_time;
    std::int64_t days = seconds / 86'400;
    std::int64_t rest = seconds % 86'400;
    if (rest < 0) {
        rest += 86'400;
        --days;
    }
    // Civil date from days since 1970-01-01 (H. Hinnant's days_from_civil, inverted).
    const std::int64_t z = days + 719'468;
    const std::int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
    const auto doe = static_cast<unsigned>(z - era * 146'097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned day = doy - (153 * mp + 2) / 5 + 1;
    const unsigned month = mp < 10 ? mp + 3 : mp - 9;
    const auto year = static_cast<unsigned>(static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0));
    out.push_back('"');
    append_2(out, year / 100);
    append_2(out, year % 100);
    out.push_back('-');
    append_2(out, month);
    out.push_back('-');
    append_2(out, day);
    out.push_back('T');
    append_2(out, static_cast<unsigned>(rest / 3600));
    out.push_back(':');
    append_2(out, static_cast<unsigned>(rest / 60 % 60));
    out.push_back(':');
    append_2(out, static_cast<unsigned>(rest % 60));
    if (nanos != 0) {
        char frac[10] = {'.'};
        int n = 9;
        for (int i = 9; i >= 1; --i, nanos /= 10) frac[i] = static_cast<char>('0' + nanos % 10);
        while (frac[n] == '0') --n;
        out.append(frac, std::size_t(n + 1));
    }
    out.append("Z\"");
    return nullptr;
}

void append_integer(std::string& out, const msgpack::value& v) {
    if (v.negative) append_json_int(out, static_cast<std::int64_t>(v.bits));
    else append_json_uint(out, v.bits);
}

void append_float32(std::string& out, double v) {
    if (!std::isfinite(v)) {
        out.append("null");
        return;
    }
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, static_cast<float>(v));
    out.append(buf, end);
}

// One value from `r` at nesting level `depth` (recursion is bounded by max_depth).
const error* to_json(msgpack::reader& r, std::string& out, int depth) {
    auto v = r.read();
    if (!v) return &malformed_msgpack;
    switch (v->type) {
    case msgpack::format::nil: out.append("null"); return nullptr;
    case msgpack::format::boolean: out.append(v->boolean ? "true" : "false"); return nullptr;
    case msgpack::format::integer: append_integer(out, *v); return nullptr;
    case msgpack::format::float32: append_float32(out, v->real); return nullptr;
    case msgpack::format::float64: append_json_double(out, v->real); return nullptr;
    case msgpack::format::string: append_json_string(out, v->bytes); return nullptr;
    case msgpack::format::binary:
        out.push_back('"');
        append_base64(out, v->bytes);
        out.push_back('"');
        return nullptr;
    case msgpack::format::ext:
        return v->ext_type == -1 ? append_timestamp(out, v->bytes) : &bad_ext;
    case msgpack::format::array:
    case msgpack::format::map: break;
    }
    if (depth > msgpack::max_depth) return &too_deep;
    const bool is_map = v->type == msgpack::format::map;
    out.push_back(is_map ? '{' : '[');
    for (std::uint32_t i = 0; i < v->size; ++i) {
        if (i != 0) out.push_back(',');
        if (is_map) {
            auto k = r.read();
            if (!k) return &malformed_msgpack;
            if (k->type == msgpack::format::string) {
                append_json_string(out, k->bytes);
            } else if (k->type == msgpack::format::integer) {
                out.push_back('"');
                append_integer(out, *k);
                out.push_back('"');
            } else {
                return &bad_key;
            }
            out.push_back(':');
        }
        if (const error* e = to_json(r, out, depth + 1)) return e;
    }
    out.push_back(is_map ? '}' : ']');
    return nullptr;
}

namespace dom = simdjson::dom;

// Element count of a DOM array or object: size() saturates at 0xFFFFFF.
template <typename Container>
std::size_t count_of(Container c) {
    std::size_t n = c.size();
    if (n < 0xFFFFFF) return n;
    n = 0;
    for ([[maybe_unused]] auto x : c) ++n;
    return n;
}

const error* to_msgpack(dom::element e, msgpack::writer& w, int depth) {
    switch (e.type()) {
    case dom::element_type::NULL_VALUE: w.nil_value(); return nullptr;
    case dom::element_type::BOOL: w.bool_value(e.get_bool().value_unsafe()); return nullptr;
    case dom::element_type::INT64: w.int_value(e.get_int64().value_unsafe()); return nullptr;
    case dom::element_type::UINT64: w.uint_value(e.get_uint64().value_unsafe()); return nullptr;
    case dom::element_type::DOUBLE: w.double_value(e.get_double().value_unsafe()); return nullptr;
    case dom::element_type::STRING: w.string_value(e.get_string().value_unsafe()); return nullptr;
    case dom::element_type::ARRAY: {
        if (depth > msgpack::max_depth) return &too_deep;
        const dom::array a = e.get_array().value_unsafe();
        w.begin_array(static_cast<std::uint32_t>(count_of(a)));
        for (dom::element x : a)
            if (const error* err = to_msgpack(x, w, depth + 1)) return err;
        return nullptr;
    }
    case dom::element_type::OBJECT: {
        if (depth > msgpack::max_depth) return &too_deep;
        const dom::object o = e.get_object().value_unsafe();
        w.begin_map(static_cast<std::uint32_t>(count_of(o)));
        for (dom::key_value_pair kv : o) {
            w.string_value(kv.key);
            if (const error* err = to_msgpack(kv.value, w, depth + 1)) return err;
        }
        return nullptr;
    }
    }
    return &malformed_json;
}

}  // namespace

void append_base64(std::string& out, std::string_view bytes) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    std::size_t n = bytes.size();
    for (; n >= 3; n -= 3, p += 3) {
        const unsigned x = (unsigned(p[0]) << 16) | (unsigned(p[1]) << 8) | p[2];
        const char quad[4] = {alphabet[x >> 18], alphabet[(x >> 12) & 63], alphabet[(x >> 6) & 63], alphabet[x & 63]};
        out.append(quad, 4);
    }
    if (n == 0) return;
    const unsigned x = (unsigned(p[0]) << 16) | (n == 2 ? unsigned(p[1]) << 8 : 0u);
    const char quad[4] = {alphabet[x >> 18], alphabet[(x >> 12) & 63], n == 2 ? alphabet[(x >> 6) & 63] : '=', '='};
    out.append(quad, 4);
}

result<void> append_json_from_msgpack(std::string_view msgpack_value, std::string& out) {
    const std::size_t start = out.size();
    msgpack::reader r(msgpack_value);
    const error* e = to_json(r, out, 1);
    if (e == nullptr && !r.at_end()) e = &trailing_msgpack;
    if (e == nullptr) return {};
    out.resize(start);
    return *e;
}

result<void> append_msgpack_from_json(std::string_view json_text, std::string& out) {
    thread_local dom::parser json;
    thread_local std::string padded;
    padded.assign(json_text);
    padded.resize(json_text.size() + simdjson::SIMDJSON_PADDING);
    dom::element root;
    if (auto code = json.parse(padded.data(), json_text.size(), false).get(root)) {
        return code == simdjson::DEPTH_ERROR ? too_deep : malformed_json;
    }
    const std::size_t start = out.size();
    msgpack::writer w(out);
    if (const error* e = to_msgpack(root, w, 1)) {
        out.resize(start);
        return *e;
    }
    return {};
}

}  // namespace tallyhub::signalr::msgpack_protocol
