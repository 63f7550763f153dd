#include "net/amqp/composite_decode.hpp"

#include <cinttypes>

namespace tallyhub::amqp::detail {

namespace {

// Reads the next field as a described list; null when the field is null or on a failure.
// The value lives in `in` until its next read.
const value* described_list(field_reader& in, const char* field, const char* expected) noexcept {
    const value* v = in.any(field);
    if (!v || v->is_null()) return nullptr;
    if (v->described && v->type == kind::list) return v;
    in.items().fail("%s: field '%s' is a %s%s, expected %s", in.composite(), field,
                    v->described ? "described " : "", kind_name(v->type).data(), expected);
    return nullptr;
}

bool wrong_descriptor(field_reader& in, const value& v, const char* field, const char* expected) noexcept {
    return in.items().fail("%s: field '%s' has descriptor 0x%" PRIx64 ", expected %s", in.composite(), field,
                           v.descriptor, expected);
}

bool durability(field_reader& f, terminus_durability& out) noexcept {
    std::uint32_t d = std::uint32_t(out);
    if (!f.uint(d, "durable")) return false;
    if (d > 2) return f.invalid("durable", "is above 2 (unsettled-state)");
    out = terminus_durability(d);
    return true;
}

}  // namespace

bool read_error(field_reader& in, std::optional<error>& out, const char* field) noexcept {
    out.reset();
    const value* found = described_list(in, field, "an error");
    if (!found) return !in.failed();
    const value& v = *found;
    if (v.descriptor != code::error) return wrong_descriptor(in, v, field, "error (0x1d)");
    field_reader f(in.enter(v), "error");
    error e;
    f.symbol(e.condition, "condition", need::mandatory);
    f.string(e.description, "description");
    f.map(e.info, "info");
    if (!f.finish()) return false;
    out = e;
    return true;
}

bool read_delivery_state(field_reader& in, std::optional<delivery_state>& out, const char* field) noexcept {
    out.reset();
    const value* found = described_list(in, field, "a delivery state");
    if (!found) return !in.failed();
    const value& v = *found;
    delivery_state s;
    switch (v.descriptor) {
    case code::received: {
        s.kind = delivery_state_kind::received;
        field_reader f(in.enter(v), "received");
        f.uint(s.section_number, "section-number", need::mandatory);
        f.ulong(s.section_offset, "section-offset", need::mandatory);
        if (!f.finish()) return false;
        break;
    }
    case code::accepted:
    case code::released: {
        s.kind = v.descriptor == code::accepted ? delivery_state_kind::accepted : delivery_state_kind::released;
        field_reader f(in.enter(v), v.descriptor == code::accepted ? "accepted" : "released");
        if (!f.finish()) return false;
        break;
    }
    case code::rejected: {
        s.kind = delivery_state_kind::rejected;
        field_reader f(in.enter(v), "rejected");
        read_error(f, s.error, "error");
        if (!f.finish()) return false;
        break;
    }
    case code::modified: {
        s.kind = delivery_state_kind::modified;
        field_reader f(in.enter(v), "modified");
        f.boolean(s.delivery_failed, "delivery-failed");
        f.boolean(s.undeliverable_here, "undeliverable-here");
        f.map(s.message_annotations, "message-annotations");
        if (!f.finish()) return false;
        break;
    }
    case code::declared:
    case code::transactional_state: {
        bool declared = v.descriptor == code::declared;
        s.kind = declared ? delivery_state_kind::declared : delivery_state_kind::transactional;
        field_reader f(in.enter(v), declared ? "declared" : "transactional-state");
        f.binary(s.txn_id, "txn-id", need::mandatory);
        if (!f.finish()) return false;  // transactional-state's outcome is checked, not kept
        break;
    }
    default:
        return wrong_descriptor(in, v, field, "a delivery state (0x23-0x27, 0x33, 0x34)");
    }
    out = s;
    return true;
}

bool read_source(field_reader& in, std::optional<source>& out, const char* field) noexcept {
    out.reset();
    const value* found = described_list(in, field, "a source");
    if (!found) return !in.failed();
    const value& v = *found;
    if (v.descriptor != code::source) return wrong_descriptor(in, v, field, "source (0x28)");
    field_reader f(in.enter(v), "source");
    source s;
    f.text(s.address, "address");
    durability(f, s.durable);
    f.symbol(s.expiry_policy, "expiry-policy");
    f.uint(s.timeout, "timeout");
    f.boolean(s.dynamic, "dynamic");
    f.map(s.dynamic_node_properties, "dynamic-node-properties");
    f.symbol(s.distribution_mode, "distribution-mode");
    f.map(s.filter, "filter");
    read_delivery_state(f, s.default_outcome, "default-outcome");
    f.symbols(s.outcomes, "outcomes");
    f.symbols(s.capabilities, "capabilities");
    if (!f.finish()) return false;
    out = s;
    return true;
}

bool read_target(field_reader& in, std::optional<target>& out, const char* field) noexcept {
    out.reset();
    const value* found = described_list(in, field, "a target");
    if (!found) return !in.failed();
    const value& v = *found;
    target t;
    if (v.descriptor == code::coordinator) {
        field_reader f(in.enter(v), "coordinator");
        t.coordinator = true;
        f.symbols(t.capabilities, "capabilities");
        if (!f.finish()) return false;
        out = t;
        return true;
    }
    if (v.descriptor != code::target) return wrong_descriptor(in, v, field, "target (0x29)");
    field_reader f(in.enter(v), "target");
    f.text(t.address, "address");
    durability(f, t.durable);
    f.symbol(t.expiry_policy, "expiry-policy");
    f.uint(t.timeout, "timeout");
    f.boolean(t.dynamic, "dynamic");
    f.map(t.dynamic_node_properties, "dynamic-node-properties");
    f.symbols(t.capabilities, "capabilities");
    if (!f.finish()) return false;
    out = t;
    return true;
}

bool expect_performative(const performative_view& p, std::uint64_t c, const char* name, bool payload_allowed,
                         failure& sink) noexcept {
    if (p.code != c)
        sink = failure::format(condition::decode_error, "descriptor 0x%" PRIx64 " is not %s (0x%02" PRIx64 ")",
                               p.code, name, c);
    else if (!payload_allowed && !p.payload.empty())
        sink = failure::format(condition::decode_error, "%s has %zu bytes after the performative", name,
                               p.payload.size());
    return !sink.failed();
}

}  // namespace tallyhub::amqp::detail
