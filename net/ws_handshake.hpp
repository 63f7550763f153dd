#pragma once
// Server side of the WebSocket opening handshake (RFC 6455 §4.2): checks an upgrade request and
// produces either the complete 101 response or the HTTP error to send instead. Sans-I/O and independent
// of any HTTP parser: the caller copies the few header values it needs into `upgrade_request`.

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

namespace tallyhub::ws {

/// The parts of an HTTP request that decide a WebSocket upgrade. Header fields hold the raw values;
/// an absent header is an empty view. When a header occurs several times, join the values with ", "
/// (RFC 9110 §5.3) before filling the field in.
struct upgrade_request {
    std::string_view method;                 ///< request method, e.g. "GET" (case-sensitive)
    int version_major = 1;                   ///< HTTP version, e.g. 1 and 1 for HTTP/1.1
    int version_minor = 1;
    std::string_view upgrade;                ///< Upgrade header
    std::string_view connection;             ///< Connection header
    std::string_view sec_websocket_version;  ///< Sec-WebSocket-Version header
    std::string_view sec_websocket_key;      ///< Sec-WebSocket-Key header
};

/// Why an upgrade was refused, in HTTP terms. All views point at static storage.
struct upgrade_rejection {
    int status = 400;                ///< 400, 405 or 426
    std::string_view reason;         ///< short human-readable text, suitable as a text/plain body
    std::string_view extra_headers;  ///< complete header lines ("Name: value\r\n"...) the response must carry

    /// Complete HTTP/1.1 response bytes: status line, extra headers, text/plain body, Connection: close.
    std::string to_http() const;
};

/// The outcome of `accept_upgrade`: the 101 response bytes, or a rejection.
class upgrade_result {
public:
    upgrade_result(std::string response) : v_(std::move(response)) {}
    upgrade_result(upgrade_rejection r) : v_(r) {}

    /// True when the request was a valid upgrade and `response()` holds the 101 bytes.
    bool accepted() const noexcept { return v_.index() == 0; }
    /// The 101 Switching Protocols response, headers and final CRLF included.
    const std::string& response() const { return std::get<0>(v_); }
    /// Why the upgrade was refused; only when `!accepted()`.
    const upgrade_rejection& rejection() const { return std::get<1>(v_); }

private:
    std::variant<std::string, upgrade_rejection> v_;
};

/// Length of a Sec-WebSocket-Accept value: base64 of a 20-byte SHA-1 digest.
inline constexpr std::size_t accept_key_size = 28;

/// Sec-WebSocket-Accept for `key`: base64(SHA1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")).
std::array<char, accept_key_size> compute_accept_key(std::string_view key);

/// Validates an upgrade request and builds the 101 response. `extra_headers` (complete
/// "Name: value\r\n" lines, e.g. a Server header) are copied into the 101 response as they are.
upgrade_result accept_upgrade(const upgrade_request& req, std::string_view extra_headers = {});

/// True if the comma-separated header `value` contains `token`, compared ASCII case-insensitively.
bool header_has_token(std::string_view value, std::string_view token) noexcept;

}  // namespace tallyhub::ws
