#pragma once
// The AMQP 1.0 message format (part 3 §3.2): the sections of one delivery's payload, in order —
// header, delivery-annotations, message-annotations, properties, application-properties, the body
// (one or more data sections, one or more amqp-sequence sections, or one amqp-value), footer.
//
// `decode_message` takes a complete payload (a multi-frame delivery's transfer payloads
// concatenated) and returns views into it; every map and nested value has been checked, so reading
// the views cannot fail. `encode_message` writes what the command-line producer sends.

#include "net/amqp/failure.hpp"
#include "net/amqp/views.hpp"
#include "net/amqp/writer.hpp"

#include <optional>
#include <string>

namespace tallyhub::amqp {

enum class message_id_kind : std::uint8_t { none, ulong, uuid, binary, string };

/// message-id / correlation-id: a ulong, uuid, binary or string.
struct message_id {
    message_id_kind kind = message_id_kind::none;
    std::uint64_t number = 0;  ///< ulong
    bytes_view bytes;          ///< uuid (16 bytes, RFC 4122 order), binary, string (UTF-8)

    static message_id of_string(std::string_view s) noexcept { return {message_id_kind::string, 0, as_bytes(s)}; }
    static message_id of_ulong(std::uint64_t n) noexcept { return {message_id_kind::ulong, n, {}}; }
    static message_id of_uuid(std::span<const std::byte, 16> u) noexcept { return {message_id_kind::uuid, 0, u}; }
    static message_id of_binary(bytes_view b) noexcept { return {message_id_kind::binary, 0, b}; }

    bool empty() const noexcept { return kind == message_id_kind::none; }
    std::string_view text() const noexcept { return as_chars(bytes); }

    /// Appends a deduplication key: equal for equal ids, different across kinds. "s:" + the string,
    /// "u:" + decimal, "g:" + 8-4-4-4-12 lowercase hex, "b:" + lowercase hex; nothing for none.
    void append_key(std::string& out) const;
    std::string key() const {
        std::string k;
        append_key(k);
        return k;
    }
};

/// The header section (0x70).
struct message_header {
    bool durable = false;
    std::uint8_t priority = 4;
    std::optional<std::uint32_t> ttl;  ///< ms
    bool first_acquirer = false;
    std::uint32_t delivery_count = 0;  ///< failed earlier delivery attempts
};

/// The properties section (0x73).
struct message_properties {
    amqp::message_id message_id;
    bytes_view user_id;
    std::string_view to;
    std::string_view subject;
    std::string_view reply_to;
    amqp::message_id correlation_id;
    std::string_view content_type;  ///< a symbol (a string from lenient peers is accepted)
    std::string_view content_encoding;
    std::optional<std::int64_t> absolute_expiry_time;  ///< ms since the Unix epoch
    std::optional<std::int64_t> creation_time;
    std::string_view group_id;
    std::optional<std::uint32_t> group_sequence;
    std::string_view reply_to_group_id;
};

enum class body_kind : std::uint8_t { none, data, amqp_sequence, amqp_value };

/// A decoded message.
struct message_view {
    std::optional<message_header> header;
    map_view delivery_annotations;
    map_view message_annotations;
    std::optional<message_properties> properties;
    map_view application_properties;
    body_kind body = body_kind::none;
    std::uint32_t body_sections = 0;  ///< data / amqp-sequence sections (1 for amqp-value)
    bytes_view body_region;           ///< the encoded body sections, descriptors included
    bytes_view data;                  ///< data: the first section's bytes
    value amqp_value;                 ///< amqp-value: the value (compounds were checked)
    map_view footer;

    /// application-properties[name] when it is a string (e.g. "MessageType", "eventType").
    std::optional<std::string_view> application_property(std::string_view name) const noexcept {
        return application_properties.find_string(name);
    }
    /// The body bytes without a copy: a single data section, or an amqp-value string or binary.
    /// nullopt for several data sections (see `append_body`), amqp-sequence, other values, no body.
    std::optional<bytes_view> body_view() const noexcept;
    /// Appends the body bytes to `out`: all data sections concatenated, or the amqp-value string or
    /// binary. False (nothing appended) for another kind of body.
    bool append_body(std::string& out) const;
    /// `body_view()` when there is one, else the body appended to `scratch` (cleared first).
    std::optional<bytes_view> body_bytes(std::string& scratch) const;
};

/// Decodes a complete message payload. Sections must come in the standard order, each at most once
/// (data and amqp-sequence may repeat), with one kind of body; a message without a body is accepted.
result<message_view> decode_message(bytes_view payload) noexcept;

/// A string-valued application property to send.
struct application_property {
    std::string_view name;
    std::string_view value;
};

/// What the producer sends: a header (only when durable), properties (message-id, subject,
/// content-type), application-properties with string values, and one data section.
struct outgoing_message {
    bool durable = false;
    amqp::message_id message_id;
    std::string_view subject;
    std::string_view content_type;
    std::span<const application_property> application_properties;
    bytes_view body;
};

/// Writes a message-id (null when empty).
void encode(writer& w, const message_id& id);
/// Writes the sections of `m`; sections with nothing to say are left out.
void encode_message(writer& w, const outgoing_message& m);
/// The same, appended to `out` (e.g. a transfer's payload right after its performative).
void encode_message(std::string& out, const outgoing_message& m);

}  // namespace tallyhub::amqp
