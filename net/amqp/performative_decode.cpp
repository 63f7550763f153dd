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

bool read_open(const performative_view& p, open& o, failure& sink) noexcept {
    expect_performative(p, code::open, "open", false, sink);
    field_reader in(reader::over(p.fields, sink), "open");
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
    if (in.finish() && o.max_frame_size < min_max_frame_size) in.invalid("max-frame-size", "is below 512");
    return !sink.failed();
}

bool read_begin(const performative_view& p, begin& b, failure& sink) noexcept {
    expect_performative(p, code::begin, "begin", false, sink);
    field_reader in(reader::over(p.fields, sink), "begin");
    in.ushort(b.remote_channel, "remote-channel");
    in.uint(b.next_outgoing_id, "next-outgoing-id", need::mandatory);
    in.uint(b.incoming_window, "incoming-window", need::mandatory);
    in.uint(b.outgoing_window, "outgoing-window", need::mandatory);
    in.uint(b.handle_max, "handle-max");
    in.symbols(b.offered_capabilities, "offered-capabilities");
    in.symbols(b.desired_capabilities, "desired-capabilities");
    in.map(b.properties, "properties");
    return in.finish();
}

bool read_attach(const performative_view& p, attach& a, failure& sink) noexcept {
    expect_performative(p, code::attach, "attach", false, sink);
    field_reader in(reader::over(p.fields, sink), "attach");
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
    if (in.finish() && a.role == role::sender && !a.initial_delivery_count)
        in.invalid("initial-delivery-count", "is mandatory for a sender");
    return !sink.failed();
}

bool read_flow(const performative_view& p, flow& f, failure& sink) noexcept {
    expect_performative(p, code::flow, "flow", false, sink);
    field_reader in(reader::over(p.fields, sink), "flow");
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
    return in.finish();
}

bool read_transfer(const performative_view& p, transfer& t, failure& sink) noexcept {
    expect_performative(p, code::transfer, "transfer", true, sink);
    field_reader in(reader::over(p.fields, sink), "transfer");
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
    if (in.finish() && t.delivery_tag && t.delivery_tag->size() > max_delivery_tag)
        in.invalid("delivery-tag", "is longer than 32 bytes");
    t.payload = p.payload;
    return !sink.failed();
}

bool read_disposition(const performative_view& p, disposition& d, failure& sink) noexcept {
    expect_performative(p, code::disposition, "disposition", false, sink);
    field_reader in(reader::over(p.fields, sink), "disposition");
    role_field(in, d.role);
    in.uint(d.first, "first", need::mandatory);
    in.uint(d.last, "last");
    in.boolean(d.settled, "settled");
    detail::read_delivery_state(in, d.state, "state");
    in.boolean(d.batchable, "batchable");
    return in.finish();
}

bool read_detach(const performative_view& p, detach& d, failure& sink) noexcept {
    expect_performative(p, code::detach, "detach", false, sink);
    field_reader in(reader::over(p.fields, sink), "detach");
    in.uint(d.handle, "handle", need::mandatory);
    in.boolean(d.closed, "closed");
    detail::read_error(in, d.error, "error");
    return in.finish();
}

// end and close have the same single field.
template <typename T>
bool read_error_only(const performative_view& p, T& out, failure& sink, std::uint64_t c, const char* name) noexcept {
    expect_performative(p, c, name, false, sink);
    field_reader in(reader::over(p.fields, sink), name);
    detail::read_error(in, out.error, "error");
    return in.finish();
}

bool read_end(const performative_view& p, end& out, failure& sink) noexcept {
    return read_error_only(p, out, sink, code::end, "end");
}

bool read_close(const performative_view& p, close& out, failure& sink) noexcept {
    return read_error_only(p, out, sink, code::close, "close");
}

// The value is built in place in the result (no copy of the struct on the way out).
template <typename T, bool (*read)(const performative_view&, T&, failure&)>
result<T> decode_one(const performative_view& p) noexcept {
    result<T> out{std::in_place};
    failure sink;
    if (!read(p, *out, sink)) out = sink;
    return out;
}

template <typename T, bool (*read)(const performative_view&, T&, failure&)>
bool decode_into(const performative_view& p, result<performative>& out, failure& sink) noexcept {
    return read(p, out->template emplace<T>(), sink);
}

}  // namespace

result<performative_view> read_performative(const frame& f) noexcept {
    result<performative_view> out{std::in_place};
    performative_view& p = *out;
    failure sink;
    reader r(f.body, sink);
    if (f.body.empty()) {
        sink = failure(condition::decode_error, "an empty frame has no performative");
    } else if (r.next(p.fields)) {
        if (!p.fields.described || p.fields.type != kind::list)
            sink = failure::format(condition::decode_error, "frame body is a %s%s, expected a described list",
                                   p.fields.described ? "described " : "", kind_name(p.fields.type).data());
        p.code = p.fields.descriptor;
        p.payload = r.rest();
    }
    if (sink.failed()) out = sink;
    return out;
}

result<open> decode_open(const performative_view& p) noexcept { return decode_one<open, read_open>(p); }
result<begin> decode_begin(const performative_view& p) noexcept { return decode_one<begin, read_begin>(p); }
result<attach> decode_attach(const performative_view& p) noexcept { return decode_one<attach, read_attach>(p); }
result<flow> decode_flow(const performative_view& p) noexcept { return decode_one<flow, read_flow>(p); }
result<transfer> decode_transfer(const performative_view& p) noexcept {
    return decode_one<transfer, read_transfer>(p);
}
result<disposition> decode_disposition(const performative_view& p) noexcept {
    return decode_one<disposition, read_disposition>(p);
}
result<detach> decode_detach(const performative_view& p) noexcept { return decode_one<detach, read_detach>(p); }
result<end> decode_end(const performative_view& p) noexcept { return decode_one<end, read_end>(p); }
result<close> decode_close(const performative_view& p) noexcept { return decode_one<close, read_close>(p); }

result<performative> decode_performative(const frame& f) noexcept {
    if (f.type != frame_type::amqp)
        return failure(condition::framing_error, "a SASL frame where an AMQP frame was expected");
    result<performative_view> p = read_performative(f);
    if (!p) return p.err();
    result<performative> out{std::in_place};
    failure sink;
    bool ok = false;
    switch (p->code) {
    case code::open: ok = decode_into<open, read_open>(*p, out, sink); break;
    case code::begin: ok = decode_into<begin, read_begin>(*p, out, sink); break;
    case code::attach: ok = decode_into<attach, read_attach>(*p, out, sink); break;
    case code::flow: ok = decode_into<flow, read_flow>(*p, out, sink); break;
    case code::transfer: ok = decode_into<transfer, read_transfer>(*p, out, sink); break;
    case code::disposition: ok = decode_into<disposition, read_disposition>(*p, out, sink); break;
    case code::detach: ok = decode_into<detach, read_detach>(*p, out, sink); break;
    case code::end: ok = decode_into<end, read_end>(*p, out, sink); break;
    case code::close: ok = decode_into<close, read_close>(*p, out, sink); break;
    default:
        sink = failure::format(condition::decode_error, "descriptor 0x%" PRIx64 " is not an AMQP performative",
                               p->code);
    }
    if (!ok) out = sink;
    return out;
}

}  // namespace tallyhub::amqp
