#include "signalr/negotiate.hpp"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>

#include "net/http_request.hpp"
#include "signalr/json_writer.hpp"

namespace tallyhub::signalr {

namespace {

constexpr char base64url_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// getrandom(2) with flags 0 blocks only until the pool is first initialized at boot, and for 16 bytes
// (<= 256) it never returns short once it returns at all; the loop covers EINTR and the documented
// possibility of short reads anyway.
void fill_random(std::span<std::uint8_t> out) {
    std::size_t done = 0;
    while (done < out.size()) {
        ssize_t n = ::getrandom(out.data() + done, out.size() - done, 0);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
        } else if (n < 0 && errno != EINTR) {
            // ENOSYS (kernel < 3.17) or EFAULT: no CSPRNG, and a guessable token is a hijacked
            // connection. Refuse to go on.
            std::fprintf(stderr, "tallyhub: getrandom failed: %s\n", std::strerror(errno));
            std::abort();
        }
    }
}

// StringValues.ToString(): every value of the key (matched like .NET's case-insensitive query
// dictionary), joined with ','. nullopt when the key is absent.
std::optional<std::string> query_value(const http::query_params& query, std::string_view key) {
    std::optional<std::string> joined;
    for (const auto& [k, v] : query) {
        if (!http::iequals(k, key)) continue;
        if (joined) {
            joined->push_back(',');
            joined->append(v);
        } else {
            joined.emplace(v);
        }
    }
    return joined;
}

// NumberStyles.Integer white space: U+0009..U+000D and U+0020.
constexpr bool is_number_space(char c) noexcept { return c == ' ' || (c >= '\t' && c <= '\r'); }

std::string_view trim_number_space(std::string_view s) noexcept {
    while (!s.empty() && is_number_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_number_space(s.back())) s.remove_suffix(1);
    return s;
}

// int.TryParse(s) with NumberStyles.Integer and the invariant culture.
std::optional<int> parse_int32(std::string_view s) noexcept {
    s = trim_number_space(s);
    bool negative = false;
    if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
        negative = s.front() == '-';
        s.remove_prefix(1);
    }
    if (s.empty()) return std::nullopt;
    std::int64_t magnitude = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        magnitude = magnitude * 10 + (c - '0');
        if (magnitude > std::int64_t{std::numeric_limits<int>::max()} + 1) return std::nullopt;
    }
    std::int64_t v = negative ? -magnitude : magnitude;
    if (v > std::numeric_limits<int>::max()) return std::nullopt;
    return static_cast<int>(v);
}

// bool.TryParse(s, out b) && b: "True" in any case, surrounding white space ignored.
bool parse_true(std::string_view s) noexcept {
    s = trim_number_space(s);
    return http::iequals(s, "true");
}

std::string unsupported_version_error(int version) {
    std::string msg = "The client requested version '";
    msg += std::to_string(version);
    msg += "', but the server does not support this version.";
    return msg;
}

void write_transport(json_writer& w, std::string_view name, bool binary) {
    w.begin_object().key("transport").string_value(name).key("transferFormats").begin_array();
    w.string_value("Text");
    if (binary) w.string_value("Binary");
    w.end_array().end_object();
}

}  // namespace

std::string base64url_encode(std::span<const std::uint8_t> bytes) {
    std::string out;
    out.reserve((bytes.size() * 4 + 2) / 3);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        std::uint32_t v = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
        out.push_back(base64url_alphabet[(v >> 18) & 63]);
        out.push_back(base64url_alphabet[(v >> 12) & 63]);
        out.push_back(base64url_alphabet[(v >> 6) & 63]);
        out.push_back(base64url_alphabet[v & 63]);
    }
    std::size_t rest = bytes.size() - i;
    if (rest > 0) {
        std::uint32_t v = std::uint32_t{bytes[i]} << 16;
        if (rest == 2) v |= std::uint32_t{bytes[i + 1]} << 8;
        out.push_back(base64url_alphabet[(v >> 18) & 63]);
        out.push_back(base64url_alphabet[(v >> 12) & 63]);
        if (rest == 2) out.push_back(base64url_alphabet[(v >> 6) & 63]);
    }
    return out;
}

std::string new_connection_id() {
    std::array<std::uint8_t, 16> bytes;
    fill_random(bytes);
    return base64url_encode(bytes);
}

negotiate_query parse_negotiate_query(const http::query_params& query, int min_version) {
    negotiate_query out;
    if (auto text = query_value(query, "negotiateVersion")) {
        auto version = parse_int32(*text);
        if (!version) {
            out.error = negotiate_non_integer_error;
            return out;
        }
        if (*version < min_version) {
            out.error = unsupported_version_error(*version);
            return out;
        }
        out.request.version = *version > negotiate_max_version ? negotiate_max_version : *version;
    } else if (min_version > 0) {
        out.error = unsupported_version_error(0);
        return out;
    }
    if (auto text = query_value(query, "useStatefulReconnect")) out.request.stateful_reconnect = parse_true(*text);
    return out;
}

std::string negotiate_response(const negotiate_request& request, std::string_view connection_id,
                               std::string_view connection_token, const transports& offered,
                               bool allow_stateful) {
    std::string out;
    out.reserve(256);
    json_writer w(out);
    w.begin_object();
    if (request.stateful_reconnect && allow_stateful) w.key("useStatefulReconnect").bool_value(true);
    w.key("negotiateVersion").int_value(request.version);
    w.key("connectionId").string_value(connection_id);
    if (request.version >= 1) w.key("connectionToken").string_value(connection_token);
    w.key("availableTransports").begin_array();
    if (offered.websockets) write_transport(w, "WebSockets", true);
    if (offered.server_sent_events) write_transport(w, "ServerSentEvents", false);
    if (offered.long_polling) write_transport(w, "LongPolling", true);
    w.end_array().end_object();
    return out;
}

std::string negotiate_error_body(std::string_view message) {
    std::string out;
    out.reserve(message.size() + 12);
    json_writer(out).begin_object().key("error").string_value(message).end_object();
    return out;
}

}  // namespace tallyhub::signalr
