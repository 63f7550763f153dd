#include "net/amqp/encode.hpp"

namespace tallyhub::amqp {

namespace {

constexpr std::uint32_t uint_max = 0xffff'ffff;

void opt_string(writer& w, std::string_view s) { s.empty() ? w.null() : w.string(s); }
void opt_symbol(writer& w, std::string_view s, std::string_view def = {}) {
    s.empty() ? w.null() : w.as_default(s == def).symbol(s);
}
void opt_binary(writer& w, const std::optional<bytes_view>& b) { b ? w.binary(*b) : w.null(); }
void opt_uint(writer& w, const std::optional<std::uint32_t>& v) { v ? w.uint(*v) : w.null(); }
void opt_ushort(writer& w, const std::optional<std::uint16_t>& v) { v ? w.ushort(*v) : w.null(); }
void flag(writer& w, bool v) { w.as_default(!v).boolean(v); }

template <typename T>
void opt_composite(writer& w, const std::optional<T>& v) {
    if (v) {
        encode(w, *v);
    } else {
        w.null();
    }
}

void error_only(writer& w, std::uint64_t c, const std::optional<error>& e) {
    w.descriptor(c);
    auto l = w.begin_list();
    opt_composite(w, e);
    w.end_list(l);
}

}  // namespace

void encode(writer& w, const error& e) {
    w.descriptor(code::error);
    auto l = w.begin_list();
    w.symbol(e.condition);
    opt_string(w, e.description);
    w.map(e.info);
    w.end_list(l);
}

void encode(writer& w, const delivery_state& s) {
    switch (s.kind) {
    case delivery_state_kind::received: {
        w.descriptor(code::received);
        auto l = w.begin_list();
        w.uint(s.section_number);
        w.ulong(s.section_offset);
        return w.end_list(l);
    }
    case delivery_state_kind::accepted:
    case delivery_state_kind::released: {
        w.descriptor(s.kind == delivery_state_kind::accepted ? code::accepted : code::released);
        return w.end_list(w.begin_list());
    }
    case delivery_state_kind::rejected: {
        w.descriptor(code::rejected);
        auto l = w.begin_list();
        opt_composite(w, s.error);
        return w.end_list(l);
    }
    case delivery_state_kind::modified: {
        w.descriptor(code::modified);
        auto l = w.begin_list();
        flag(w, s.delivery_failed);
        flag(w, s.undeliverable_here);
        w.map(s.message_annotations);
        return w.end_list(l);
    }
    case delivery_state_kind::declared:
    case delivery_state_kind::transactional: {
        w.descriptor(s.kind == delivery_state_kind::declared ? code::declared : code::transactional_state);
        auto l = w.begin_list();
        w.binary(s.txn_id);
        return w.end_list(l);
    }
    }
}

void encode(writer& w, const source& s) {
    w.descriptor(code::source);
    auto l = w.begin_list();
    opt_string(w, s.address);
    w.as_default(s.durable == terminus_durability::none).uint(std::uint32_t(s.durable));
    opt_symbol(w, s.expiry_policy, "session-end");
    w.as_default(s.timeout == 0).uint(s.timeout);
    flag(w, s.dynamic);
    w.map(s.dynamic_node_properties);
    opt_symbol(w, s.distribution_mode);
    w.map(s.filter);
    opt_composite(w, s.default_outcome);
    w.symbols(s.outcomes);
    w.symbols(s.capabilities);
    w.end_list(l);
}

void encode(writer& w, const target& t) {
    if (t.coordinator) {
        w.descriptor(code::coordinator);
        auto l = w.begin_list();
        w.symbols(t.capabilities);
        return w.end_list(l);
    }
    w.descriptor(code::target);
    auto l = w.begin_list();
    opt_string(w, t.address);
    w.as_default(t.durable == terminus_durability::none).uint(std::uint32_t(t.durable));
    opt_symbol(w, t.expiry_policy, "session-end");
    w.as_default(t.timeout == 0).uint(t.timeout);
    flag(w, t.dynamic);
    w.map(t.dynamic_node_properties);
    w.symbols(t.capabilities);
    w.end_list(l);
}

void encode(writer& w, const open& p) {
    w.descriptor(code::open);
    auto l = w.begin_list();
    w.string(p.container_id);
    opt_string(w, p.hostname);
    w.as_default(p.max_frame_size == uint_max).uint(p.max_frame_size);
    w.as_default(p.channel_max == 0xffff).ushort(p.channel_max);
    opt_uint(w, p.idle_time_out);
    w.symbols(p.outgoing_locales);
    w.symbols(p.incoming_locales);
    w.symbols(p.offered_capabilities);
    w.symbols(p.desired_capabilities);
    w.map(p.properties);
    w.end_list(l);
}

void encode(writer& w, const begin& p) {
    w.descriptor(code::begin);
    auto l = w.begin_list();
    opt_ushort(w, p.remote_channel);
    w.uint(p.next_outgoing_id);
    w.uint(p.incoming_window);
    w.uint(p.outgoing_window);
    w.as_default(p.handle_max == uint_max).uint(p.handle_max);
    w.symbols(p.offered_capabilities);
    w.symbols(p.desired_capabilities);
    w.map(p.properties);
    w.end_list(l);
}

void encode(writer& w, const attach& p) {
    w.descriptor(code::attach);
    auto l = w.begin_list();
    w.string(p.name);
    w.uint(p.handle);
    w.boolean(p.role == role::receiver);
    w.as_default(p.snd_settle_mode == sender_settle_mode::mixed).ubyte(std::uint8_t(p.snd_settle_mode));
    w.as_default(p.rcv_settle_mode == receiver_settle_mode::first).ubyte(std::uint8_t(p.rcv_settle_mode));
    opt_composite(w, p.source);
    opt_composite(w, p.target);
    w.map(p.unsettled);
    flag(w, p.incomplete_unsettled);
    opt_uint(w, p.initial_delivery_count);
    w.as_default(p.max_message_size == 0).ulong(p.max_message_size);
    w.symbols(p.offered_capabilities);
    w.symbols(p.desired_capabilities);
    w.map(p.properties);
    w.end_list(l);
}

void encode(writer& w, const flow& p) {
    w.descriptor(code::flow);
    auto l = w.begin_list();
    opt_uint(w, p.next_incoming_id);
    w.uint(p.incoming_window);
    w.uint(p.next_outgoing_id);
    w.uint(p.outgoing_window);
    opt_uint(w, p.handle);
    opt_uint(w, p.delivery_count);
    opt_uint(w, p.link_credit);
    opt_uint(w, p.available);
    flag(w, p.drain);
    flag(w, p.echo);
    w.map(p.properties);
    w.end_list(l);
}

void encode(writer& w, const transfer& p) {
    w.descriptor(code::transfer);
    auto l = w.begin_list();
    w.uint(p.handle);
    opt_uint(w, p.delivery_id);
    opt_binary(w, p.delivery_tag);
    opt_uint(w, p.message_format);
    flag(w, p.settled);
    flag(w, p.more);
    if (p.rcv_settle_mode) {
        w.ubyte(std::uint8_t(*p.rcv_settle_mode));
    } else {
        w.null();
    }
    opt_composite(w, p.state);
    flag(w, p.resume);
    flag(w, p.aborted);
    flag(w, p.batchable);
    w.end_list(l);
}

void encode(writer& w, const disposition& p) {
    w.descriptor(code::disposition);
    auto l = w.begin_list();
    w.boolean(p.role == role::receiver);
    w.uint(p.first);
    opt_uint(w, p.last);
    flag(w, p.settled);
    opt_composite(w, p.state);
    flag(w, p.batchable);
    w.end_list(l);
}

void encode(writer& w, const detach& p) {
    w.descriptor(code::detach);
    auto l = w.begin_list();
    w.uint(p.handle);
    flag(w, p.closed);
    opt_composite(w, p.error);
    w.end_list(l);
}

void encode(writer& w, const end& p) { error_only(w, code::end, p.error); }
void encode(writer& w, const close& p) { error_only(w, code::close, p.error); }

void encode(writer& w, const sasl_mechanisms& p) {
    w.descriptor(code::sasl_mechanisms);
    auto l = w.begin_list();
    w.symbols(p.mechanisms);
    w.end_list(l);
}

void encode(writer& w, const sasl_init& p) {
    w.descriptor(code::sasl_init);
    auto l = w.begin_list();
    w.symbol(p.mechanism);
    opt_binary(w, p.initial_response);
    opt_string(w, p.hostname);
    w.end_list(l);
}

void encode(writer& w, const sasl_challenge& p) {
    w.descriptor(code::sasl_challenge);
    auto l = w.begin_list();
    w.binary(p.challenge);
    w.end_list(l);
}

void encode(writer& w, const sasl_response& p) {
    w.descriptor(code::sasl_response);
    auto l = w.begin_list();
    w.binary(p.response);
    w.end_list(l);
}

void encode(writer& w, const sasl_outcome& p) {
    w.descriptor(code::sasl_outcome);
    auto l = w.begin_list();
    w.ubyte(std::uint8_t(p.code));
    opt_binary(w, p.additional_data);
    w.end_list(l);
}

void encode_frame(std::string& out, std::uint16_t channel, const performative& p, bytes_view payload) {
    std::visit([&](const auto& x) { encode_frame(out, channel, x, payload); }, p);
}

// Each frame: encode the performative with more=true, see how much payload fits after it; if the
// rest fits, this is the last frame and the performative is written again with more=false (which
// can only make it shorter).
std::size_t encode_transfer_frames(std::string& out, std::uint16_t channel, const transfer& first,
                                   bytes_view payload, std::uint32_t max_frame_size) {
    const std::size_t origin = out.size();
    transfer t = first;
    std::size_t frames = 0;
    for (;;) {
        std::size_t start = begin_frame(out, frame_type::amqp, channel);
        writer w(out);
        t.more = true;
        encode(w, t);
        std::size_t used = out.size() - start;
        if (used >= max_frame_size) {
            out.resize(origin);
            return 0;
        }
        std::size_t room = max_frame_size - used;
        const bool last = payload.size() <= room;
        if (last) {
            out.resize(start + frame_header_size);
            t.more = first.more;
            encode(w, t);
        }
        std::size_t take = std::min(room, payload.size());
        out.append(as_chars(payload.first(take)));
        end_frame(out, start);
        payload = payload.subspan(take);
        ++frames;
        if (last) return frames;
        t.delivery_id.reset();
        t.delivery_tag.reset();
    }
}

}  // namespace tallyhub::amqp
