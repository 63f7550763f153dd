// amqp::engine, the connection level: protocol headers, the SASL exchange (both sides), open and
// close, heartbeats and the idle timeout, and turning frames into calls on sessions
// (engine_links.cpp). Written by hand on top of the project's codec because no Debian-packaged AMQP
// 1.0 library runs sans-I/O on our reactor (proton-c owns its own event loop and buffers).

#include "net/amqp/engine_impl.hpp"

#include <algorithm>
#include <cstring>

#include "net/amqp/encode.hpp"

namespace tallyhub::amqp {

namespace {

constexpr std::string_view mech_anonymous = "ANONYMOUS";
constexpr std::string_view mech_plain = "PLAIN";

failure framing(const char* what) { return failure(condition::framing_error, what); }

}  // namespace

engine::impl::impl(engine_options o, engine_handler& h) : opts(std::move(o)), handler(h), decoder(opts.max_frame_size) {}

void engine::impl::write(std::uint16_t channel, const performative& p, bytes_view payload) {
    encode_frame(out, channel, p, payload);
}

void engine::impl::report_closed(const failure& why, bool remote) {
    if (closed_reported) return;
    closed_reported = true;
    handler.on_closed(why, remote);
}

void engine::impl::send_close(const failure& why) {
    if (close_sent) return;
    flush_links();
    amqp::close c;
    if (why.failed()) c.error = error::from(why);
    if (!open_sent && state == phase::frames) write_open();  // close must follow an open
    if (state == phase::frames) write(0, c);
    close_sent = true;
}

// A protocol error of ours to report: the close carries it, then nothing more is read.
void engine::impl::fail(const failure& why) {
    send_close(why);
    state = phase::done;
    report_closed(why, false);
}

void engine::impl::write_open() {
    open o;
    o.container_id = opts.container_id;
    if (opts.role == engine_role::client) o.hostname = opts.hostname;
    o.max_frame_size = opts.max_frame_size;
    o.channel_max = opts.role == engine_role::listener ? std::uint16_t(opts.max_sessions - 1) : 0;
    o.idle_time_out = std::uint32_t(opts.idle_timeout.count());
    write(0, o);
    open_sent = true;
}

// ---- client start ----

void engine::impl::start_client_sasl() {
    encode_protocol_header(out, protocol_id::sasl);
    sasl_init init;
    std::string response;
    if (opts.sasl_user.empty()) {
        init.mechanism = mech_anonymous;
    } else {
        init.mechanism = mech_plain;
        response.push_back('\0');
        response += opts.sasl_user;
        response.push_back('\0');
        response += opts.sasl_password;
        init.initial_response = as_bytes(response);
    }
    init.hostname = opts.hostname;
    encode_sasl_frame(out, init);
    sasl_sent_init = true;
}

void engine::impl::start_client_amqp() {
    encode_protocol_header(out, protocol_id::amqp);
    write_open();
    begin_client_session();
}

// ---- input ----

void engine::impl::receive(std::string_view bytes, clock::time_point now) {
    if (state == phase::done) return;
    last_rx = now;
    // Work on the caller's bytes directly unless an incomplete frame is waiting.
    if (!in.empty()) in.append(bytes);
    bytes_view data = in.empty() ? as_bytes(bytes) : as_bytes(in);
    while (!data.empty() && state != phase::done) {
        if (state == phase::header || state == phase::amqp_header) {
            if (!consume_header(data)) break;
            continue;
        }
        auto polled = decoder.next(data);
        if (!polled) {
            fail(polled.err());
            break;
        }
        if (!polled->complete()) break;
        const frame f = polled->f;
        data = data.subspan(f.size);
        bool ok = true;
        if (f.is_heartbeat()) continue;
        if (state == phase::sasl) {
            if (f.type != frame_type::sasl) {
                fail(framing("expected a SASL frame before the SASL outcome"));
                break;
            }
            ok = on_sasl(f);
        } else {
            if (f.type != frame_type::amqp) {
                fail(framing("a SASL frame after the SASL exchange"));
                break;
            }
            ok = on_frame(f);
        }
        if (!ok) break;
    }
    // Keep only the unconsumed rest (bounded by one frame: the decoder refuses larger ones).
    if (state == phase::done) {
        std::string().swap(in);
    } else if (data.empty()) {
        in.clear();
    } else if (in.empty()) {
        in.assign(as_chars(data));
    } else {
        in.erase(0, in.size() - data.size());
    }
}

// The protocol header at the start of `data`; false when more bytes are needed or it was refused.
bool engine::impl::consume_header(bytes_view& data) {
    const header_kind k = recognize_protocol_header(data);
    if (k == header_kind::need_more) return false;
    const bool expecting_amqp = state == phase::amqp_header;
    if (opts.role == engine_role::client) {
        const header_kind want = expecting_amqp || !sasl_sent_init ? header_kind::amqp : header_kind::sasl;
        if (k != want) {
            fail(framing(k == header_kind::sasl ? "the peer requires SASL"
                                                : "the peer answered with another protocol header"));
            return false;
        }
        data = data.subspan(protocol_header_size);
        state = k == header_kind::sasl ? phase::sasl : phase::frames;
        return true;
    }
    header_policy policy;
    policy.sasl = !expecting_amqp;
    // Without SASL the connection is anonymous: allowed only when ANONYMOUS is.
    policy.amqp = expecting_amqp || opts.allow_anonymous;
    const header_answer a = answer_protocol_header(k, policy);
    encode_protocol_header(out, a.reply);
    if (!a.accepted) {
        state = phase::done;
        close_sent = true;
        report_closed(failure(condition::framing_error, k == header_kind::not_amqp
                                                            ? "not an AMQP 1.0 protocol header"
                                                            : "unsupported AMQP protocol header"),
                      false);
        return false;
    }
    data = data.subspan(protocol_header_size);
    if (k == header_kind::sasl) {
        state = phase::sasl;
        std::string_view mechs[2];
        std::size_t n = 0;
        if (opts.allow_anonymous) mechs[n++] = mech_anonymous;
        if (!opts.plain_user.empty()) mechs[n++] = mech_plain;
        sasl_mechanisms m;
        m.mechanisms = symbol_array(std::span<const std::string_view>(mechs, n));
        encode_sasl_frame(out, m);
    } else {
        state = phase::frames;
    }
    return true;
}

bool engine::impl::on_sasl(const frame& f) {
    auto p = decode_sasl(f);
    if (!p) {
        fail(p.err());
        return false;
    }
    if (opts.role == engine_role::client) {
        if (auto* m = std::get_if<sasl_mechanisms>(&*p)) {
            const std::string_view want = opts.sasl_user.empty() ? mech_anonymous : mech_plain;
            if (!m->mechanisms.contains(want)) {
                std::string offered;
                for (std::string_view s : m->mechanisms) offered += (offered.empty() ? "" : " ") + std::string(s);
                fail(failure::format(condition::unauthorized_access, "the peer does not offer SASL %.*s (offers: %s)",
                                     int(want.size()), want.data(), offered.c_str()));
                return false;
            }
            return true;
        }
        if (auto* o = std::get_if<sasl_outcome>(&*p)) {
            if (o->code != sasl_code::ok) {
                state = phase::done;
                close_sent = true;
                report_closed(failure::format(condition::unauthorized_access,
                                              "authentication failed (sasl-outcome code %d)", int(o->code)),
                              true);
                return false;
            }
            state = phase::amqp_header;
            start_client_amqp();
            return true;
        }
        fail(failure(condition::not_implemented, "SASL challenges are not supported"));
        return false;
    }
    auto* init = std::get_if<sasl_init>(&*p);
    if (!init) {
        fail(framing("expected sasl-init"));
        return false;
    }
    sasl_outcome result;
    result.code = sasl_code::auth;
    if (init->mechanism == mech_anonymous && opts.allow_anonymous) {
        result.code = sasl_code::ok;
    } else if (init->mechanism == mech_plain && !opts.plain_user.empty() && init->initial_response) {
        auto creds = parse_sasl_plain(*init->initial_response);
        if (creds && creds->authcid == opts.plain_user && creds->password == opts.plain_password &&
            (creds->authzid.empty() || creds->authzid == creds->authcid))
            result.code = sasl_code::ok;
    }
    encode_sasl_frame(out, result);
    if (result.code != sasl_code::ok) {
        state = phase::done;
        close_sent = true;
        report_closed(failure::format(condition::unauthorized_access, "SASL %.*s authentication failed",
                                      int(std::min<std::size_t>(init->mechanism.size(), 32)), init->mechanism.data()),
                      false);
        return false;
    }
    state = phase::amqp_header;
    return true;
}

bool engine::impl::on_frame(const frame& f) {
    auto p = decode_performative(f);
    if (!p) {
        fail(p.err());
        return false;
    }
    if (!open_received && !std::holds_alternative<open>(*p)) {
        fail(failure(condition::illegal_state, "the first frame must be open"));
        return false;
    }
    if (auto* o = std::get_if<open>(&*p)) {
        if (open_received) {
            fail(failure(condition::illegal_state, "a second open"));
            return false;
        }
        on_open(*o);
        return state != phase::done;
    }
    if (auto* c = std::get_if<amqp::close>(&*p)) {
        on_close(*c);
        return false;
    }
    if (close_sent) return true;  // closing: the peer's frames in flight no longer matter
    if (auto* b = std::get_if<begin>(&*p)) return on_begin(f.channel, *b);
    session_state* s = session_of(f.channel);
    if (!s) {
        fail(failure::format(condition::illegal_state, "frame on channel %u, which has no session", unsigned(f.channel)));
        return false;
    }
    if (auto* a = std::get_if<attach>(&*p)) return on_attach(*s, *a);
    if (auto* fl = std::get_if<flow>(&*p)) return on_flow(*s, *fl);
    if (auto* t = std::get_if<transfer>(&*p)) return on_transfer(*s, *t);
    if (auto* d = std::get_if<disposition>(&*p)) return on_disposition(*s, *d);
    if (auto* d = std::get_if<detach>(&*p)) return on_detach(*s, *d);
    if (auto* e = std::get_if<end>(&*p)) return on_end(*s, *e);
    return true;
}

void engine::impl::on_open(const open& o) {
    open_received = true;
    peer_max_frame = std::max(o.max_frame_size, min_max_frame_size);
    peer_channel_max = o.channel_max;
    if (o.idle_time_out && *o.idle_time_out > 0) peer_idle = std::chrono::milliseconds(*o.idle_time_out);
    if (opts.role == engine_role::listener) write_open();
}

void engine::impl::on_close(const amqp::close& c) {
    close_received = true;
    failure why;
    if (c.error) {
        auto cond = condition_from_symbol(c.error->condition).value_or(condition::internal_error);
        why = failure::format(cond, "%.*s: %.*s", int(std::min<std::size_t>(c.error->condition.size(), 48)),
                              c.error->condition.data(), int(c.error->description.size()), c.error->description.data());
    }
    if (!close_sent) {
        send_close({});
    }
    state = phase::done;
    report_closed(why, true);
}

// ---- engine ----

engine::engine(engine_options opts, engine_handler& handler) : impl_(std::make_unique<impl>(std::move(opts), handler)) {}
engine::~engine() = default;

void engine::start(clock::time_point now) {
    impl_->last_rx = impl_->last_tx = now;
    if (impl_->opts.role != engine_role::client) return;
    impl_->start_client_sasl();
}

void engine::receive(std::string_view bytes, clock::time_point now) { impl_->receive(bytes, now); }

std::string& engine::output() noexcept { return impl_->out; }

void engine::flush() {
    if (impl_->state == phase::frames && !impl_->close_sent) impl_->flush_links();
}

void engine::settle(const delivery_ref& d, outcome o, std::string_view description) { impl_->settle(d, o, description); }

bool engine::can_send() const noexcept { return impl_->can_send(); }

void engine::send(std::string_view message, std::uint64_t tag) { impl_->send_message(message, tag); }

std::uint64_t engine::unsettled_sends() const noexcept {
    const session_state* s = impl_->client_session();
    return s ? s->unsettled_sends.size() : 0;
}

engine::clock::time_point engine::tick(clock::time_point now) {
    impl& m = *impl_;
    if (m.state == phase::done) return now + std::chrono::hours(1);
    if (now - m.last_rx >= m.opts.idle_timeout) {
        m.fail(failure(condition::resource_limit_exceeded, "local-idle-timeout expired"));
        return now + std::chrono::hours(1);
    }
    auto next = m.last_rx + m.opts.idle_timeout;
    if (m.open_received && m.peer_idle.count() > 0) {
        const auto beat = m.peer_idle / 2;
        if (now - m.last_tx >= beat && m.out.empty()) encode_heartbeat(m.out);
        next = std::min(next, now + beat);
    }
    return next;
}

void engine::close(const failure& why) {
    impl& m = *impl_;
    if (m.state == phase::done) return;
    if (m.state != phase::frames) {
        m.state = phase::done;
        m.close_sent = true;
        m.report_closed(why, false);
        return;
    }
    m.send_close(why);
}

void engine::stop_credit() noexcept { impl_->credit_stopped = true; }

bool engine::finished() const noexcept {
    return impl_->state == phase::done || (impl_->close_sent && impl_->close_received);
}

bool engine::opened() const noexcept {
    return impl_->open_received && impl_->open_sent && !impl_->close_sent && impl_->state == phase::frames;
}

std::uint64_t engine::outstanding() const noexcept {
    std::uint64_t n = 0;
    for (const auto& [ch, s] : impl_->sessions)
        for (const auto& l : s->links) n += l->outstanding;
    return n;
}

void engine::wrote(clock::time_point now) noexcept { impl_->last_tx = now; }

}  // namespace tallyhub::amqp
