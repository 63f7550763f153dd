#pragma once
// The SignalR handshake (reference/signalr-protocol.md §3), sans-I/O. The client's first message is
// always JSON + 0x1E, whatever hub protocol it asks for:
//     {"protocol":"json","version":1}\x1e         (version 2 when stateful reconnect was negotiated)
// The server answers `{}\x1e`, or `{"error":"…"}\x1e` and then closes the connection.
//
// Flow for the transport:
//   1. parse_handshake_request(buffered bytes): incomplete -> read more; error -> send
//      write_handshake_response(err.reason) and close; complete -> drop `consumed` bytes. Whatever follows
//      in the buffer is already hub protocol data.
//   2. check_handshake(request, options): not accepted -> send its error and close.
//   3. send `{}\x1e` (handshake_ok_record), possibly in the same frame as the first hub messages.
// On the handshake timeout (15 s) send handshake_canceled_error and close.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tallyhub::signalr {

/// A hub protocol a client can ask for.
enum class hub_protocol : std::uint8_t { json, messagepack };

/// Sent for malformed JSON, a missing or mistyped `protocol`/`version` (what the .NET server sends
/// without detailed errors).
inline constexpr std::string_view handshake_malformed_error =
    "An unexpected error occurred during connection handshake.";

/// Sent on the handshake timeout, or when no 0x1E arrives within the size limit.
inline constexpr std::string_view handshake_canceled_error = "Handshake was canceled.";

/// The success response, ready to send.
inline constexpr std::string_view handshake_ok_record = "{}\x1e";

/// Error codes in `error::code`; `error::reason` is the exact text to send in the error response.
enum class handshake_errc : int {
    malformed = 1,  ///< reason = handshake_malformed_error
    too_large,      ///< reason = handshake_canceled_error
};

/// The client's request. `protocol` is as the client spelled it (names match case-insensitively).
struct handshake_request {
    std::string protocol;
    int version = 0;
};

/// Result of parsing: either still waiting for bytes, or a request and the bytes it took.
struct handshake_step {
    bool complete = false;
    std::size_t consumed = 0;  ///< the request's bytes including its 0x1E; 0 when incomplete
    handshake_request request;
};

/// Parses the request at the start of `input`, which may hold part of it (incomplete) or the request
/// followed by hub messages. Fields may come in any order; unknown ones are ignored. A request with no
/// 0x1E in its first `max_size` bytes (0 = no limit) fails with handshake_errc::too_large.
result<handshake_step> parse_handshake_request(std::string_view input, std::size_t max_size = 32 * 1024);

/// What this server and the current transport allow.
struct handshake_options {
    bool json = true;
    bool messagepack = false;      ///< hub_connection enables it (the codec: signalr/msgpack_protocol.hpp)
    int max_version = 2;           ///< .NET 8+: any version <= 2 (2 = stateful reconnect capable)
    bool binary_transport = true;  ///< false for Server-Sent Events (Text only)
};

/// The server's answer to a request.
struct handshake_verdict {
    hub_protocol protocol = hub_protocol::json;
    int version = 0;
    std::string error;  ///< empty when accepted, else the exact message ASP.NET Core sends

    /// Whether the handshake succeeded.
    bool accepted() const noexcept { return error.empty(); }
};

/// Decides on a parsed request in the .NET server's order: protocol known, version supported, transfer
/// format available on the transport.
handshake_verdict check_handshake(const handshake_request& request, const handshake_options& options);

/// Appends the response record: `{}\x1e` when `error` is empty, else `{"error":"<escaped error>"}\x1e`.
void write_handshake_response(std::string& out, std::string_view error = {});

}  // namespace tallyhub::signalr
