#include "net/amqp/fields.hpp"
#include "net/amqp/message.hpp"

#include <array>
#include <cinttypes>

namespace tallyhub::amqp {

namespace {

// Sections in their required order; the body kinds share one rank.
enum rank : int { header_rank, delivery_annotations_rank, message_annotations_rank, properties_rank,
                  application_properties_rank, body_rank, footer_rank };

const char* section_name(std::uint64_t c) noexcept {
    switch (c) {
    case code::header: return "header";
    case code::delivery_annotations: return "delivery-annotations";
    case code::message_annotations: return "message-annotations";
    case code::properties: return "properties";
    case code::application_properties: return "application-properties";
    case code::data: return "data";
    case code::amqp_sequence: return "amqp-sequence";
    case code::amqp_value: return "amqp-value";
    case code::footer: return "footer";
    default: return "unknown";
    }
}

int rank_of(std::uint64_t c) noexcept {
    switch (c) {
    case code::header: return header_rank;
    case code::delivery_annotations: return delivery_annotations_rank;
    case code::message_annotations: return message_annotations_rank;
    case code::properties: return properties_rank;
    case code::application_properties: return application_properties_rank;
    case code::data: case code::amqp_sequence: case code::amqp_value: return body_rank;
    case code::footer: return footer_rank;
    default: return -1;
    }
}

bool read_message_id(field_reader& in, message_id& out, const char* field) noexcept {
    const value* found = in.any(field);
    if (!found) return false;
    const value& v = *found;
    switch (v.type) {
    case kind::null: out = {}; return true;
    case kind::ulong: out = message_id::of_ulong(v.u); return true;
    case kind::uuid: out = {message_id_kind::uuid, 0, v.bytes}; return true;
    case kind::binary: out = message_id::of_binary(v.bytes); return true;
    case kind::string: out = {message_id_kind::string, 0, v.bytes}; return true;
    default:
        return in.items().fail("properties: field '%s' is a %s, expected ulong, uuid, binary or string", field,
                               kind_name(v.type).data());
    }
}

bool read_header(reader& r, const value& v, message_header& h) noexcept {
    field_reader f(r.enter(v), "header");
    f.boolean(h.durable, "durable");
    f.ubyte(h.priority, "priority");
    f.uint(h.ttl, "ttl");
    f.boolean(h.first_acquirer, "first-acquirer");
    f.uint(h.delivery_count, "delivery-count");
    return f.finish();
}

bool read_properties(reader& r, const value& v, message_properties& p) noexcept {
    field_reader f(r.enter(v), "properties");
    read_message_id(f, p.message_id, "message-id");
    f.binary(p.user_id, "user-id");
    f.text(p.to, "to");
    f.string(p.subject, "subject");
    f.text(p.reply_to, "reply-to");
    read_message_id(f, p.correlation_id, "correlation-id");
    f.text(p.content_type, "content-type");
    f.text(p.content_encoding, "content-encoding");
    f.timestamp(p.absolute_expiry_time, "absolute-expiry-time");
    f.timestamp(p.creation_time, "creation-time");
    f.string(p.group_id, "group-id");
    f.uint(p.group_sequence, "group-sequence");
    f.string(p.reply_to_group_id, "reply-to-group-id");
    return f.finish();
}

// The shape a section's value must have.
bool check_shape(reader& r, const value& v, kind want, const char* name) noexcept {
    if (v.type == want) return true;
    return r.fail("message: %s section is a %s, expected a %s", name, kind_name(v.type).data(),
                  kind_name(want).data());
}

// One body section: data, amqp-sequence or amqp-value, never mixed; amqp-value only once.
bool read_body(reader& r, const value& v, message_view& m) noexcept {
    body_kind k = v.descriptor == code::data            ? body_kind::data
                  : v.descriptor == code::amqp_sequence ? body_kind::amqp_sequence
                                                        : body_kind::amqp_value;
    if (m.body != body_kind::none && (m.body != k || k == body_kind::amqp_value)) {
        return r.fail("message: %s section after %s", section_name(v.descriptor),
                      m.body == body_kind::data ? "data" : m.body == body_kind::amqp_sequence ? "amqp-sequence"
                                                                                            : "amqp-value");
    }
    switch (k) {
    case body_kind::data:
        if (!check_shape(r, v, kind::binary, "data")) return false;
        if (m.body_sections == 0) m.data = v.bytes;
        break;
    case body_kind::amqp_sequence:
        if (!check_shape(r, v, kind::list, "amqp-sequence") || !r.validate(v)) return false;
        break;
    case body_kind::amqp_value:
        if (!r.validate(v)) return false;
        m.amqp_value = v;
        m.amqp_value.described = false;
        break;
    case body_kind::none:
        break;
    }
    m.body = k;
    ++m.body_sections;
    return true;
}

}  // namespace

result<message_view> decode_message(bytes_view payload) noexcept {
    result<message_view> out{std::in_place};  // built in place: no copy on the way out
    message_view& m = *out;
    failure sink;
    reader r(payload, sink);
    int last_rank = -1;
    const std::byte* body_begin = nullptr;
    const std::byte* body_end = nullptr;
    value v;
    for (;;) {
        const std::byte* section_begin = r.rest().data();
        if (!r.next(v)) break;
        if (!v.described) {
            r.fail("message: a %s where a section was expected", kind_name(v.type).data());
            break;
        }
        const int rank = rank_of(v.descriptor);
        const char* name = section_name(v.descriptor);
        if (rank < 0) {
            r.fail("message: section descriptor 0x%" PRIx64 " is unknown", v.descriptor);
            break;
        }
        if (rank < last_rank || (rank == last_rank && rank != body_rank)) {
            r.fail(rank == last_rank ? "message: two %s sections" : "message: %s section out of order", name);
            break;
        }
        last_rank = rank;
        bool ok = true;
        switch (v.descriptor) {
        case code::header:
            ok = check_shape(r, v, kind::list, name) && read_header(r, v, m.header.emplace());
            break;
        case code::delivery_annotations:
            ok = map_view::from(r, v, m.delivery_annotations, "delivery-annotations");
            break;
        case code::message_annotations:
            ok = map_view::from(r, v, m.message_annotations, "message-annotations");
            break;
        case code::properties:
            ok = check_shape(r, v, kind::list, name) && read_properties(r, v, m.properties.emplace());
            break;
        case code::application_properties:
            ok = map_view::from(r, v, m.application_properties, "application-properties");
            break;
        case code::footer:
            ok = map_view::from(r, v, m.footer, "footer");
            break;
        default:
            ok = read_body(r, v, m);
            if (!body_begin) body_begin = section_begin;
            body_end = r.rest().data();
            break;
        }
        if (!ok) break;
    }
    if (body_begin) m.body_region = {body_begin, std::size_t(body_end - body_begin)};
    if (sink.failed()) out = sink;
    return out;
}

std::optional<bytes_view> message_view::body_view() const noexcept {
    if (body == body_kind::data && body_sections == 1) return data;
    if (body == body_kind::amqp_value && (amqp_value.type == kind::string || amqp_value.type == kind::binary))
        return amqp_value.bytes;
    return std::nullopt;
}

bool message_view::append_body(std::string& out) const {
    if (body == body_kind::data) {
        failure unused;  // body_region was read once already; it cannot fail now
        reader r(body_region, unused);
        value v;
        while (r.next(v)) out.append(as_chars(v.bytes));
        return true;
    }
    std::optional<bytes_view> b = body_view();
    if (!b) return false;
    out.append(as_chars(*b));
    return true;
}

std::optional<bytes_view> message_view::body_bytes(std::string& scratch) const {
    if (std::optional<bytes_view> b = body_view()) return b;
    scratch.clear();
    if (!append_body(scratch)) return std::nullopt;
    return as_bytes(scratch);
}

}  // namespace tallyhub::amqp
