#pragma once
// The SignalR hub message model (HubProtocol.md; reference/signalr-protocol.md §4 and §7), shared by the
// JSON codec (signalr/json_protocol.hpp) and the hub dispatcher.
//
// Messages are views. Nothing here owns memory:
// - when *parsed*, every string_view and span points into the input record or into the parser that
//   produced it, and stays valid until that parser's next call (see json_protocol::parser);
// - when *written*, they point at whatever the caller keeps alive until write() returns.
// A "raw JSON" field holds the complete JSON text of one value (`42`, `"a"`, `{"x":[1]}`, `null`),
// exactly as it appeared on the wire when parsed, or as it must be written verbatim when sent; the hub
// dispatcher binds it to a typed parameter later.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>

namespace tallyhub::signalr {

/// The `type` number of each hub message.
enum class message_type : std::uint8_t {
    invocation = 1,
    stream_item = 2,
    completion = 3,
    stream_invocation = 4,
    cancel_invocation = 5,
    ping = 6,
    close = 7,
    ack = 8,       ///< stateful reconnect
    sequence = 9,  ///< stateful reconnect
};

/// The JSON text of a null value, for `result`/`item` of void methods and null arguments.
inline constexpr std::string_view json_null = "null";

/// One message header (`headers` is a string-to-string map; order is kept, keys are unique).
struct header {
    std::string_view name;
    std::string_view value;
};

/// Type 1: call `target`. An empty invocation_id means fire-and-forget: no reply of any kind is allowed.
struct invocation_message {
    std::string_view invocation_id;             ///< empty = none
    std::string_view target;
    std::span<const std::string_view> arguments;  ///< raw JSON, one per argument (stream parameters excluded)
    std::span<const std::string_view> stream_ids;  ///< upload streams bound to stream parameters, in order
    std::span<const header> headers;
};

/// Type 2: one item of a server stream or of a client upload stream.
struct stream_item_message {
    std::string_view invocation_id;
    std::string_view item = json_null;  ///< raw JSON (required on the wire; may be `null`)
    std::span<const header> headers;
};

/// Type 3: the end of an invocation or stream. At most one of error and result is set.
/// A void hub method still answers with result = json_null; a finished stream has neither.
struct completion_message {
    std::string_view invocation_id;
    std::optional<std::string_view> error;   ///< written only when non-empty (as ASP.NET Core does)
    std::optional<std::string_view> result;  ///< raw JSON; nullopt = no `result` property
    std::span<const header> headers;
};

/// Type 4: call a streaming `target`; the id is required.
struct stream_invocation_message {
    std::string_view invocation_id;
    std::string_view target;
    std::span<const std::string_view> arguments;  ///< raw JSON, one per argument
    std::span<const std::string_view> stream_ids;
    std::span<const header> headers;
};

/// Type 5: stop the stream (or in-progress invocation) with this id.
struct cancel_invocation_message {
    std::string_view invocation_id;
    std::span<const header> headers;
};

/// Type 6: keep-alive. Carries nothing, not even headers.
struct ping_message {};

/// Type 7: the sender is closing. Without allow_reconnect, auto-reconnecting clients stop for good.
struct close_message {
    std::optional<std::string_view> error;  ///< written whenever set, even if empty (still an error)
    bool allow_reconnect = false;
};

/// Type 8: the peer has processed every trackable message up to sequence_id.
struct ack_message {
    std::int64_t sequence_id = 0;
};

/// Type 9: after a reconnect, the id the sender's next trackable message will carry.
struct sequence_message {
    std::int64_t sequence_id = 0;
};

/// Any hub message. Alternative index + 1 == the `type` number.
using hub_message = std::variant<invocation_message, stream_item_message, completion_message,
                                 stream_invocation_message, cancel_invocation_message, ping_message,
                                 close_message, ack_message, sequence_message>;

/// The `type` number of `msg`.
inline message_type type_of(const hub_message& msg) noexcept {
    return static_cast<message_type>(msg.index() + 1);
}

/// Whether `t` takes part in stateful-reconnect numbering and replay (types 1-5 only).
constexpr bool is_trackable(message_type t) noexcept {
    return t >= message_type::invocation && t <= message_type::cancel_invocation;
}

}  // namespace tallyhub::signalr
