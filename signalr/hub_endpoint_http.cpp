// hub_endpoint's HTTP transports (reference/signalr-protocol.md §2b–2d): the Server-Sent Events GET,
// long polls, the client's POSTs and the long-polling DELETE.
//
// A request may land on any core. The token's owner core knows (links) which core serves the
// connection: the SSE GET's core, or itself for long polling. A long poll waits on its own core
// for the owner core to answer its ticket (remote_poll), which always happens exactly once: data,
// the poll timeout, a newer poll, or the connection's end.
#include <fmt/format.h>

#include "core/smp.hpp"
#include "signalr/hub_connection.hpp"
#include "signalr/hub_endpoint.hpp"
#include "signalr/sse.hpp"

namespace tallyhub::signalr {

namespace {

constexpr std::string_view text_plain = "text/plain; charset=utf-8";
constexpr std::string_view no_connection = "No Connection with that ID\n";

// Every GET that is not a WebSocket.
void add_no_cache(std::vector<http::header_field>& h) {
    h.push_back({"Cache-Control", "no-cache, no-store"});
    h.push_back({"Pragma", "no-cache"});
    h.push_back({"Expires", "Thu, 01 Jan 1970 00:00:00 GMT"});
}

std::string not_supported(transport_kind t) {
    return fmt::format("{} transport not supported by this end point type\n", transport_name(t));
}

// A long-polling connection's output goes to its session; the session answers a waiting poll once
// per loop turn, so the records and broadcasts of one turn share one response.
class long_poll_transport final : public hub_transport, public flushable {
public:
    explicit long_poll_transport(long_poll_session& s) : session_(&s) {}
    ~long_poll_transport() override { reactor::current().cancel_flush(*this); }
    transport_kind kind() const noexcept override { return transport_kind::long_polling; }
    net::send_status send(std::string unit, bool closing) override {
        if (!session_) return net::send_status::dropped;
        reactor::current().defer_flush(*this);
        return session_->push(std::move(unit), closing);
    }
    net::send_status send_shared(const shared_bytes& unit, std::uint8_t conflate, bool* conflated) override {
        if (!session_) return net::send_status::dropped;
        reactor::current().defer_flush(*this);
        return session_->push_shared(unit, conflate, conflated);
    }
    void end(std::uint16_t, std::string_view) override {
        reactor::current().cancel_flush(*this);
        if (session_) std::exchange(session_, nullptr)->end(reactor::current().now());
    }
    void flush() noexcept override {
        if (session_) session_->release(reactor::current().now());
    }

private:
    long_poll_session* session_;
};

// A poll waiting on its own core for the owner core's answer.
struct remote_poll final : poll_ticket {
    unsigned core = 0;
    std::coroutine_handle<> waiter;
    poll_response response;
    void complete(poll_response r) override {
        response = std::move(r);
        auto h = waiter;
        if (core == unsigned(reactor::current().core()))
            reactor::current().schedule(h);
        else
            smp::current().submit_to(core, [h] { reactor::current().schedule(h); });
    }
};

}  // namespace

// ---- Server-Sent Events ----

task<void> hub_endpoint::sse_connect(http::exchange& ex, std::string token) {
    std::vector<http::header_field> headers;
    if (cors_ && cors_->enabled()) cors_->append_actual_headers(ex.req(), headers);
    add_no_cache(headers);
    if (!opts_.enabled.server_sent_events) {
        ex.respond(404, text_plain, not_supported(transport_kind::server_sent_events), headers);
        co_return;
    }
    const unsigned self = unsigned(reactor::current().core());
    const unsigned owner = unsigned(token_owner(token, cores_));
    struct claim {
        int status = 200;
        std::string id;
    };
    auto take = [this, token, self]() -> claim {
        auto& p = local();
        if (auto it = p.links.find(token); it != p.links.end())
            return {it->second.kind == transport_kind::server_sent_events ? 409 : 400, {}};
        auto id = p.tokens.take(token, reactor::current().now());
        if (!id) return {404, {}};
        p.links[token] = core_part::http_link{transport_kind::server_sent_events, self};
        return {200, std::move(*id)};
    };
    claim got = co_await smp::current().invoke_on(owner, std::move(take));
    if (got.status == 409) {
        ex.respond(409, text_plain, "An SSE connection is already active for this ID\n", headers);
        co_return;
    }
    if (got.status == 400) {
        ex.respond(400, text_plain, "Cannot change transports mid-connection\n", headers);
        co_return;
    }
    if (got.status == 404) {
        ex.respond(404, text_plain, no_connection, headers);
        co_return;
    }
    if (local().draining) {
        auto drop = [this, token] { local().links.erase(token); };
        co_await smp::current().invoke_on(owner, std::move(drop));
        ex.close_after();
        ex.respond(503, text_plain, "server is shutting down\n", headers);
        co_return;
    }
    auto c = std::make_unique<hub_connection>(*this, &ex.conn(), std::make_unique<sse_transport>(ex.conn()),
                                              std::move(got.id));
    local().by_token[token] = c.get();
    std::string head = sse::response_head();
    if (cors_ && cors_->enabled()) {
        // The CORS headers go before the head's blank line.
        std::string extra;
        for (const auto& h : headers)
            if (h.name.starts_with("Access-Control")) extra += fmt::format("{}: {}\r\n", h.name, h.value);
        head.insert(head.find("\r\n\r\n") + 2, extra);
    }
    ex.respond_raw(200, head);
    ex.upgrade(serve_http(std::move(c), std::move(token)));
}

// The life of an SSE or long-polling hub connection, once its first request is answered.
task<void> hub_endpoint::serve_http(std::unique_ptr<hub_connection> c, std::string token) {
    co_await c->run_http();
    auto& p = local();
    p.by_token.erase(token);
    if (c->transport() == transport_kind::server_sent_events) {
        const unsigned owner = unsigned(token_owner(token, cores_));
        auto drop = [this, token] { local().links.erase(token); };
        if (owner == unsigned(reactor::current().core()))
            drop();
        else
            smp::current().submit_to(owner, drop);
    }
    // Long polling: the session keeps the last output for the next poll; sweep_polls() drops it.
}

// ---- long polling ----

task<void> hub_endpoint::long_poll(http::exchange& ex, std::string token) {
    std::vector<http::header_field> headers;
    if (cors_ && cors_->enabled()) cors_->append_actual_headers(ex.req(), headers);
    add_no_cache(headers);
    if (!opts_.enabled.long_polling) {
        ex.respond(404, text_plain, not_supported(transport_kind::long_polling), headers);
        co_return;
    }
    remote_poll ticket;
    ticket.core = unsigned(reactor::current().core());
    struct poll_awaiter {
        hub_endpoint& ep;
        remote_poll& t;
        const std::string& token;
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<> h) {
            t.waiter = h;
            const unsigned owner = unsigned(token_owner(token, ep.cores_));
            if (owner == t.core) {
                ep.on_poll(t, token);
                return;
            }
            hub_endpoint* e = &ep;
            remote_poll* tp = &t;
            std::string tok = token;
            smp::current().submit_to(owner, [e, tp, tok] { e->on_poll(*tp, tok); });
        }
        void await_resume() const noexcept {}
    };
    co_await poll_awaiter{*this, ticket, token};
    poll_response& r = ticket.response;
    if (r.status == 204) {
        ex.respond(204, "", "", headers);
    } else {
        ex.respond(r.status, r.content_type, r.body, headers);
    }
}

// On the token's owner core.
void hub_endpoint::on_poll(poll_ticket& t, const std::string& token) {
    auto& p = local();
    const auto now = reactor::current().now();
    if (auto it = p.links.find(token); it != p.links.end() && it->second.kind != transport_kind::long_polling) {
        t.complete({400, text_plain, "Cannot change transports mid-connection\n"});
        return;
    }
    if (auto it = p.polls.find(token); it != p.polls.end()) {
        it->second->poll(t, now);
        return;
    }
    auto id = p.tokens.take(token, now);
    if (!id) {
        t.complete({404, text_plain, std::string(no_connection)});
        return;
    }
    if (p.draining) {
        t.complete({503, text_plain, "server is shutting down\n"});
        return;
    }
    // The first poll starts the connection and is answered at once.
    auto& session = p.polls[token];
    session = std::make_unique<long_poll_session>(opts_.long_poll_output, now);
    p.links[token] = core_part::http_link{transport_kind::long_polling, unsigned(reactor::current().core())};
    auto c = std::make_unique<hub_connection>(*this, nullptr, std::make_unique<long_poll_transport>(*session),
                                              std::move(*id));
    p.by_token[token] = c.get();
    reactor::current().spawn(serve_http(std::move(c), token));
    t.complete(poll_data({}));
}

// Poll timeouts; a connection that does not poll again within the client timeout is closed; a
// session whose connection ended and whose last output was taken is dropped.
void hub_endpoint::sweep_polls(std::chrono::steady_clock::time_point now) {
    auto& p = local();
    for (auto it = p.polls.begin(); it != p.polls.end();) {
        auto v = it->second->sweep(now, opts_.poll_timeout, opts_.client_timeout);
        if (v == long_poll_session::verdict::idle) {
            if (auto c = p.by_token.find(it->first); c != p.by_token.end()) {
                p.stats.timeouts.add();
                c->second->abort();
            }
        }
        if (v == long_poll_session::verdict::over && !p.by_token.contains(it->first)) {
            p.links.erase(it->first);
            it = p.polls.erase(it);
            continue;
        }
        ++it;
    }
}

// ---- the client's sends, and DELETE ----

task<void> hub_endpoint::http_send(http::exchange& ex) {
    const http::request& req = ex.req();
    std::vector<http::header_field> headers;
    if (cors_ && cors_->enabled()) cors_->append_actual_headers(req, headers);
    auto query = http::query_params::parse(req.query);
    auto token_view = query ? query->get("id") : std::nullopt;
    if (!token_view) {
        ex.respond(400, text_plain, "Connection ID required\n", headers);
        co_return;
    }
    std::string token(*token_view);
    auto find = [this, token]() -> int {
        auto& p = local();
        auto it = p.links.find(token);
        if (it == p.links.end()) return -1;
        return it->second.kind == transport_kind::websockets ? -2 : int(it->second.core);  // -2: stateful WebSocket
    };
    const int core = co_await smp::current().invoke_on(unsigned(token_owner(token, cores_)), std::move(find));
    if (core == -2) {
        ex.respond(405, text_plain, "POST requests are not allowed for WebSocket connections.\n", headers);
        co_return;
    }
    if (core < 0) {
        ex.respond(404, text_plain, no_connection, headers);
        co_return;
    }
    auto put = [this, token, body = req.body]() -> bool {
        auto& p = local();
        auto it = p.by_token.find(token);
        return it != p.by_token.end() && it->second->deliver(body);
    };
    const bool taken = co_await smp::current().invoke_on(unsigned(core), std::move(put));
    if (taken)
        ex.respond(200, text_plain, "", headers);
    else
        ex.respond(404, text_plain, no_connection, headers);
}

task<void> hub_endpoint::http_delete(http::exchange& ex) {
    const http::request& req = ex.req();
    std::vector<http::header_field> headers;
    if (cors_ && cors_->enabled()) cors_->append_actual_headers(req, headers);
    auto query = http::query_params::parse(req.query);
    auto token_view = query ? query->get("id") : std::nullopt;
    if (!token_view) {
        ex.respond(400, text_plain, "Connection ID required\n", headers);
        co_return;
    }
    auto end = [this, token = std::string(*token_view)]() -> int {
        auto& p = local();
        auto it = p.links.find(token);
        if (it == p.links.end()) return 404;
        if (it->second.kind != transport_kind::long_polling) return 400;
        if (auto c = p.by_token.find(token); c != p.by_token.end()) c->second->abort();
        return 202;
    };
    const int status = co_await smp::current().invoke_on(unsigned(token_owner(*token_view, cores_)), std::move(end));
    if (status == 404)
        ex.respond(404, text_plain, no_connection, headers);
    else if (status == 400)
        ex.respond(400, text_plain, "Cannot terminate this connection using the DELETE endpoint.\n", headers);
    else
        ex.respond(202, text_plain, "", headers);
}

}  // namespace tallyhub::signalr
