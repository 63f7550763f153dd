#pragma once
// The AMQP 1.0 type system as the codec sees it (AMQP 1.0 part 1, types.bare.xml): the constructor
// bytes of every primitive encoding, the descriptor codes of the composite types this server meets,
// and `value`, one decoded value that points into the bytes it came from.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace tallyhub::amqp {

/// Encoded bytes; every view the decoder returns points into the caller's buffer.
using bytes_view = std::span<const std::byte>;

inline bytes_view as_bytes(std::string_view s) noexcept {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}
inline std::string_view as_chars(bytes_view b) noexcept {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

/// Constructor bytes (format codes) of the primitive encodings.
namespace ctor {
enum : std::uint8_t {
    described = 0x00,
    null = 0x40,
    boolean_true = 0x41,
    boolean_false = 0x42,
    boolean = 0x56,
    ubyte = 0x50,
    ushort = 0x60,
    uint = 0x70,
    smalluint = 0x52,
    uint0 = 0x43,
    ulong = 0x80,
    smallulong = 0x53,
    ulong0 = 0x44,
    byte = 0x51,
    short_ = 0x61,
    int_ = 0x71,
    smallint = 0x54,
    long_ = 0x81,
    smalllong = 0x55,
    float_ = 0x72,
    double_ = 0x82,
    decimal32 = 0x74,
    decimal64 = 0x84,
    decimal128 = 0x94,
    char_ = 0x73,
    timestamp = 0x83,
    uuid = 0x98,
    vbin8 = 0xa0,
    vbin32 = 0xb0,
    str8 = 0xa1,
    str32 = 0xb1,
    sym8 = 0xa3,
    sym32 = 0xb3,
    list0 = 0x45,
    list8 = 0xc0,
    list32 = 0xd0,
    map8 = 0xc1,
    map32 = 0xd1,
    array8 = 0xe0,
    array32 = 0xf0,
};
}  // namespace ctor

/// Descriptor codes (domain 0x00000000) of the composite types; symbolic descriptors
/// ("amqp:open:list") are mapped to these by the reader.
namespace code {
enum : std::uint64_t {
    open = 0x10,
    begin = 0x11,
    attach = 0x12,
    flow = 0x13,
    transfer = 0x14,
    disposition = 0x15,
    detach = 0x16,
    end = 0x17,
    close = 0x18,
    error = 0x1d,
    received = 0x23,
    accepted = 0x24,
    rejected = 0x25,
    released = 0x26,
    modified = 0x27,
    source = 0x28,
    target = 0x29,
    delete_on_close = 0x2b,
    delete_on_no_links = 0x2c,
    delete_on_no_messages = 0x2d,
    delete_on_no_links_or_messages = 0x2e,
    coordinator = 0x30,
    declare = 0x31,
    discharge = 0x32,
    declared = 0x33,
    transactional_state = 0x34,
    sasl_mechanisms = 0x40,
    sasl_init = 0x41,
    sasl_challenge = 0x42,
    sasl_response = 0x43,
    sasl_outcome = 0x44,
    header = 0x70,
    delivery_annotations = 0x71,
    message_annotations = 0x72,
    properties = 0x73,
    application_properties = 0x74,
    data = 0x75,
    amqp_sequence = 0x76,
    amqp_value = 0x77,
    footer = 0x78,
    /// A symbolic descriptor that names no standard type (see `value::descriptor_symbol`).
    unknown = 0xffff'ffff'ffff'ffff,
};
}  // namespace code

/// The standard code of a symbolic descriptor ("amqp:transfer:list" -> 0x14), or `code::unknown`.
std::uint64_t descriptor_code_of(std::string_view symbol) noexcept;
/// The symbolic name of a standard descriptor code ("amqp:transfer:list"); empty if unknown.
std::string_view descriptor_symbol_of(std::uint64_t code) noexcept;

/// The AMQP type of a value, whichever encoding carried it.
enum class kind : std::uint8_t {
    null,
    boolean,
    ubyte,
    ushort,
    uint,
    ulong,
    byte,
    short_,
    int_,
    long_,
    float_,
    double_,
    decimal32,
    decimal64,
    decimal128,
    char_,
    timestamp,
    uuid,
    binary,
    string,
    symbol,
    list,
    map,
    array,
};

/// "uint", "string", "list"… for error descriptions.
std::string_view kind_name(kind k) noexcept;
/// Name of an encoding for error descriptions: "list8", "sym32", "smalluint"…
std::string_view constructor_name(std::uint8_t c) noexcept;

/// One decoded value. Scalars are decoded; everything else is a view into the encoded bytes.
/// Compound values (list, map, array) are not entered: `bytes` holds their encoded items, to be
/// read with `reader::enter`. Kept within 80 bytes, so that making one is a few stores.
struct value {
    kind type = kind::null;
    std::uint8_t constructor = ctor::null;  ///< the encoding used (for array items: the element constructor)
    bool described = false;
    std::uint8_t element_constructor = ctor::null;  ///< arrays: the constructor shared by the elements
    std::uint32_t count = 0;  ///< list/map/array: items (a map counts keys and values)
    bool element_described = false;  ///< arrays: the elements are described, with descriptor `u`

    std::uint64_t descriptor = 0;        ///< described: numeric code (standard symbolic names mapped)
    std::string_view descriptor_symbol;  ///< described with a symbolic descriptor: the symbol as sent

    std::uint64_t u = 0;  ///< boolean (0/1), ubyte, ushort, uint, ulong, char (a code point); arrays: see above
    std::int64_t i = 0;   ///< byte, short, int, long, timestamp (ms since the Unix epoch)
    double f = 0;         ///< float, double
    bytes_view bytes;     ///< binary/string/symbol content, decimal/uuid raw bytes, compound items

    bool is_null() const noexcept { return type == kind::null; }
    bool is_compound() const noexcept { return type == kind::list || type == kind::map || type == kind::array; }
    /// string and symbol content as characters.
    std::string_view text() const noexcept { return as_chars(bytes); }
    /// True when this is a described value with descriptor `c`.
    bool is(std::uint64_t c) const noexcept { return described && descriptor == c; }

    /// Back to a plain null, member by member.
    void reset() noexcept {
        type = kind::null;
        constructor = ctor::null;
        described = false;
        element_constructor = ctor::null;
        count = 0;
        element_described = false;
        descriptor = 0;
        descriptor_symbol = {};
        u = 0;
        i = 0;
        f = 0;
        bytes = {};
    }
};
static_assert(sizeof(value) <= 80);

}  // namespace tallyhub::amqp
