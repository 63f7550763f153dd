#pragma once
// The SignalR JSON hub protocol ("json", versions 1 and 2), sans-I/O: bytes in, hub messages out, and
// hub messages to bytes. Framing: each message is one JSON object followed by 0x1E; a transport message
// may carry several records, and the receive side tolerates a record split across transport messages.
//
// Receive loop (the transport appends bytes to a buffer it owns):
//   for (;;) {
//       auto s = parser.next(buf);                 // protocol error -> Close + shut the connection
//       if (!s) return close_with(s.err());
//       if (s->kind == step_kind::incomplete) break;  // keep the unconsumed tail for the next read
//       if (s->kind == step_kind::message) dispatch(s->message);
//       buf.remove_prefix(s->consumed);
//   }
//
// Lifetime of a parsed message: its views point into the input buffer and into the parser, so they are
// valid until the parser's next call and while the input bytes stay untouched. Copy or bind what
// must outlive that (e.g. across a co_await that lets another message be parsed).
//
// Padding: simdjson reads up to `padding` bytes past the end of a record. A record followed in the input
// by at least that many bytes (the next records, or `slack` bytes the caller says are readable past the
// end) is parsed in place; otherwise it is first copied into the parser's reusable scratch buffer.
//
// Strictness: every value is fully validated, including arguments and unknown properties (which are
// otherwise ignored), and nothing but whitespace may follow the object in its record. Unknown `type`
// values are skipped (forward compatibility), as ASP.NET Core does.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "signalr/message.hpp"

namespace tallyhub::signalr::json_protocol {

/// Terminates every JSON record (ASCII record separator).
inline constexpr char record_separator = '\x1e';

/// Readable bytes simdjson needs past the end of a record (SIMDJSON_PADDING).
inline constexpr std::size_t padding = 64;

/// ASP.NET Core's default MaximumReceiveMessageSize; the record's 0x1E counts.
inline constexpr std::size_t default_max_message_size = 32 * 1024;

/// Error codes in `error::code`. Every one is a protocol violation that closes the connection.
enum class errc : int {
    malformed_json = 1,      ///< not JSON, not an object, or trailing content
    missing_property,        ///< e.g. no `type`, no `target` on an invocation
    wrong_type,              ///< a known property has a value of the wrong JSON type
    conflicting_properties,  ///< Completion with both `error` and `result`
    message_too_large,       ///< no 0x1E within max_message_size bytes
};

/// What next() found at the start of the input.
enum class step_kind : std::uint8_t {
    message,     ///< `message` holds a decoded record
    ignored,     ///< a well-formed record of an unknown type: skip it
    incomplete,  ///< no complete record yet: keep the bytes and read more
};

/// One step of parsing: the kind, the bytes to drop from the input, and the message if any.
struct step {
    step_kind kind = step_kind::incomplete;
    std::size_t consumed = 0;  ///< record + separator; 0 when incomplete
    hub_message message;       ///< meaningful only when kind == message
};

/// Decodes records. Holds simdjson's buffers (sized by the largest record seen) and reusable
/// argument/header storage, so keep one per core rather than one per connection.
class parser {
public:
    /// Records longer than `max_message_size` (separator included) are errors; 0 means no limit.
    explicit parser(std::size_t max_message_size = default_max_message_size);
    ~parser();
    parser(parser&&) noexcept;
    parser& operator=(parser&&) noexcept;

    /// Decodes the first record of `input`. `slack` is how many bytes past input's end are readable.
    result<step> next(std::string_view input, std::size_t slack = 0);

    /// Calls on_message(const hub_message&) for each complete record of `input` and returns the bytes
    /// consumed (a trailing partial record is left for the caller to keep), or the first error.
    template <typename OnMessage>
    result<std::size_t> parse(std::string_view input, OnMessage&& on_message, std::size_t slack = 0) {
        std::size_t done = 0;
        for (;;) {
            auto s = next(input.substr(done), slack);
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

/// Appends `msg` as one record (JSON object + 0x1E), with ASP.NET Core's property order and omissions:
/// `type` first, then `headers` (only when non-empty), `invocationId` (only when non-empty), and the
/// type's own fields; `streamIds` only when non-empty; a Completion writes `error` when non-empty,
/// else `result` when present. Raw JSON fields are copied verbatim; empty raw text is written as null.
void write(const hub_message& msg, std::string& out);

/// The record for a Ping, `{"type":6}` + 0x1E, ready to send.
inline constexpr std::string_view ping_record = "{\"type\":6}\x1e";

}  // namespace tallyhub::signalr::json_protocol
