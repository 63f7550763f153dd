#pragma once
// A bounded MessagePack reader and writer for the subset the SignalR MessagePack hub protocol uses
// (msgpack spec: nil, bool, ints of every width, float32/64, str, bin, array, map; ext is read as opaque
// bytes so that it can be skipped or converted).
//
// Why hand-written: Debian's msgpack-cxx (libmsgpack-cxx-dev 4.x) reports malformed input by throwing
// (msgpack::insufficient_bytes, parse_error) and decodes into zone-allocated object trees; its visitor
// API does not hand back the byte span of a nested value. The hub protocol needs the opposite: no
// exceptions on the data path, no allocation, and each argument kept as the exact bytes it came in.
//
// The reader never reads past its buffer: every length (str/bin/ext payload, array/map element count)
// is checked against the bytes that remain before it is used, and skip() bounds nesting at max_depth.
// A failed read leaves the position where it was.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tallyhub::signalr::msgpack {

/// Deepest nesting of arrays and maps skip() accepts, the outermost counting as 1 (as in json_value).
inline constexpr int max_depth = 64;

/// Error codes in `error::code`.
enum class errc : int {
    truncated = 1,  ///< a value, or a length it announces, runs past the end of the bytes
    invalid_byte,   ///< 0xC1, which the format never uses
    too_deep,       ///< arrays and maps nested deeper than max_depth
    wrong_type,     ///< the next value is not of the type asked for
    out_of_range,   ///< an integer that does not fit the type asked for
};

/// The family of a value, whatever width it was encoded with.
enum class format : std::uint8_t { nil, boolean, integer, float32, float64, string, binary, array, map, ext };

/// One decoded value header. Scalars, strings, binaries and ext are complete; an array or map's
/// elements (`size` values, or `size` key/value pairs) follow it in the input.
struct value {
    format type = format::nil;
    bool boolean = false;
    bool negative = false;      ///< integer: below zero (then `bits` is the int64 two's complement)
    std::uint64_t bits = 0;     ///< integer: the value (see negative)
    double real = 0;            ///< float32 (exactly widened) or float64
    std::string_view bytes;     ///< string (UTF-8, not checked), binary, or ext payload
    std::int8_t ext_type = 0;   ///< ext: the application type (-1 = timestamp)
    std::uint32_t size = 0;     ///< array: elements; map: key/value pairs

    /// The integer as int64 when it is one and fits.
    std::optional<std::int64_t> as_int64() const noexcept;
    /// The integer as uint64 when it is one and not negative.
    std::optional<std::uint64_t> as_uint64() const noexcept;
};

/// An ext value's type and payload.
struct ext_view {
    std::int8_t type = 0;
    std::string_view data;
};

/// Reads values from the front of a byte buffer it does not own.
class reader {
public:
    explicit reader(std::string_view bytes) noexcept : bytes_(bytes) {}

    std::size_t offset() const noexcept { return pos_; }                   ///< bytes consumed
    std::size_t remaining() const noexcept { return bytes_.size() - pos_; }  ///< bytes left
    bool at_end() const noexcept { return pos_ == bytes_.size(); }

    /// The family of the next value, without consuming it.
    result<format> peek() const;
    /// Whether the next byte is nil (0xC0).
    bool next_is_nil() const noexcept;

    /// Reads the next value's header (see `value`): a container's elements are read by later calls.
    result<value> read();

    result<void> read_nil();
    result<bool> read_bool();
    result<std::int64_t> read_int64();    ///< any integer width; out_of_range above INT64_MAX
    result<std::uint64_t> read_uint64();  ///< any integer width; out_of_range when negative
    result<double> read_double();         ///< float32 or float64 (integers are wrong_type)
    result<std::string_view> read_string();
    /// A string, or nil (nullopt).
    result<std::optional<std::string_view>> read_nullable_string();
    result<std::string_view> read_binary();
    result<std::uint32_t> read_array_header();  ///< the element count (each still to be read)
    result<std::uint32_t> read_map_header();    ///< the pair count (each key and value still to be read)
    result<ext_view> read_ext();

    /// Skips the next value whole (its nested values too) and returns its exact bytes. `depth` is the
    /// level it sits at (1 = top level): a container at a level over max_depth is errc::too_deep.
    result<std::string_view> skip(int depth = 1);

private:
    std::string_view bytes_;
    std::size_t pos_ = 0;
};

/// Appends values in the smallest encoding the MessagePack spec allows (as MessagePack-CSharp and
/// @msgpack/msgpack write them): non-negative integers as fixint/uint8..64, negative as negative
/// fixint/int8..64, strings as fixstr/str8..32. Allocates nothing of its own: only `out` grows.
/// Containers are written as a header with the count, then the caller writes that many values.
class writer {
public:
    explicit writer(std::string& out) noexcept : out_(out) {}

    writer& nil_value();
    writer& bool_value(bool b);
    writer& int_value(std::int64_t v);
    writer& uint_value(std::uint64_t v);
    writer& double_value(double v);  ///< float64
    writer& float_value(float v);    ///< float32
    writer& string_value(std::string_view s);
    writer& binary_value(std::string_view b);
    writer& ext_value(std::int8_t type, std::string_view data);
    writer& begin_array(std::uint32_t elements);  ///< then `elements` values
    writer& begin_map(std::uint32_t pairs);       ///< then `pairs` keys and values, alternating
    /// One pre-encoded value copied verbatim (the caller vouches for it); empty bytes write nil.
    writer& raw_value(std::string_view encoded);

    std::string& out() noexcept { return out_; }

private:
    std::string& out_;
};

}  // namespace tallyhub::signalr::msgpack
