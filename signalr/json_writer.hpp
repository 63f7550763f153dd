#pragma once
// A small streaming JSON writer (simdjson 3.0 has no builder). It appends to a caller's std::string and
// allocates nothing of its own: the only growth is the caller's string.
//
// Escaping follows what ASP.NET Core's SignalR writer emits (System.Text.Json with
// JavaScriptEncoder.UnsafeRelaxedJsonEscaping), so our bytes match a .NET server's for the usual text:
// - `"` and `\` as `\"` and `\\`; \b \t \n \f \r in short form; other C0 controls and DEL as `\u00XX`
//   (upper-case hex);
// - U+2028 and U+2029 as `\u2028`/`\u2029` (JavaScript line terminators);
// - all other UTF-8 is copied raw. (.NET also escapes characters outside the BMP and a few other
//   blocked ranges; both forms decode to the same string.)
// Invalid UTF-8 is replaced by U+FFFD, so the output is always valid UTF-8 (a WebSocket text frame
// that is not is a fatal protocol error for the browser).

#include <cstdint>
#include <string>
#include <string_view>

namespace tallyhub::signalr {

/// Appends `s` as a quoted, escaped JSON string.
void append_json_string(std::string& out, std::string_view s);

/// Appends a JSON integer.
void append_json_int(std::string& out, std::int64_t v);

/// Appends a JSON unsigned integer.
void append_json_uint(std::string& out, std::uint64_t v);

/// Appends the shortest text that reads back as `v`; NaN and infinities (not JSON) become `null`.
void append_json_double(std::string& out, double v);

/// Writes nested objects and arrays, inserting commas and colons. The caller pairs begin/end calls and
/// puts a key() before each value inside an object; misuse yields invalid JSON, it is not checked.
class json_writer {
public:
    /// Writes into `out`, appending after what it already holds.
    explicit json_writer(std::string& out) noexcept : out_(out) {}

    json_writer& begin_object();  ///< `{`
    json_writer& end_object();    ///< `}`
    json_writer& begin_array();   ///< `[`
    json_writer& end_array();     ///< `]`

    /// A property name; the next call writes its value.
    json_writer& key(std::string_view name);

    json_writer& string_value(std::string_view s);    ///< escaped string
    json_writer& int_value(std::int64_t v);           ///< integer
    json_writer& uint_value(std::uint64_t v);         ///< unsigned integer
    json_writer& double_value(double v);              ///< shortest round-trip number
    json_writer& bool_value(bool b);                  ///< `true`/`false`
    json_writer& null_value();                        ///< `null`
    /// Pre-serialized JSON copied verbatim (the caller vouches for it); empty text writes `null`.
    json_writer& raw_value(std::string_view json);

    /// The string being written to.
    std::string& out() noexcept { return out_; }

private:
    void before_value();

    std::string& out_;
    // True once the current container holds an element, so the next one needs a comma. A closed
    // container is itself an element of its parent, which is why no depth stack is needed.
    bool need_comma_ = false;
};

}  // namespace tallyhub::signalr
