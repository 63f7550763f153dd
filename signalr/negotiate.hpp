#pragma once
// SignalR negotiate (reference/signalr-protocol.md §1), sans-I/O: connection ids, the query the client
// sends, and the JSON the server answers with, byte for byte what ASP.NET Core writes.
//
// Flow for the `POST {hub}/negotiate` route:
//   1. parse_negotiate_query(query): refused -> 200 application/json negotiate_error_body(error)
//      (.NET answers errors with status 200; the client throws Error(error)).
//   2. id = new_connection_id(); token = version >= 1 ? new_connection_id() : id. The client connects
//      with `?id=<token>` (for v0 the token *is* the connection id), so store the connection under the
//      token (token_registry.hpp), never under the public id.
//   3. 200 application/json negotiate_response(request, id, token, transports, allow_stateful).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "net/http_query.hpp"

namespace tallyhub::signalr {

/// Newest negotiate protocol version the server speaks; higher requests are clamped to it.
inline constexpr int negotiate_max_version = 1;

/// Sent when `negotiateVersion` is not an Int32 (.NET int.TryParse).
inline constexpr std::string_view negotiate_non_integer_error =
    "The client requested a non-integer protocol version.";

/// Base64url (RFC 4648 §5) of `bytes`, without '=' padding.
std::string base64url_encode(std::span<const std::uint8_t> bytes);

/// A fresh connection id or token: base64url of 16 bytes from getrandom(2) (22 characters), as
/// .NET's HttpConnectionManager makes them. Aborts the process if the kernel has no CSPRNG to offer
/// (ENOSYS): there is no safe fallback for secret tokens.
std::string new_connection_id();

/// The transports this endpoint offers, listed in this order.
struct transports {
    bool websockets = true;
    bool server_sent_events = false;
    bool long_polling = false;
};

/// What the client asked for in its negotiate query.
struct negotiate_request {
    int version = 0;                  ///< already clamped to negotiate_max_version
    bool stateful_reconnect = false;  ///< the client sent useStatefulReconnect=true
};

/// The outcome of parse_negotiate_query: the request, or the exact error text ASP.NET Core sends.
/// (Not a result<T>: the text quotes the client's number, and error::reason must be static.)
struct negotiate_query {
    negotiate_request request;
    std::string error;  ///< empty when accepted; else reply with negotiate_error_body(error)

    /// Whether the query was accepted.
    bool accepted() const noexcept { return error.empty(); }
};

/// Reads `negotiateVersion` and `useStatefulReconnect` (keys matched case-insensitively; a repeated
/// key reads as its values joined by ',' like .NET's StringValues). The version follows int.TryParse:
/// ASCII whitespace around an optional sign and digits. Absent -> 0 (refused if `min_version` > 0);
/// not an Int32 -> negotiate_non_integer_error; below `min_version` -> "The client requested version
/// 'N', but the server does not support this version."; above 1 -> 1. The stateful flag follows
/// bool.TryParse ("true"/"false" in any case, whitespace trimmed; anything else is false).
negotiate_query parse_negotiate_query(const http::query_params& query, int min_version = 0);

/// The success body. `"useStatefulReconnect":true` comes first, only if the client asked and
/// `allow_stateful`; `connectionToken` only for version >= 1; then the enabled transports with their
/// transfer formats (WebSockets Text+Binary, ServerSentEvents Text, LongPolling Text+Binary).
std::string negotiate_response(const negotiate_request& request, std::string_view connection_id,
                               std::string_view connection_token, const transports& offered,
                               bool allow_stateful = false);

/// The refusal body `{"error":"<message, JSON-escaped>"}` (sent with status 200).
std::string negotiate_error_body(std::string_view message);

}  // namespace tallyhub::signalr
