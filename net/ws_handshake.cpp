#include "net/ws_handshake.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

namespace tallyhub::ws {

namespace {

constexpr std::string_view accept_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

constexpr char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}

// Strips optional whitespace (RFC 9110 OWS: spaces and tabs) from both ends.
std::string_view trim_ows(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool is_base64_char(char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

// A 16-byte value in base64 is always 22 alphabet characters followed by "==".
bool is_valid_key(std::string_view key) noexcept {
    if (key.size() != 24 || key[22] != '=' || key[23] != '=') return false;
    for (std::size_t i = 0; i < 22; ++i)
        if (!is_base64_char(key[i])) return false;
    return true;
}

std::string_view status_text(int status) noexcept {
    switch (status) {
    case 400: return "Bad Request";
    case 405: return "Method Not Allowed";
    case 426: return "Upgrade Required";
    default: return "Error";
    }
}

upgrade_rejection reject(int status, std::string_view reason, std::string_view extra_headers = {}) {
    return upgrade_rejection{status, reason, extra_headers};
}

}  // namespace

bool header_has_token(std::string_view value, std::string_view token) noexcept {
    while (!value.empty()) {
        std::size_t comma = value.find(',');
        std::string_view item = trim_ows(value.substr(0, comma));
        if (iequals(item, token)) return true;
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return false;
}

std::array<char, accept_key_size> compute_accept_key(std::string_view key) {
    // The key is at most a few dozen bytes in practice; hash key and GUID as one message.
    std::string input;
    input.reserve(key.size() + accept_guid.size());
    input.append(key).append(accept_guid);

    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);

    unsigned char encoded[accept_key_size + 1];  // EVP_EncodeBlock adds a NUL
    EVP_EncodeBlock(encoded, digest, SHA_DIGEST_LENGTH);

    std::array<char, accept_key_size> out;
    for (std::size_t i = 0; i < accept_key_size; ++i) out[i] = char(encoded[i]);
    return out;
}

upgrade_result accept_upgrade(const upgrade_request& req, std::string_view extra_headers) {
    if (req.method != "GET")
        return reject(405, "WebSocket upgrade requires GET", "Allow: GET\r\n");
    if (req.version_major < 1 || (req.version_major == 1 && req.version_minor < 1))
        return reject(400, "WebSocket upgrade requires HTTP/1.1 or later");
    if (!header_has_token(req.upgrade, "websocket"))
        return reject(400, "Upgrade header must contain websocket");
    if (!header_has_token(req.connection, "upgrade"))
        return reject(400, "Connection header must contain upgrade");
    // RFC 6455 §4.4: answer any other (or missing) version with 426 and the versions we speak.
    if (trim_ows(req.sec_websocket_version) != "13")
        return reject(426, "Unsupported Sec-WebSocket-Version", "Sec-WebSocket-Version: 13\r\n");
    std::string_view key = trim_ows(req.sec_websocket_key);
    if (key.empty())
        return reject(400, "Missing Sec-WebSocket-Key");
    if (!is_valid_key(key))
        return reject(400, "Sec-WebSocket-Key must be 16 bytes in base64");

    auto accept = compute_accept_key(key);
    std::string response;
    response.reserve(160 + extra_headers.size());
    response.append("HTTP/1.1 101 Switching Protocols\r\n"
                    "Upgrade: websocket\r\n"
                    "Connection: Upgrade\r\n"
                    "Sec-WebSocket-Accept: ");
    response.append(accept.data(), accept.size());
    response.append("\r\n");
    response.append(extra_headers);
    response.append("\r\n");
    return response;
}

std::string upgrade_rejection::to_http() const {
    std::string out;
    out.reserve(128 + extra_headers.size() + reason.size());
    out.append("HTTP/1.1 ").append(std::to_string(status)).append(" ").append(status_text(status));
    out.append("\r\n");
    out.append(extra_headers);
    out.append("Content-Type: text/plain; charset=utf-8\r\n");
    out.append("Content-Length: ").append(std::to_string(reason.size())).append("\r\n");
    out.append("Connection: close\r\n\r\n");
    out.append(reason);
    return out;
}

}  // namespace tallyhub::ws
