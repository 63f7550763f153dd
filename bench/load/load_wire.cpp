#include "bench/load/load_wire.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/utc_time.hpp"
#include "signalr/msgpack.hpp"
#include "signalr/msgpack_protocol.hpp"

namespace tallyhub::load {
namespace {

using namespace std::string_view_literals;

bool iequal(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trim(std::string_view v) noexcept {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return v;
}

// The string value after `"key":` in JSON text (no escapes expected: tokens, ids and ISO times).
std::optional<std::string_view> json_string_field(std::string_view json, std::string_view quoted_key) {
    auto at = json.find(quoted_key);
    if (at == std::string_view::npos) return std::nullopt;
    std::string_view rest = json.substr(at + quoted_key.size());
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == ':')) rest.remove_prefix(1);
    if (rest.empty() || rest.front() != '"') return std::nullopt;
    rest.remove_prefix(1);
    auto end = rest.find('"');
    if (end == std::string_view::npos) return std::nullopt;
    return rest.substr(0, end);
}

std::optional<std::int64_t> parse_time(std::string_view text) {
    auto r = parse_iso8601_ms(text);
    if (!r) return std::nullopt;
    return *r;
}

// The Timestamp string in a MessagePack value, found by its key's bytes: a fixstr "Timestamp"
// (0xa9) followed by a str value.
std::optional<std::int64_t> msgpack_timestamp_by_bytes(std::string_view body) {
    static constexpr std::string_view key = "\xa9Timestamp"sv;
    auto at = body.find(key);
    if (at == std::string_view::npos) return std::nullopt;
    signalr::msgpack::reader r(body.substr(at + key.size()));
    auto s = r.read_string();
    if (!s) return std::nullopt;
    return parse_time(*s);
}

}  // namespace

std::optional<response_head> parse_response_head(std::string_view in) {
    auto end = in.find("\r\n\r\n");
    if (end == std::string_view::npos) return std::nullopt;
    response_head h;
    h.head_size = end + 4;
    std::string_view head = in.substr(0, end);
    auto line_end = head.find("\r\n");
    std::string_view status_line = head.substr(0, line_end);
    if (status_line.size() >= 12 && status_line.substr(0, 7) == "HTTP/1."sv && status_line[8] == ' ') {
        int code = 0;
        auto [p, ec] = std::from_chars(status_line.data() + 9, status_line.data() + 12, code);
        if (ec == std::errc{} && p == status_line.data() + 12) h.status = code;
    }
    std::string_view rest = line_end == std::string_view::npos ? std::string_view{} : head.substr(line_end + 2);
    while (!rest.empty()) {
        auto eol = rest.find("\r\n");
        std::string_view line = rest.substr(0, eol);
        rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 2);
        auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string_view name = line.substr(0, colon), value = trim(line.substr(colon + 1));
        if (iequal(name, "Content-Length")) {
            std::size_t n = 0;
            auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
            if (ec == std::errc{} && p == value.data() + value.size()) h.content_length = n;
        } else if (iequal(name, "Sec-WebSocket-Accept")) {
            h.accept_key = value;
        }
    }
    return h;
}

std::optional<std::string> negotiate_token(std::string_view body) {
    if (auto t = json_string_field(body, "\"connectionToken\""sv)) return std::string(*t);
    if (auto id = json_string_field(body, "\"connectionId\""sv)) return std::string(*id);
    return std::nullopt;
}

std::string websocket_key(std::mt19937_64& rng) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char raw[18] = {};
    for (int i = 0; i < 16; ++i) raw[i] = static_cast<unsigned char>(rng());
    std::string out;
    for (int i = 0; i < 18; i += 3) {
        const std::uint32_t v = (std::uint32_t(raw[i]) << 16) | (std::uint32_t(raw[i + 1]) << 8) | raw[i + 2];
        for (int k = 3; k >= 0; --k) out += alphabet[(v >> (6 * k)) & 63];
    }
    out.resize(22);  // 16 bytes are 22 base64 digits and two pad characters
    return out + "==";
}

frame_status next_server_frame(std::string_view in, server_frame& f, std::size_t max_payload) {
    if (in.size() < 2) return frame_status::need_more;
    auto b = [&](std::size_t i) { return std::uint64_t(static_cast<unsigned char>(in[i])); };
    if ((b(0) & 0x70) != 0 || (b(1) & 0x80) != 0) return frame_status::invalid;  // RSV bits, masked
    const auto op = static_cast<ws::opcode>(b(0) & 0x0F);
    switch (op) {
    case ws::opcode::continuation: case ws::opcode::text: case ws::opcode::binary:
    case ws::opcode::close: case ws::opcode::ping: case ws::opcode::pong: break;
    default: return frame_status::invalid;
    }
    std::uint64_t len = b(1) & 0x7F;
    std::size_t at = 2;
    if (len == 126) {
        if (in.size() < 4) return frame_status::need_more;
        len = (b(2) << 8) | b(3);
        at = 4;
    } else if (len == 127) {
        if (in.size() < 10) return frame_status::need_more;
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | b(2 + std::size_t(i));
        at = 10;
    }
    if (len > max_payload) return frame_status::invalid;
    if (in.size() - at < len) return frame_status::need_more;
    f.op = op;
    f.fin = (b(0) & 0x80) != 0;
    f.size = at + std::size_t(len);
    f.payload = in.substr(at, std::size_t(len));
    return frame_status::complete;
}

hub_record scan_json_record(std::string_view json, bool with_time) {
    hub_record r;
    auto at = json.find("\"type\""sv);
    if (at != std::string_view::npos) {
        std::string_view rest = json.substr(at + 6);
        while (!rest.empty() && (rest.front() == ' ' || rest.front() == ':')) rest.remove_prefix(1);
        std::from_chars(rest.data(), rest.data() + rest.size(), r.type);
    }
    if (!with_time) return r;
    if (auto t = json_string_field(json, "\"Timestamp\""sv)) r.timestamp_ms = parse_time(*t);
    return r;
}

hub_record scan_msgpack_record(std::string_view body) {
    hub_record r;
    signalr::msgpack::reader rd(body);
    auto items = rd.read_array_header();
    if (!items || *items == 0) return r;
    auto type = rd.read_int64();
    if (!type) return r;
    r.type = static_cast<int>(*type);
    if (r.type == 1) r.timestamp_ms = msgpack_timestamp_by_bytes(body);
    return r;
}

std::optional<std::pair<std::size_t, std::size_t>> msgpack_length(std::string_view in) {
    auto lp = signalr::msgpack_protocol::read_length_prefix(in);
    if (!lp) return std::nullopt;
    if (!lp->complete) return std::pair<std::size_t, std::size_t>{0, 0};
    return std::pair<std::size_t, std::size_t>{lp->size, lp->length};
}

}  // namespace tallyhub::load
