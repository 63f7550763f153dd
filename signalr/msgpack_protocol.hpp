#pragma once
// The SignalR MessagePack hub protocol ("messagepack", versions 1 and 2), sans-I/O
// (reference/signalr-protocol.md §5). The handshake before it is JSON (signalr/handshake.hpp), and so
// is the server's `{}\x1e` answer, though it goes out in a Binary frame.
//
// Framing: each record is a VarInt length (7 bits per byte, least significant group first, high bit =
// more; 1 to 5 bytes, at most 2^31 - 1) followed by that many bytes holding one MessagePack array:
//   [1, headers, id|nil, target, [args], [streamIds]?]   [4, headers, id, target, [args], [streamIds]?]
//   [2, headers, id, item]        [3, headers, id, 1, error] | [3, headers, id, 2] | [3, headers, id, 3, result]
//   [5, headers, id]   [6]   [7, error|nil, allowReconnect?]   [8, sequenceId]   [9, sequenceId]
// The JS client writes 5-item invocations when there are no upload streams, and `[7, nil]` to close.
// Items past the ones a type defines are skipped (forward compatibility, as both official peers do);
// unknown types are ignored.
//
// Raw fields (arguments, item, result). message.hpp calls them "raw JSON"; here their encoding is a
// choice of the parser and writer (payload_format):
// - payload_format::msgpack: the exact MessagePack bytes of each value, as it appeared in the record.
//   No copy; for code that handles MessagePack values itself (msgpack::reader).
// - payload_format::json: each value converted to JSON text (msgpack_json.hpp), so that the parsed
//   messages are exactly what json_protocol's parser produces and the JSON-based hub binder and
//   dispatcher serve both protocols unchanged. write_json_payload() converts the other way.
//
// Lifetime of a parsed message: as in json_protocol, views into the input and into the parser, valid
// until the parser's next call and while the input is untouched.
//
// Strictness: the record must be one well-formed MessagePack array with nothing after it, nested at
// most msgpack::max_depth deep; every length is checked against the record. A length prefix over
// max_message_size is rejected as soon as it is read, without waiting for the body.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "signalr/json_protocol.hpp"  // step, step_kind (shared with the JSON codec)
#include "signalr/message.hpp"
#include "signalr/msgpack_json.hpp"

namespace tallyhub::signalr::msgpack_protocol {

using json_protocol::step;
using json_protocol::step_kind;

/// ASP.NET Core's default MaximumReceiveMessageSize; the length prefix counts.
inline constexpr std::size_t default_max_message_size = 32 * 1024;

/// The largest record body a length prefix may announce (.NET: "Messages over 2GB in size are not supported").
inline constexpr std::uint32_t max_record_length = 0x7fffffff;

/// Longest length prefix: 5 bytes (`FF FF FF FF 07` = 2^31 - 1).
inline constexpr std::size_t max_prefix_size = 5;

/// Error codes in `error::code`. Every one is a protocol violation that closes the connection.
enum class errc : int {
    bad_length_prefix = 1,  ///< longer than 5 bytes, or over 2^31 - 1
    message_too_large,      ///< prefix + body over max_message_size
    malformed,              ///< empty, not MessagePack, truncated, nested too deep, or bytes after the array
    wrong_type,             ///< a field of the wrong MessagePack type, or an empty required string
    missing_field,          ///< fewer items than the message type needs
    unsupported_value,      ///< payload_format::json: a value JSON cannot carry (msgpack_json.hpp)
};

/// How raw fields (arguments, item, result) are encoded in hub messages; see the header comment.
enum class payload_format : std::uint8_t { msgpack, json };

/// What a length prefix at the start of some bytes says.
struct length_prefix {
    bool complete = false;  ///< false: the prefix itself is cut short; read more
    std::size_t size = 0;   ///< bytes of the prefix (1-5) when complete
    std::uint32_t length = 0;  ///< the body length it announces
};

/// Reads the VarInt at the start of `input`. Errors: more than 5 bytes, or a value over 2^31 - 1.
/// Non-minimal encodings (`81 00` for 1) are accepted, as .NET's BinaryMessageParser does.
result<length_prefix> read_length_prefix(std::string_view input);

/// Appends the VarInt for `length` (1-5 bytes, minimal).
void append_length_prefix(std::string& out, std::uint32_t length);

/// Decodes records. Holds reusable argument/header/stream-id storage and the JSON text of converted
/// values, so keep one per core rather than one per connection.
class parser {
public:
    /// Records longer than `max_message_size` (prefix included) are errors; 0 means no limit.
    explicit parser(std::size_t max_message_size = default_max_message_size,
                    payload_format payload = payload_format::json);
    ~parser();
    parser(parser&&) noexcept;
    parser& operator=(parser&&) noexcept;

    /// Decodes the first record of `input` (a partial record is step_kind::incomplete).
    result<step> next(std::string_view input);

    /// Calls on_message(const hub_message&) for each complete record of `input` and returns the bytes
    /// consumed (a trailing partial record is left for the caller to keep), or the first error.
    template <typename OnMessage>
    result<std::size_t> parse(std::string_view input, OnMessage&& on_message) {
        std::size_t done = 0;
        for (;;) {
            auto s = next(input.substr(done));
            if (!s) return s.err();
            if (s->kind == step_kind::incomplete) return done;
            done += s->consumed;
            if (s->kind == step_kind::message) on_message(static_cast<const hub_message&>(s->message));
        }
    }

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// Appends `msg` as one record (length prefix + array) as ASP.NET Core writes it: headers always (an
/// empty map when none), nil for an empty invocation id, 6-item invocations (`[]` when no streams),
/// Completion kind 1 when `error` is non-empty, else 3 when `result` is set, else 2; Close with 3 items
/// (nil for no or an empty error). Raw fields are MessagePack bytes copied verbatim, except that empty
/// and the text `null` (message.hpp's json_null, never a single MessagePack value) are written as nil.
void write(const hub_message& msg, std::string& out);

/// write(), for a message whose raw fields are JSON text (as hub_binding produces): each is converted
/// (empty text is nil). On error (text that is not JSON) `out` is left as it was.
result<void> write_json_payload(const hub_message& msg, std::string& out);

/// Appends the MessagePack records for the complete JSON hub records in `json_records` (each ending in
/// 0x1E, as hub.cpp's invocation_record and the broadcast code build them), parsed with `json`. Lets a
/// broadcast encoded once as JSON be encoded once more for MessagePack connections, without touching
/// the code that builds it. On error (a malformed or partial record) `out` is left as it was.
result<void> transcode_json_records(json_protocol::parser& json, std::string_view json_records, std::string& out);

/// The record for a Ping, `[6]` with its prefix, ready to send.
inline constexpr std::string_view ping_record = "\x02\x91\x06";

}  // namespace tallyhub::signalr::msgpack_protocol
