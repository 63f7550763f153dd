#include "net/amqp/types.hpp"

#include <array>
#include <utility>

namespace tallyhub::amqp {

namespace {

// Symbolic descriptor names from the AMQP 1.0 XML definitions.
constexpr std::array<std::pair<std::uint64_t, std::string_view>, 40> descriptor_names{{
    {code::open, "amqp:open:list"},
    {code::begin, "amqp:begin:list"},
    {code::attach, "amqp:attach:list"},
    {code::flow, "amqp:flow:list"},
    {code::transfer, "amqp:transfer:list"},
    {code::disposition, "amqp:disposition:list"},
    {code::detach, "amqp:detach:list"},
    {code::end, "amqp:end:list"},
    {code::close, "amqp:close:list"},
    {code::error, "amqp:error:list"},
    {code::received, "amqp:received:list"},
    {code::accepted, "amqp:accepted:list"},
    {code::rejected, "amqp:rejected:list"},
    {code::released, "amqp:released:list"},
    {code::modified, "amqp:modified:list"},
    {code::source, "amqp:source:list"},
    {code::target, "amqp:target:list"},
    {code::delete_on_close, "amqp:delete-on-close:list"},
    {code::delete_on_no_links, "amqp:delete-on-no-links:list"},
    {code::delete_on_no_messages, "amqp:delete-on-no-messages:list"},
    {code::delete_on_no_links_or_messages, "amqp:delete-on-no-links-or-messages:list"},
    {code::coordinator, "amqp:coordinator:list"},
    {code::declare, "amqp:declare:list"},
    {code::discharge, "amqp:discharge:list"},
    {code::declared, "amqp:declared:list"},
    {code::transactional_state, "amqp:transactional-state:list"},
    {code::sasl_mechanisms, "amqp:sasl-mechanisms:list"},
    {code::sasl_init, "amqp:sasl-init:list"},
    {code::sasl_challenge, "amqp:sasl-challenge:list"},
    {code::sasl_response, "amqp:sasl-response:list"},
    {code::sasl_outcome, "amqp:sasl-outcome:list"},
    {code::header, "amqp:header:list"},
    {code::delivery_annotations, "amqp:delivery-annotations:map"},
    {code::message_annotations, "amqp:message-annotations:map"},
    {code::properties, "amqp:properties:list"},
    {code::application_properties, "amqp:application-properties:map"},
    {code::data, "amqp:data:binary"},
    {code::amqp_sequence, "amqp:amqp-sequence:list"},
    {code::amqp_value, "amqp:amqp-value:*"},
    {code::footer, "amqp:footer:map"},
}};

constexpr std::array<std::string_view, 24> kind_names{
    "null",      "boolean",    "ubyte",  "ushort",    "uint",   "ulong",  "byte",   "short",
    "int",       "long",       "float",  "double",    "decimal32", "decimal64", "decimal128", "char",
    "timestamp", "uuid",       "binary", "string",    "symbol", "list",   "map",    "array",
};
static_assert(kind_names.size() == std::size_t(kind::array) + 1);

}  // namespace

std::uint64_t descriptor_code_of(std::string_view symbol) noexcept {
    if (!symbol.starts_with("amqp:")) return code::unknown;
    for (const auto& [c, name] : descriptor_names)
        if (name == symbol) return c;
    return code::unknown;
}

std::string_view descriptor_symbol_of(std::uint64_t c) noexcept {
    for (const auto& [dc, name] : descriptor_names)
        if (dc == c) return name;
    return {};
}

std::string_view constructor_name(std::uint8_t c) noexcept {
    switch (c) {
    case ctor::described: return "described";
    case ctor::null: return "null";
    case ctor::boolean_true: return "true";
    case ctor::boolean_false: return "false";
    case ctor::boolean: return "boolean";
    case ctor::ubyte: return "ubyte";
    case ctor::ushort: return "ushort";
    case ctor::uint: return "uint";
    case ctor::smalluint: return "smalluint";
    case ctor::uint0: return "uint0";
    case ctor::ulong: return "ulong";
    case ctor::smallulong: return "smallulong";
    case ctor::ulong0: return "ulong0";
    case ctor::byte: return "byte";
    case ctor::short_: return "short";
    case ctor::int_: return "int";
    case ctor::smallint: return "smallint";
    case ctor::long_: return "long";
    case ctor::smalllong: return "smalllong";
    case ctor::float_: return "float";
    case ctor::double_: return "double";
    case ctor::decimal32: return "decimal32";
    case ctor::decimal64: return "decimal64";
    case ctor::decimal128: return "decimal128";
    case ctor::char_: return "char";
    case ctor::timestamp: return "timestamp";
    case ctor::uuid: return "uuid";
    case ctor::vbin8: return "vbin8";
    case ctor::vbin32: return "vbin32";
    case ctor::str8: return "str8";
    case ctor::str32: return "str32";
    case ctor::sym8: return "sym8";
    case ctor::sym32: return "sym32";
    case ctor::list0: return "list0";
    case ctor::list8: return "list8";
    case ctor::list32: return "list32";
    case ctor::map8: return "map8";
    case ctor::map32: return "map32";
    case ctor::array8: return "array8";
    case ctor::array32: return "array32";
    default: return "unknown";
    }
}

std::string_view kind_name(kind k) noexcept {
    auto i = std::size_t(k);
    return i < kind_names.size() ? kind_names[i] : std::string_view{"?"};
}

}  // namespace tallyhub::amqp
