// amqp::engine, sessions and links: begin/end, attach/detach, and flow (session windows and link
// credit). Transfers and dispositions are in engine_transfers.cpp.

#include <algorithm>

#include "net/amqp/encode.hpp"
#include "net/amqp/engine_impl.hpp"

namespace tallyhub::amqp {


link_state* session_state::by_remote_handle(std::uint32_t h) noexcept {
    for (auto& l : links)
        if (l->remote_attached && l->remote_handle == h) return l.get();
    return nullptr;
}

link_state* session_state::by_handle(std::uint32_t h) noexcept {
    for (auto& l : links)
        if (l->handle == h) return l.get();
    return nullptr;
}

session_state* engine::impl::session_of(std::uint16_t remote_channel) noexcept {
    auto it = by_remote_channel.find(remote_channel);
    if (it == by_remote_channel.end()) return nullptr;
    auto s = sessions.find(it->second);
    return s == sessions.end() ? nullptr : s->second.get();
}

session_state* engine::impl::client_session() const noexcept {
    auto it = sessions.find(0);
    return it == sessions.end() ? nullptr : it->second.get();
}

link_state* engine::impl::client_link() const noexcept {
    session_state* s = client_session();
    return s && !s->links.empty() ? s->links.front().get() : nullptr;
}

// ---- sessions ----

void engine::impl::begin_client_session() {
    auto s = std::make_unique<session_state>();
    s->channel = 0;
    begin b;
    b.next_outgoing_id = 0;
    b.incoming_window = session_window;
    b.outgoing_window = session_window;
    write(0, b);
    session_state& ref = *s;
    sessions[0] = std::move(s);
    attach_client_link(ref);
}

bool engine::impl::on_begin(std::uint16_t channel, const begin& b) {
    if (opts.role == engine_role::client) {
        session_state* s = client_session();
        if (!s || !b.remote_channel || *b.remote_channel != s->channel || s->remote_begun) {
            fail(failure(condition::not_allowed, "begin for a session this client did not ask for"));
            return false;
        }
        s->remote_begun = true;
        s->remote_channel = channel;
        s->next_incoming_id = b.next_outgoing_id;
        s->remote_incoming_window = b.incoming_window;
        by_remote_channel[channel] = s->channel;
        return true;
    }
    if (b.remote_channel) {
        fail(failure(condition::not_allowed, "begin answers a session this server did not begin"));
        return false;
    }
    if (channel >= opts.max_sessions) {
        fail(failure::format(condition::resource_limit_exceeded, "channel %u is beyond channel-max %u",
                             unsigned(channel), unsigned(opts.max_sessions - 1)));
        return false;
    }
    if (by_remote_channel.contains(channel)) {
        fail(failure::format(condition::illegal_state, "channel %u already has a session", unsigned(channel)));
        return false;
    }
    auto s = std::make_unique<session_state>();
    s->channel = channel;
    s->remote_channel = channel;
    s->remote_begun = true;
    s->next_incoming_id = b.next_outgoing_id;
    s->remote_incoming_window = b.incoming_window;
    begin reply;
    reply.remote_channel = channel;
    reply.next_outgoing_id = 0;
    reply.incoming_window = session_window;
    reply.outgoing_window = session_window;
    reply.handle_max = opts.max_links - 1;
    write(channel, reply);
    by_remote_channel[channel] = channel;
    sessions[channel] = std::move(s);
    return true;
}

bool engine::impl::on_end(session_state& s, const end& e) {
    if (!s.ended) write(s.channel, end{});
    const bool client = opts.role == engine_role::client;
    by_remote_channel.erase(s.remote_channel);
    sessions.erase(s.channel);  // `s` is gone from here on
    if (!client) return true;
    // A broker reports most refusals (no such queue, durability mismatch) by ending the session.
    failure why = e.error ? failure::format(condition_from_symbol(e.error->condition).value_or(condition::internal_error),
                                            "session ended: %.*s %.*s", int(std::min<std::size_t>(e.error->condition.size(), 40)),
                                            e.error->condition.data(), int(e.error->description.size()),
                                            e.error->description.data())
                          : failure(condition::connection_forced, "the peer ended the session");
    send_close({});
    report_closed(why, true);
    return true;
}

// ---- links ----

void engine::impl::attach_client_link(session_state& s) {
    auto l = std::make_unique<link_state>();
    l->handle = 0;
    l->name = opts.link_name;
    l->direction = opts.direction;
    attach a;
    a.name = l->name;
    a.handle = 0;
    if (opts.direction == link_direction::receive) {
        a.role = role::receiver;
        a.snd_settle_mode = sender_settle_mode::unsettled;
        a.rcv_settle_mode = receiver_settle_mode::first;
        amqp::source src;
        src.address = opts.address;
        a.source = src;
        a.target = amqp::target{};
        a.max_message_size = opts.max_message_size;
    } else {
        a.role = role::sender;
        a.snd_settle_mode = opts.send_settled ? sender_settle_mode::settled : sender_settle_mode::unsettled;
        a.source = amqp::source{};
        amqp::target t;
        t.address = opts.address;
        if (opts.durable_target) t.durable = terminus_durability::unsettled_state;
        a.target = t;
        a.initial_delivery_count = 0;
    }
    write(s.channel, a);
    s.links.push_back(std::move(l));
}

bool engine::impl::on_attach(session_state& s, const attach& a) {
    if (opts.role == engine_role::client) {
        link_state* l = client_link();
        if (!l || l->remote_attached || a.name != l->name) {
            fail(failure(condition::not_allowed, "attach for a link this client did not ask for"));
            return false;
        }
        l->remote_attached = true;
        l->remote_handle = a.handle;
        // A refused link comes back without its terminus; the detach that follows says why.
        const bool refused = l->direction == link_direction::receive ? !a.source : !a.target;
        if (refused) return true;
        if (l->direction == link_direction::receive) {
            l->delivery_count = a.initial_delivery_count.value_or(0);
            l->credit_dirty = true;
        }
        handler.on_link_ready();
        return true;
    }
    if (s.by_remote_handle(a.handle) || s.by_handle(a.handle)) {
        fail(failure::format(condition::illegal_state, "handle %u is already attached", unsigned(a.handle)));
        return false;
    }
    if (a.handle >= opts.max_links) {
        fail(failure::format(condition::resource_limit_exceeded, "handle %u is beyond handle-max %u", unsigned(a.handle),
                             unsigned(opts.max_links - 1)));
        return false;
    }
    auto l = std::make_unique<link_state>();
    l->handle = a.handle;
    l->remote_handle = a.handle;
    l->remote_attached = true;
    l->name = std::string(a.name);
    attach reply;
    reply.name = l->name;
    reply.handle = l->handle;
    reply.source = a.source ? a.source : std::optional<amqp::source>(amqp::source{});
    reply.target = a.target ? a.target : std::optional<amqp::target>(amqp::target{});
    link_state& ref = *l;
    s.links.push_back(std::move(l));
    if (a.role == role::receiver) {
        // The peer wants messages from us: answer the attach, then detach it with the reason.
        reply.role = role::sender;
        reply.initial_delivery_count = 0;
        write(s.channel, reply);
        detach_link(s, ref, failure(condition::not_implemented, "tallyhub only receives messages; attach as a sender"));
        return true;
    }
    reply.role = role::receiver;
    reply.snd_settle_mode = a.snd_settle_mode;
    reply.rcv_settle_mode = receiver_settle_mode::first;
    reply.max_message_size = opts.max_message_size;
    write(s.channel, reply);
    ref.direction = link_direction::receive;
    ref.delivery_count = a.initial_delivery_count.value_or(0);
    ref.credit_dirty = true;
    flush_links();  // the first credit right after the attach: proton waits for it
    return true;
}

void engine::impl::detach_link(session_state& s, link_state& l, const failure& why) {
    if (l.detached) return;
    detach d;
    d.handle = l.handle;
    d.closed = true;
    if (why.failed()) d.error = error::from(why);
    write(s.channel, d);
    l.detached = true;
}

bool engine::impl::on_detach(session_state& s, const detach& d) {
    link_state* l = s.by_remote_handle(d.handle);
    if (!l) return true;  // crossed with our own detach
    if (!l->detached) {
        detach reply;
        reply.handle = l->handle;
        reply.closed = true;
        write(s.channel, reply);
        l->detached = true;
    }
    auto& links = s.links;
    links.erase(std::remove_if(links.begin(), links.end(), [l](const auto& p) { return p.get() == l; }), links.end());
    if (opts.role != engine_role::client) return true;
    failure why = d.error ? failure::format(condition_from_symbol(d.error->condition).value_or(condition::detach_forced),
                                            "link detached: %.*s %.*s", int(std::min<std::size_t>(d.error->condition.size(), 40)),
                                            d.error->condition.data(), int(d.error->description.size()),
                                            d.error->description.data())
                          : failure(condition::detach_forced, "the peer detached the link");
    send_close({});
    report_closed(why, true);
    return true;
}

// ---- flow ----

void engine::impl::grant_credit(session_state& s, link_state& l) {
    flow f;
    f.next_incoming_id = s.next_incoming_id;
    f.incoming_window = session_window;
    s.incoming_window = session_window;
    s.window_dirty = false;
    f.next_outgoing_id = s.next_outgoing_id;
    f.outgoing_window = session_window;
    f.handle = l.handle;
    f.delivery_count = l.delivery_count;
    const std::uint32_t want = credit_stopped ? 0 : opts.credit - std::min(opts.credit, l.outstanding);
    l.credit = want;
    f.link_credit = want;
    write(s.channel, f);
    l.credit_dirty = false;
}

bool engine::impl::on_flow(session_state& s, const flow& f) {
    // The peer's incoming window, as of our next-outgoing-id.
    s.remote_incoming_window = f.next_incoming_id ? *f.next_incoming_id + f.incoming_window - s.next_outgoing_id
                                                  : f.incoming_window;
    if (!f.handle) return true;
    link_state* l = s.by_remote_handle(*f.handle);
    if (!l || l->detached) return true;
    if (l->direction == link_direction::send) {
        l->peer_credit = f.delivery_count.value_or(0) + f.link_credit.value_or(0) - l->delivery_count;
        if (f.drain && l->peer_credit > 0) {
            // Nothing queued here: use the credit up and say so.
            l->delivery_count += l->peer_credit;
            l->peer_credit = 0;
            flow reply;
            reply.next_incoming_id = s.next_incoming_id;
            reply.incoming_window = s.incoming_window;
            reply.next_outgoing_id = s.next_outgoing_id;
            reply.outgoing_window = session_window;
            reply.handle = l->handle;
            reply.delivery_count = l->delivery_count;
            reply.link_credit = 0;
            reply.drain = true;
            write(s.channel, reply);
        }
        if (l->peer_credit > 0) handler.on_credit();
        return true;
    }
    if (f.echo) l->credit_dirty = true;
    return true;
}

void engine::impl::flush_links() {
    for (auto& [ch, s] : sessions) {
        if (s->ended) continue;
        flush_disposition(*s);
        bool window_sent = false;
        for (auto& l : s->links) {
            if (l->credit_dirty && !l->detached && l->direction == link_direction::receive) {
                grant_credit(*s, *l);
                window_sent = true;
            }
        }
        if (s->window_dirty && !window_sent) {
            flow f;
            f.next_incoming_id = s->next_incoming_id;
            f.incoming_window = session_window;
            f.next_outgoing_id = s->next_outgoing_id;
            f.outgoing_window = session_window;
            write(s->channel, f);
            s->incoming_window = session_window;
            s->window_dirty = false;
        }
    }
}

}  // namespace tallyhub::amqp
