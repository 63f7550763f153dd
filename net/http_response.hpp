#pragma once
// HTTP/1.1 response serialization straight into a connection's output (cork) buffer. Every response
// carries `Server: tallyhub` and a `Date` formatted at most once per second per thread.

#include <ctime>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "net/http_request.hpp"

namespace tallyhub::http {

/// The standard reason phrase for a status ("Not Found"); "Unknown" for unregistered codes.
std::string_view reason_phrase(int status) noexcept;

/// True for statuses that never carry a body or Content-Length (1xx, 204, 304).
constexpr bool status_has_no_body(int status) noexcept {
    return (status >= 100 && status < 200) || status == 204 || status == 304;
}

/// Writes an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT", 29 bytes) for `t` into `out`.
void format_http_date(std::time_t t, char (&out)[29]) noexcept;

/// The current time as an IMF-fixdate, cached per thread and refreshed once per second.
std::string_view current_http_date() noexcept;

/// What the response says about the connection. HTTP/1.0 clients need an explicit `keep_alive`.
enum class connection_header : unsigned char { none, close, keep_alive };

/// The connection header to send to `req` if the server keeps the connection when the client allows it.
connection_header connection_for(const request& req) noexcept;

/// Everything about a response except its body.
struct response_head {
    int status = 200;
    std::span<const header_field> headers = {};  ///< extra fields, written in order
    connection_header connection = connection_header::none;
    bool omit_body = false;   ///< a HEAD response: Content-Length of the body, but no body bytes
    std::string_view date{};  ///< overrides Date (tests); empty means current_http_date()
};

/// Appends a full response to `out`: status line, Server, Date, Connection, extra fields,
/// Content-Length (not for 1xx/204/304), blank line, body. Fields whose name or value holds CR or LF
/// are dropped (no response splitting).
void append_response(std::string& out, const response_head& head, std::string_view body);

/// Like append_response, for a body the caller writes itself after the head (Content-Length given).
void append_response_head(std::string& out, const response_head& head, std::size_t content_length);

/// A complete response as a new string.
std::string make_response(const response_head& head, std::string_view body);

/// A short text/plain error response whose body is `reason` and a newline.
std::string error_response(int status, std::string_view reason,
                           connection_header connection = connection_header::none,
                           std::span<const header_field> headers = {});

/// The response to a parse error: the error's status and reason, and `Connection: close`.
std::string error_response(const error& e);

}  // namespace tallyhub::http
