// amqp::engine, deliveries: transfers in (reassembly, limits, credit) and out (split to the peer's
// max frame), and dispositions both ways (ranges of consecutive settlements with the same outcome).

#include <algorithm>
#include <array>

#include "net/amqp/encode.hpp"
#include "net/amqp/engine_impl.hpp"

namespace tallyhub::amqp {

namespace {

constexpr std::string_view decode_error_symbol = "amqp:decode-error";

delivery_state state_of(outcome o, std::string_view description) {
    switch (o) {
        case outcome::accepted: return delivery_state::accepted();
        case outcome::released: return delivery_state::released();
        case outcome::rejected: break;
    }
    error e;
    e.condition = decode_error_symbol;
    e.description = description;
    return delivery_state::rejected(e);
}

}  // namespace

// ---- transfers in ----

bool engine::impl::on_transfer(session_state& s, const transfer& t) {
    if (s.incoming_window == 0) {
        fail(failure(condition::window_violation, "transfer beyond the session's incoming window"));
        return false;
    }
    ++s.next_incoming_id;
    if (--s.incoming_window < session_window / 2) s.window_dirty = true;
    link_state* l = s.by_remote_handle(t.handle);
    if (!l) {
        fail(failure::format(condition::unattached_handle, "transfer on handle %u, which is not attached", unsigned(t.handle)));
        return false;
    }
    if (l->detached) return true;  // in flight when we detached
    if (l->direction != link_direction::receive) {
        fail(failure(condition::not_allowed, "transfer on a link that receives nothing"));
        return false;
    }
    if (!l->in_delivery) {
        if (!t.delivery_id) {
            fail(failure(condition::invalid_field, "transfer: delivery-id is mandatory on a delivery's first frame"));
            return false;
        }
        if (l->credit == 0) {
            // RabbitMQ 3.10 takes a flow's link-credit as new credit without subtracting what is
            // already in flight, so a broker may overrun our view by up to one window. Take those
            // (refusing data we can handle helps nobody); only a sender far past the window is cut.
            if (l->outstanding >= 2 * opts.credit + 16) {
                detach_link(s, *l, failure(condition::transfer_limit_exceeded, "transfers far beyond the link credit"));
                return true;
            }
        } else {
            --l->credit;
        }
        ++l->delivery_count;
        l->in_delivery = true;
        l->current_id = *t.delivery_id;
        l->current_settled = t.settled;
        l->oversized = false;
        l->assembling.clear();
    } else {
        l->current_settled = l->current_settled || t.settled;
    }
    if (t.aborted) {
        // The sender gave up on it; nothing to settle. Its credit comes back with the next flow.
        l->in_delivery = false;
        l->assembling.clear();
        if (!credit_stopped && l->credit + l->outstanding <= opts.credit / 2) l->credit_dirty = true;
        return true;
    }
    const std::string_view part = as_chars(t.payload);
    std::string_view message = part;
    if (t.more || !l->assembling.empty() || l->oversized) {
        if (!l->oversized && l->assembling.size() + part.size() > opts.max_message_size) {
            l->oversized = true;
            std::string().swap(l->assembling);
        }
        if (!l->oversized) l->assembling.append(part);
        if (t.more) return true;
        message = l->assembling;
    } else if (part.size() > opts.max_message_size) {
        l->oversized = true;
    }
    l->in_delivery = false;
    if (l->oversized) {
        detach_link(s, *l, failure::format(condition::message_size_exceeded, "a message of more than %zu bytes",
                                           opts.max_message_size));
        return true;
    }
    ++l->outstanding;
    delivery_ref ref{s.channel, l->handle, l->current_id, l->current_settled};
    handler.on_message(ref, l->current_settled, message);
    if (l->assembling.capacity() > 256 * 1024) std::string().swap(l->assembling);
    else l->assembling.clear();
    return state != phase::done;
}

void engine::impl::flush_disposition(session_state& s) {
    if (!s.disposition) return;
    const pending_disposition& p = *s.disposition;
    disposition d;
    d.role = role::receiver;
    d.first = p.first;
    if (p.last != p.first) d.last = p.last;
    d.settled = true;
    d.state = state_of(p.result, p.description);
    write(s.channel, d);
    s.disposition.reset();
}

void engine::impl::settle(const delivery_ref& d, outcome o, std::string_view description) {
    auto it = sessions.find(d.channel);
    if (it == sessions.end()) return;  // the session ended: the peer settles it by itself
    session_state& s = *it->second;
    link_state* l = s.by_handle(d.handle);
    if (!l) return;
    if (l->outstanding > 0) --l->outstanding;
    if (!d.settled && !l->detached && !close_sent && state == phase::frames) {
        auto& p = s.disposition;
        if (p && p->result == o && p->last + 1 == d.id && p->description == description) {
            p->last = d.id;
        } else {
            flush_disposition(s);
            p = pending_disposition{d.id, d.id, o, std::string(description)};
        }
    }
    if (!credit_stopped && !l->detached && l->credit + l->outstanding <= opts.credit / 2) l->credit_dirty = true;
}

// ---- transfers out ----

bool engine::impl::can_send() const noexcept {
    if (state != phase::frames || !open_received || close_sent) return false;
    const session_state* s = client_session();
    const link_state* l = client_link();
    return s && l && l->direction == link_direction::send && l->remote_attached && !l->detached && l->peer_credit > 0 &&
           s->remote_incoming_window > 0;
}

void engine::impl::send_message(std::string_view message, std::uint64_t tag) {
    if (!can_send()) return;
    session_state& s = *client_session();
    link_state& l = *client_link();
    std::array<std::byte, 8> tag_bytes;
    for (int i = 0; i < 8; ++i) tag_bytes[std::size_t(i)] = std::byte(tag >> (56 - 8 * i));
    const std::uint32_t id = s.next_delivery_id++;
    transfer t;
    t.handle = l.handle;
    t.delivery_id = id;
    t.delivery_tag = bytes_view(tag_bytes);
    t.message_format = 0;
    t.settled = opts.send_settled;
    // Split to the peer's max frame; each frame is one of the session's outgoing transfers.
    const std::size_t frames = encode_transfer_frames(out, s.channel, t, as_bytes(message),
                                                      std::max(peer_max_frame, min_max_frame_size));
    s.next_outgoing_id += std::uint32_t(frames);
    s.remote_incoming_window -= std::min(s.remote_incoming_window, std::uint32_t(frames));
    ++l.delivery_count;
    --l.peer_credit;
    if (!opts.send_settled) s.unsettled_sends[id] = tag;
}

bool engine::impl::on_disposition(session_state& s, const disposition& d) {
    if (d.role != role::receiver) return true;  // about deliveries we receive: nothing to do
    if (!d.settled && (!d.state || d.state->kind == delivery_state_kind::received)) return true;
    const std::uint32_t last = d.last_id();
    auto report = [&](std::uint32_t id, std::uint64_t tag) {
        send_outcome out;
        out.tag = tag;
        const delivery_state st = d.state.value_or(delivery_state::released());
        switch (st.kind) {
            case delivery_state_kind::accepted: out.result = outcome::accepted; break;
            case delivery_state_kind::rejected:
                out.result = outcome::rejected;
                if (st.error) {
                    out.condition = st.error->condition;
                    out.description = st.error->description;
                }
                break;
            case delivery_state_kind::modified:
                out.result = outcome::released;
                out.modified = true;
                break;
            default: out.result = outcome::released; break;
        }
        (void)id;
        handler.on_outcome(out);
    };
    // A huge range is walked over what is unsettled, not over every id in it.
    if (std::uint64_t(last - d.first) + 1 > s.unsettled_sends.size()) {
        for (auto it = s.unsettled_sends.begin(); it != s.unsettled_sends.end();) {
            if (std::uint32_t(it->first - d.first) <= std::uint32_t(last - d.first)) {
                report(it->first, it->second);
                it = s.unsettled_sends.erase(it);
            } else {
                ++it;
            }
        }
        return true;
    }
    for (std::uint32_t id = d.first;; ++id) {
        if (auto it = s.unsettled_sends.find(id); it != s.unsettled_sends.end()) {
            report(id, it->second);
            s.unsettled_sends.erase(it);
        }
        if (id == last) break;
    }
    return true;
}

}  // namespace tallyhub::amqp
