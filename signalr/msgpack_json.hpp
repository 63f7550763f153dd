#pragma once
// Converting one value between MessagePack and JSON, so that the JSON-based hub binder
// (signalr/hub_binding.hpp) serves MessagePack connections too: arguments and stream items are
// converted on the way in, results and server-to-client arguments on the way out.
//
// MessagePack -> JSON
// - nil, bool: null, true/false; integers of any width: decimal, exact (int64 and uint64);
// - float64: the shortest text that reads back as the same double; float32: the shortest text that
//   reads back as the same float (0.1f -> 0.1); NaN and infinities (not JSON) -> null;
// - str: a JSON string (escaped as json_writer does; invalid UTF-8 becomes U+FFFD);
// - bin: a base64 string (standard alphabet, padded), which is how System.Text.Json writes a byte[];
// - array, map: array, object. Map keys must be strings, or integers (written as "123", as
//   System.Text.Json writes an integer-keyed dictionary); other keys are errc::unsupported;
// - ext -1 (timestamp, what @msgpack/msgpack sends for a Date and MessagePack-CSharp for a DateTime):
//   an ISO 8601 UTC string, "2026-12-03T20:07:03.123Z" (fraction only when nonzero, at most 9 digits);
//   any other ext is errc::unsupported.
//
// JSON -> MessagePack
// - null, true/false; an integer literal that fits int64 or uint64: the smallest integer encoding;
//   any other number: float64; a string: str; array, object: array, map with string keys.
//   Integers past 64 bits and numbers past double's range are malformed (simdjson rejects them).
//
// Both check their input whole (one value, nothing after it, nesting at most msgpack::max_depth) and
// leave `out` as it was on error.

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tallyhub::signalr::msgpack_protocol {

/// Error codes of the converters, in `error::code`.
enum class convert_errc : int {
    malformed = 1,  ///< not exactly one well-formed value
    unsupported,    ///< a value JSON (or MessagePack) cannot carry: ext type, non-string map key, year > 9999
    too_deep,       ///< nested deeper than msgpack::max_depth
};

/// Appends the JSON text of the single MessagePack value in `msgpack_value`.
result<void> append_json_from_msgpack(std::string_view msgpack_value, std::string& out);

/// Appends the MessagePack encoding of the single JSON value in `json_text` (surrounding whitespace
/// allowed). Uses a per-thread simdjson parser and padded copy, both reused.
result<void> append_msgpack_from_json(std::string_view json_text, std::string& out);

/// Appends `bytes` in standard base64 with padding (no quotes).
void append_base64(std::string& out, std::string_view bytes);

}  // namespace tallyhub::signalr::msgpack_protocol
