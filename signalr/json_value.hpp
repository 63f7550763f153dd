#pragma once
// Internal to signalr/*.cpp (includes simdjson): strict value handling on top of simdjson On-Demand,
// shared by the hub protocol and handshake parsers.
//
// On-Demand checks a value only when it is read: a skipped `[1,,2]` or `tru` passes unnoticed. These
// helpers read every token of a value so that what we accept, and every raw text we hand on, is valid
// JSON, as System.Text.Json (which validates everything it skips) would require.

#include <simdjson.h>

#include <string_view>

namespace tallyhub::signalr::json_value {

/// Deepest nesting accepted, counting the message object as 1 (System.Text.Json's default MaxDepth).
inline constexpr int max_depth = 64;

/// Reads all of `v`, whose nesting level is `depth`; false if any part is malformed or too deep.
bool validate(simdjson::ondemand::value& v, int depth);

/// Validates `v` and sets `raw` to its exact JSON text (no surrounding whitespace).
bool take_raw(simdjson::ondemand::document& doc, simdjson::ondemand::value& v, std::string_view& raw, int depth);

/// True when nothing but whitespace follows the root value already read.
bool at_end(simdjson::ondemand::document& doc);

}  // namespace tallyhub::signalr::json_value
