// Decoders of the transport performatives declared in net/amqp/performatives.hpp. Each reads the
// fields in the order of transport.bare.xml; the field names in failures are the specification's.

#include "net/amqp/composite_decode.hpp"

#include <cinttypes>

namespace tallyhub::amqp {

using detail::expect_performative;

namespace {

constexpr std::size_t max_delivery_tag = 32;

bool settle_modes(field_reader& in, sender_settle_mode& snd, receiver_settle_mode& rcv) noexcept {
    std::uint8_t s = std::uint8_t(snd), r = std::uint8_t(rcv);
    if (!in.ubyte(s, "snd-settle-mode") || !in.ubyte(r, "rcv-settle-mode")) return false;
    if (s > 2) return in.invalid("snd-settle-mode", "is above 2 (mixed)");
    if (r > 1) return in.invalid("rcv-settle-mode", "is above 1 (second)");
    snd = sender_settle_mode(s);
    rcv = receiver_settle_mode(r);
    return true;
}

bool role_field(field_reader& in, role& out) noexcept {
    bool receiver = false;
    if (!in.boolean(receiver, "role", need::mandatory)) return false;
    out = receiver ? role::receiver : role::sender;
    return true;
}

template <typename T>
result<performative> lift(result<T>&& r) {
    if (!r) return r.err();
    return performative(std::move(*r));
}

}  // namespace

result<performative_view> read_performative(const frame& f) noexcept {
    if (f.body.empty()) return failure(condition::decode_error, "an empty frame has no performative");
    failure sink;
    reader r(f.body, sink);
    value v;
    if (!r.next(v)) return sink;
    if (!v.described || v.type != kind::list)
        return failure::format(condition::decode_error, "frame body is a %s%s, expected a described list",
                               v.described ? "described " : "", kind_name(v.type).data());
    return performative_view{v.descriptor, v, r.rest()};
}

result<open> decode_open(const performative_view& p) noexcept {
    failure sink;
    if (!expect_performative(p, code::open, "open", false, sink)) return sink;
    field_reader in(reader::over(p.fields, sink), "open");
    open o;
    in.string(o.container_id, "container-id", need::mandatory);
    in.string(o.hostname, "hostname");
    in.uint(o.max_frame_size, "max-frame-size");
    in.ushort(o.channel_max, "channel-max");
    in.uint(o.idle_time_out, "idle-time-out");
    in.symbols(o.outgoing_locales, "outgoing-locales");
    in.symbols(o.incoming_locales, "incoming-locales");
    in.symbols(o.offered_capabilities, "offered-capabilities");
    in.symbols(o.desired_capabilities, "desired-capabilities");
    in.map(o.properties, "properties");
    if (!in.finish()) return sink;
    if (o.max_frame_size < min_max_frame_size) in.invalid("max-frame-size", "is below 512");
    if (sink.failed()) return sink;
    return o;
}

result<begin> decode_begin(const performative_view& p) noexcept {
    failure sink;
    if (!expect_performative(p, code::begin, "begin", false, sink)) return sink;
    field_reader in(reader::over(p.fields, sink), "begin");
    begin b;
    in.ushort(b.remote_channel, "remote-channel");
    in.uint(b.next_outgoing_id, "next-outgoing-id", need::mandatory);
    in.uint(b.incoming_window, "incoming-window", need::mandatory);
    in.uint(b.outgoing_window, "outgoing-window", need::mandatory);
    in.uint(b.handle_max, "handle-max");
    in.symbols(b.offered_capabilities, "offered-capabilities");
    in.symbols(b.desired_capabilities, "desired-capabilities");
    in.map(b.properties, "properties");
    if (!in.finish()) return sink;
    return b;
}

result<attach> decode_attach(const performative_view& p) noexcept {
    failure sink;
    if (!expect_performative(p, code::attach, "attach", false, sink)) return sink;
    field_reader in(reader::over(p.fields, sink), "attach");
    attach a;
    in.string(a.name, "name", need::mandatory);
    in.uint(a.handle, "handle", need::mandatory);
    role_field(in, a.role);
    settle_modes(in, a.snd_settle_mode, a.rcv_settle_mode);
    detail::read_source(in, a.source, "source");
    detail::read_target(in, a.target, "target");
    in.map(a.unsettled, "unsettled");
    in.boolean(a.incomplete_unsettled, "incomplete-unsettled");
    in.uint(a.initial_delivery_count, "initial-delivery-count");
    in.ulong(a.max_message_size, "max-message-size");
    in.symbols(a.offered_capabilities, "offered-capabilities");
    in.symbols(a.desired_capabilities, "desired-capabilities");
    in.map(a.properties, "properties");
    if (!in.finish()) return sink;
    if (a.role == role::sender && !a.initial_delivery_count)
        in.invalid("initial-delivery-count", "is mandatory for a sender");
    if (sink.failed()) return sink;
    return a;
}

result<flow> decode_flow(const performative_view& p) noexcept {
    failure sink;
    if (!expect_performative(p, code::flow, "flow", false, sink)) return sink;
    field_reader in(reader::over(p.fields, sink), "flow");
    flow f;
    in.uint(f.next_incoming_id, "next-incoming-id");
    in.uint(f.incoming_window, "incoming-window", need::mandatory);
    in.uint(f.next_outgoing_id, "next-outgoing-id", need::mandatory);
    in.uint(f.outgoing_window, "outgoing-window", need::mandatory);
    in.uint(f.handle, "handle");
    in.uint(f.delivery_count, "delivery-count");
    in.uint(f.link_credit, "link-credit");
    in.uint(f.available, "available");
    in.boolean(f.drain, "drain");
    in.boolean(f.echo, "echo");
    in.map(f.properties, "properties");
    if (!in.finish()) return sink;
    return f;
}

result<transfer> decode_transfer(const performative_view& p) noexcept {
    failure sink;
    if (!expect_performative(p, code::transfer, "transfer", true, sink)) return sink;
    field_reader in(reader::over(p.fields, sink), "transfer");
    transfer t;
    in.uint(t.handle, "handle", need::mandatory);
    in.uint(t.delivery_id, "delivery-id");
    in.binary(t.delivery_tag, "delivery-tag");
    in.uint(t.message_format, "message-format");
    in.boolean(t.settled, "settled");
    in.boolean(t.more, "more");
    std::optional<std::uint8_t> rcv;
    if (in.ubyte(rcv, "rcv-settle-mode") && rcv) {
        if (*rcv > 1) in.invalid("rcv-settle-mode", "is above 1 (second)");
        t.rcv_settle_mode = receiver_settle_mode(*rcv);
    }
    detail::read_delivery_state(in, t.state, "state");
    in.boolean(t.resume, "resume");
    in.boolean(t.aborted, "aborted");
    in.boolean(t.batchable, "batchable");
    if (!in.finish()) return sink;
    if (t.delivery_tag && t.delivery_tag->size() > max_delivery_tag)
        in.invalid("delivery-tag", "is longer than 32 bytes");
    if (sink.failed()) return sink;
    t.payload = p.payload;
    return t;
}

result<disposition> decode_disposition(const performative_view& p) noexcept {
    failure sink;
    if (!expect_performative(p, code::disposition, "disposition", false, sink)) return sink;
    field_reader in(reader::over(p.fields, sink), "disposition");
    disposition d;
    role_field(in, d.role);
    in.uint(d.first, "first", need::mandatory);
    in.uint(d.last, "last");
    in.boolean(d.settled, "settled");
    detail::read_delivery_state(in, d.state, "state");
    in.boolean(d.batchable, "batchable");
    if (!in.finish()) return sink;
    return d;
}

result<detach> decode_detach(const performative_view& p) noexcept {
    failure sink;
    if (!expect_performative(p, code::detach, "detach", false, sink)) return sink;
    field_reader in(reader::over(p.fields, sink), "detach");
    detach d;
    in.uint(d.handle, "handle", need::mandatory);
    in.boolean(d.closed, "closed");
    detail::read_error(in, d.error, "error");
    if (!in.finish()) return sink;
    return d;
}

// end and close have the same single field.
template <typename T>
result<T> decode_error_only(const performative_view& p, std::uint64_t c, const char* name) noexcept {
    failure sink;
    if (!expect_performative(p, c, name, false, sink)) return sink;
    field_reader in(reader::over(p.fields, sink), name);
    T t;
    detail::read_error(in, t.error, "error");
    if (!in.finish()) return sink;
    return t;
}

result<end> decode_end(const performative_view& p) noexcept { return decode_error_only<end>(p, code::end, "end"); }

result<close> decode_close(const performative_view& p) noexcept {
    return decode_error_only<close>(p, code::close, "close");
}

result<performative> decode_performative(const frame& f) noexcept {
    if (f.type != frame_type::amqp)
        return failure(condition::framing_error, "a SASL frame where an AMQP frame was expected");
    result<performative_view> p = read_performative(f);
    if (!p) return p.err();
    switch (p->code) {
    case code::open: return lift(decode_open(*p));
    case code::begin: return lift(decode_begin(*p));
    case code::attach: return lift(decode_attach(*p));
    case code::flow: return lift(decode_flow(*p));
    case code::transfer: return lift(decode_transfer(*p));
    case code::disposition: return lift(decode_disposition(*p));
    case code::detach: return lift(decode_detach(*p));
    case code::end: return lift(decode_end(*p));
    case code::close: return lift(decode_close(*p));
    default:
        return failure::format(condition::decode_error, "descriptor 0x%" PRIx64 " is not an AMQP performative",
                               p->code);
    }
}

}  // namespace tallyhub::amqp
