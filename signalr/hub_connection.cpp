#include "signalr/hub_connection.hpp"

#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "core/log.hpp"
#include "signalr/handshake.hpp"
#include "signalr/hub_endpoint.hpp"
#include "signalr/json_protocol.hpp"

namespace tallyhub::signalr {

namespace {

// WebSocket messages may carry several hub records, so the frame limit is wider than the hub's
// per-record limit (which the JSON parser enforces with a Close that names the limit).
std::size_t websocket_limit(std::size_t max_message_size) {
    if (max_message_size == 0) return std::size_t(64) << 20;
    return std::max<std::size_t>(4 * max_message_size, 64 * 1024);
}

constexpr std::string_view protocol_error_text = "Connection closed with an error.";

}  // namespace

hub_connection::hub_connection(hub_endpoint& ep, net::connection& conn, std::string id)
    : hub_connection(ep, &conn, std::make_unique<ws_transport>(conn), std::move(id)) {}

hub_connection::hub_connection(hub_endpoint& ep, net::connection* conn, std::unique_ptr<hub_transport> transport,
                               std::string id)
    : ep_(ep), conn_(conn), transport_(std::move(transport)), core_(unsigned(reactor::current().core())) {
    if (id.size() > max_id_size) throw std::invalid_argument("hub connection id longer than 23 characters: " + id);
    std::memcpy(id_.data(), id.data(), id.size());
    id_size_ = std::uint8_t(id.size());
    created_ = last_received_ = last_sent_ = reactor::current().now();
}

hub_connection::~hub_connection() { reactor::current().cancel_flush(*this); }

hub_connection::stream_state& hub_connection::streaming() {
    if (!streaming_) streaming_ = std::make_unique<stream_state>();
    return *streaming_;
}

// ---- closing ----

void hub_connection::close(std::optional<std::string> error, bool allow_reconnect, std::uint16_t ws_code) {
    if (close_) return;
    close_ = std::make_unique<pending_close>(pending_close{std::move(error), allow_reconnect, ws_code});
    stop_reading();
    if (rs_ && rs_->park_waiter) reactor::current().schedule(std::exchange(rs_->park_waiter, {}));
}

void hub_connection::stop_reading() {
    if (reading_ && !read_stopped_ && conn_) {
        read_stopped_ = true;
        conn_->stop_reading();
    }
    if (inbox_waiter_) reactor::current().schedule(std::exchange(inbox_waiter_, {}));
}

void hub_connection::abort() {
    send_close_record_ = false;
    close(std::nullopt, false);
}

void hub_connection::sweep(std::chrono::steady_clock::time_point now) {
    if (close_) return;
    const auto& o = ep_.options();
    if (parked()) {
        if (now - rs_->parked_since >= o.reconnect_grace && rs_->park_waiter) reactor::current().schedule(std::exchange(rs_->park_waiter, {}));
        return;
    }
    if (stateful_ && rs_->recv_done > rs_->ack_sent) {
        ack_message a;
        a.sequence_id = rs_->recv_done;
        send_message(a);
        rs_->ack_sent = rs_->recv_done;
    }
    if (!handshaken_) {
        if (now - created_ >= o.handshake_timeout) {
            ep_.local().stats.timeouts.add();
            std::string rec;
            write_handshake_response(rec, handshake_canceled_error);
            queue_bytes(rec);
            send_close_record_ = false;
            close(std::nullopt, false);
        }
        return;
    }
    // Long polling has no Pings either way: polls arriving are its liveness (hub_endpoint's sweep).
    if (transport() == transport_kind::long_polling) return;
    if (o.client_timeout.count() > 0 && now - last_received_ >= o.client_timeout) {
        ep_.local().stats.timeouts.add();
        close("Server timeout elapsed without receiving a message from the client.", true);
        return;
    }
    if (o.keep_alive_interval.count() > 0 && now - last_sent_ >= o.keep_alive_interval)
        send_ping();
}

// ---- receive loop ----

// The receive loop. A stateful connection outlives its WebSocket: when the socket drops, the loop
// parks until a new WebSocket with the same token arrives (reattach) or the grace period ends, then
// goes on reading from the new socket with a fresh frame parser.
task<void> hub_connection::run(std::unique_ptr<hub_connection> self, http::upgraded_socket socket) {
    ep_.attach(*this);
    bool go_on = true;
    for (;;) {
        while (go_on && !close_ && conn_) {
            // Bytes that came with the socket first (one call site for both, and a small frame).
            std::span<char> bytes;
            if (input_) {
                bytes = std::span<char>(input_->data(), input_->size());
            } else {
                reading_ = true;
                net::read_result r = co_await conn_->read();
                reading_ = false;
                if (r.status <= 0) {
                    if (!close_ && park()) break;
                    if (!close_) {
                        // The peer went away without a close handshake, or a deadline ended the read.
                        send_close_record_ = false;
                        close_ = std::make_unique<pending_close>(pending_close{std::nullopt, false, ws::close_code::normal});
                        peer_closed_ = r.status == 0 || r.status != -ECANCELED;
                    }
                    break;
                }
                // The receive buffer is ours until the next read: the frame parser unmasks it in place.
                bytes = std::span<char>(const_cast<char*>(r.bytes.data()), r.bytes.size());
            }
            go_on = co_await on_frames(parser(), bytes);
            rest_parser();
            input_.reset();
        }
        if (!parked() || close_) break;
        // The first socket is dead: its descriptor and --max-connections place go back now, not at
        // the end of the grace period (no-op once closed, or when the caller owns the socket).
        co_await socket.close();
        co_await park_awaiter{*this};
        if (!rs_->next_conn || close_) {
            // The grace period ended (or the server drains): the connection ends for good.
            rs_->parked = false;
            if (!close_) {
                send_close_record_ = false;
                close_ = std::make_unique<pending_close>(pending_close{std::nullopt, false, ws::close_code::normal});
            }
            break;
        }
        // A new WebSocket takes over, with a fresh frame parser.
        ep_.local().stats.stateful_resumes.add();
        rs_->parked = false;
        conn_ = std::exchange(rs_->next_conn, nullptr);
        rs_->conn_owner = std::exchange(rs_->next_owner, {});
        transport_ = std::make_unique<ws_transport>(*conn_);
        read_stopped_ = false;
        parser_.reset();
        pending_.reset();
        last_received_ = last_sent_ = reactor::current().now();
        replay();
        set_input(std::exchange(rs_->next_input, {}));
        go_on = true;
    }
    co_await finish();
    if (self) {
        // This task owns the connection: it ends here, then the socket closes.
        if (stateful_offered()) ep_.forget_stateful(offered_token());
        self.reset();
    }
    co_await socket.close();
}

void hub_connection::set_input(std::string bytes) {
    if (!bytes.empty()) input_ = std::make_unique<std::string>(std::move(bytes));
}

// The frame parser of this WebSocket, built when bytes arrive; rest_parser() drops it again once it
// holds nothing (most messages arrive whole in one read), so an idle connection keeps none.
ws::frame_parser& hub_connection::parser() {
    if (!parser_) parser_ = std::make_unique<ws::frame_parser>(ws::parser_limits{websocket_limit(ep_.options().max_message_size), 4096});
    return *parser_;
}

void hub_connection::rest_parser() noexcept {
    if (parser_ && parser_->at_rest()) parser_.reset();
}

task<bool> hub_connection::on_frames(ws::frame_parser& fp, std::span<char> bytes) {
    fp.feed(bytes);
    for (;;) {
        ws::event ev = fp.next();
        switch (ev.kind) {
        case ws::event_kind::need_more:
            co_return true;
        case ws::event_kind::text:
        case ws::event_kind::binary:
            last_received_ = reactor::current().now();
            ep_.local().stats.messages_in.add();
            if (!co_await on_message(ev.payload)) co_return false;
            if (close_) co_return false;
            break;
        case ws::event_kind::ping:
            last_received_ = reactor::current().now();
            frame_batch();
            conn_->send(ws::encode_pong(ev.payload));
            break;
        case ws::event_kind::pong:
            last_received_ = reactor::current().now();
            break;
        case ws::event_kind::close:
            // The client ends the connection: answer its Close (echoing the code) and stop.
            if (!close_) {
                send_close_record_ = false;
                std::uint16_t code = ev.close_code == ws::close_code::no_status ? 0 : ev.close_code;
                close_ = std::make_unique<pending_close>(pending_close{std::nullopt, false, code});
                peer_closed_ = true;
            }
            co_return false;
        case ws::event_kind::protocol_error:
            ep_.local().stats.protocol_errors.add();
            if (!close_) {
                std::optional<std::string> error;
                if (ev.close_code == ws::close_code::message_too_big) {
                    error = fmt::format("{} The WebSocket message exceeded {} bytes.", protocol_error_text,
                                        websocket_limit(ep_.options().max_message_size));
                }
                send_close_record_ = handshaken_ && error.has_value();
                close_ = std::make_unique<pending_close>(pending_close{std::move(error), false, ev.close_code});
                close_->ws_reason = std::string(ev.payload);
            }
            co_return false;
        }
    }
}

task<bool> hub_connection::on_message(std::string_view payload) {
    std::string_view data = payload;
    const bool buffered = pending_ != nullptr;
    if (buffered) {
        pending_->append(payload);
        data = *pending_;
    }
    std::size_t consumed = 0;
    bool go_on = true;
    if (!handshaken_) go_on = on_handshake(data, consumed);
    if (go_on && handshaken_) go_on = co_await on_hub_bytes(data, consumed);
    // Keep an incomplete record for the next message.
    if (buffered) {
        pending_->erase(0, consumed);
        if (pending_->empty()) pending_.reset();
    } else if (consumed < data.size()) {
        pending_ = std::make_unique<std::string>(data.substr(consumed));
    }
    co_return go_on;
}

bool hub_connection::on_handshake(std::string_view data, std::size_t& consumed) {
    const auto& o = ep_.options();
    auto step = parse_handshake_request(data, o.max_message_size);
    std::string rec;
    if (!step) {
        write_handshake_response(rec, step.err().reason);
    } else if (!step->complete) {
        return true;
    } else {
        consumed = step->consumed;
        handshake_options ho;
        ho.messagepack = true;
        // WebSocket binary frames and long-poll bodies carry bytes; SSE is text only.
        ho.binary_transport = transport() != transport_kind::server_sent_events;
        auto verdict = check_handshake(step->request, ho);
        if (verdict.accepted()) {
            handshaken_ = true;
            protocol_ = verdict.protocol;
            last_received_ = reactor::current().now();
            // Always JSON; on a MessagePack connection it opens the first binary frame.
            queue_bytes(handshake_ok_record);
            // Stateful reconnect needs both sides: negotiate, then a version 2 handshake (a lower
            // version silently turns it off, as in ASP.NET Core).
            if (rs_ && verdict.version >= 2 && transport() == transport_kind::websockets) {
                stateful_ = true;
                frame_batch();  // the response leaves alone; what follows waits for the client
                rs_->holding = true;
            }
            ep_.local().stats.connections_opened.add();
            ep_.local().stats.by_protocol(protocol_).add(1);
            ep_.local().stats.by_transport(transport(), protocol_).add(1);
            if (ep_.definition().on_connected) {
                hub_call call(*this);
                try {
                    ep_.definition().on_connected(call);
                } catch (const std::exception& e) {
                    log_warn("on-connected hook failed for {}: {}", id(), e.what());
                    close(std::string(protocol_error_text), false);
                    return false;
                }
            }
            return true;
        }
        write_handshake_response(rec, verdict.error);
    }
    ep_.local().stats.protocol_errors.add();
    queue_bytes(rec);  // a refused handshake is answered in JSON, in a text frame
    send_close_record_ = false;
    close(std::nullopt, false);
    return false;
}

task<bool> hub_connection::on_hub_bytes(std::string_view data, std::size_t& consumed) {
    auto& part = ep_.local();
    const bool messagepack = protocol_ == hub_protocol::messagepack;
    while (consumed < data.size() && !close_) {
        auto rest = data.substr(consumed);
        auto s = messagepack ? part.msgpack_parser.next(rest) : part.parser.next(rest);
        if (!s) {
            part.stats.protocol_errors.add();
            close(fmt::format("{} {}", protocol_error_text, s.err().reason), true);
            co_return false;
        }
        if (s->kind == json_protocol::step_kind::incomplete) break;
        std::size_t n = s->consumed;
        if (s->kind == json_protocol::step_kind::message) {
            bool skip = false;
            if (stateful_ && !on_stateful_record(s->message, skip)) co_return false;
            if (!skip && !co_await on_record(s->message)) co_return false;
        }
        consumed += n;
    }
    co_return !close_;
}

void hub_connection::start_background(task<void> t) {
    ++background_;
    reactor::current().spawn(background(std::move(t)));
}

task<void> hub_connection::background(task<void> t) {
    co_await std::move(t);
    if (--background_ == 0 && background_done_) reactor::current().schedule(std::exchange(background_done_, {}));
}

task<void> hub_connection::finish() {
    // Stop what runs in the background and wait for it: it refers to this connection.
    if (streaming_) {
        for (auto& [id, w] : streaming_->streams) w->cancel();
        for (auto& [id, ch] : streaming_->uploads) ch->complete(std::string("The connection ended."));
        streaming_->uploads.clear();
    }
    while (background_ > 0) {
        struct done_awaiter {
            hub_connection& c;
            bool await_ready() const noexcept { return c.background_ == 0; }
            void await_suspend(std::coroutine_handle<> h) noexcept { c.background_done_ = h; }
            void await_resume() const noexcept {}
        };
        co_await done_awaiter{*this};
    }
    if (handshaken_) {
        if (ep_.definition().on_disconnected) {
            hub_call call(*this);
            try {
                ep_.definition().on_disconnected(call);
            } catch (const std::exception& e) {
                log_warn("on-disconnected hook failed for {}: {}", id(), e.what());
            }
        }
        ep_.local().stats.connections_closed.add();
        ep_.local().stats.by_protocol(protocol_).sub(1);
        ep_.local().stats.by_transport(transport(), protocol_).sub(1);
    }
    ep_.detach(*this);

    const pending_close& pc = *close_;
    if (send_close_record_ && handshaken_) {
        close_message m;
        m.error = pc.error;
        m.allow_reconnect = pc.allow_reconnect;
        send_message(m);
    }
    frame_batch(true);
    reactor::current().cancel_flush(*this);
    transport_->end(pc.ws_code, pc.ws_reason);
    // Upgrade tasks of later WebSockets end now, and their sockets close.
    release_socket();
    if (rs_ && rs_->next_owner) {
        rs_->next_conn = nullptr;
        reactor::current().schedule(std::exchange(rs_->next_owner, {}));
    }
}

}  // namespace tallyhub::signalr
