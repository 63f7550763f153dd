#include "signalr/hub_endpoint.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/io.hpp"
#include "core/log.hpp"
#include "core/smp.hpp"
#include "net/http_query.hpp"
#include "net/ws_frame.hpp"
#include "net/ws_handshake.hpp"
#include "signalr/hub_connection.hpp"

namespace tallyhub::signalr {

namespace {

constexpr std::string_view text_plain = "text/plain; charset=utf-8";

bool wants_event_stream(const http::request& req) {
    auto accept = req.header("Accept");
    return accept && accept->find("text/event-stream") != std::string_view::npos;
}

}  // namespace

hub_endpoint::hub_endpoint(const hub& h, std::string path, hub_options opts, unsigned cores,
                           const http::cors_policy* cors)
    : hub_(h), path_(std::move(path)), opts_(std::move(opts)), cores_(cores ? cores : 1), cors_(cors) {
    while (path_.size() > 1 && path_.back() == '/') path_.pop_back();
    for (unsigned i = 0; i < cores_; ++i) parts_.push_back(std::make_unique<core_part>(opts_));
}

hub_endpoint::~hub_endpoint() = default;

hub_endpoint::core_part& hub_endpoint::local() { return *parts_[unsigned(reactor::current().core()) % cores_]; }

const hub_counters& hub_endpoint::counters(unsigned i) const noexcept { return parts_[i % cores_]->stats; }

void hub_endpoint::add_routes(http::routes& routes) {
    using http::method;
    http::handler negotiate_handler;
    negotiate_handler.async = [this](http::exchange& ex) { return negotiate(ex); };
    routes.add(method::post, path_ + "/negotiate", negotiate_handler);
    http::handler preflight;
    preflight.sync = [this](http::exchange& ex) { options_request(ex); };
    routes.add(method::options, path_ + "/negotiate", preflight);
    routes.add(method::options, path_, preflight);
    http::handler connect_handler;
    connect_handler.async = [this](http::exchange& ex) { return connect(ex); };
    routes.add(method::get, path_, connect_handler);
    http::handler send_handler;
    send_handler.async = [this](http::exchange& ex) { return http_send(ex); };
    routes.add(method::post, path_, send_handler);
    http::handler delete_handler;
    delete_handler.async = [this](http::exchange& ex) { return http_delete(ex); };
    routes.add(method::delete_, path_, delete_handler);
}

void hub_endpoint::options_request(http::exchange& ex) {
    if (cors_ && cors_->enabled() && cors_->is_preflight(ex.req())) {
        std::string out = cors_->preflight_response(ex.req(), "GET, POST, DELETE");
        int status = out.size() > 12 ? std::atoi(out.c_str() + 9) : 204;
        ex.respond_raw(status, out);
        return;
    }
    http::header_field allow[] = {{"Allow", "GET, POST, DELETE, OPTIONS"}};
    ex.respond(204, text_plain, "", allow);
}

task<void> hub_endpoint::negotiate(http::exchange& ex) {
    const http::request& req = ex.req();
    std::vector<http::header_field> headers;
    if (cors_ && cors_->enabled()) cors_->append_actual_headers(req, headers);
    auto query = http::query_params::parse(req.query);
    if (!query) {
        ex.respond(400, text_plain, std::string(query.err().reason) + "\n", headers);
        co_return;
    }
    auto asked = parse_negotiate_query(*query);
    if (!asked.accepted()) {
        ex.respond(200, "application/json", negotiate_error_body(asked.error), headers);
        co_return;
    }
    std::string id = new_connection_id();
    std::string token = asked.request.version >= 1 ? new_connection_id() : id;
    unsigned owner = unsigned(token_owner(token, cores_));
    // A named callable: g++ 12 destroys a temporary with captures in a co_await expression twice.
    const bool stateful = asked.request.stateful_reconnect && opts_.stateful_reconnect_buffer > 0;
    auto store = [this, token, id, stateful]() -> bool {
        return local().tokens.add(token, id, reactor::current().now(), stateful).ok();
    };
    bool stored = co_await smp::current().invoke_on(owner, std::move(store));
    if (!stored) {
        ex.respond(503, text_plain, "too many pending negotiations, try again later\n", headers);
        co_return;
    }
    local().stats.negotiations.add();
    ex.respond(200, "application/json", negotiate_response(asked.request, id, token, opts_.enabled, stateful), headers);
}

task<void> hub_endpoint::connect(http::exchange& ex) {
    const http::request& req = ex.req();
    auto query = http::query_params::parse(req.query);
    if (!query) {
        ex.respond(400, text_plain, std::string(query.err().reason) + "\n");
        co_return;
    }
    auto token = query->get("id");
    if (!req.is_upgrade()) {
        if (!token) {
            ex.respond(400, text_plain, "Connection ID required\n");
        } else if (wants_event_stream(req)) {
            co_await sse_connect(ex, std::string(*token));
        } else {
            co_await long_poll(ex, std::string(*token));
        }
        co_return;
    }
    if (!opts_.enabled.websockets) {
        ex.respond(404, text_plain, "WebSockets transport not supported by this end point type\n");
        co_return;
    }
    if (cors_ && !http::websocket_origin_allowed(*cors_, req)) {
        ex.respond(403, text_plain, fmt::format("origin not allowed: {}\n", req.header("Origin").value_or("")));
        co_return;
    }

    // Check the upgrade before spending the token on it.
    auto joined = [&](std::string_view name) -> std::string {
        std::string v;
        for (std::size_t i = 0; i < req.headers.size(); ++i) {
            http::header_field f = req.headers[i];
            if (!http::iequals(f.name, name)) continue;
            if (!v.empty()) v += ", ";
            v += f.value;
        }
        return v;
    };
    std::string upgrade = joined("Upgrade"), connection = joined("Connection"),
                version = joined("Sec-WebSocket-Version"), key = joined("Sec-WebSocket-Key");
    ws::upgrade_request up;
    up.method = req.method_name;
    up.version_major = req.version / 10;
    up.version_minor = req.version % 10;
    up.upgrade = upgrade;
    up.connection = connection;
    up.sec_websocket_version = version;
    up.sec_websocket_key = key;
    auto verdict = ws::accept_upgrade(up);
    if (!verdict.accepted()) {
        ex.close_after();
        ex.respond_raw(verdict.rejection().status, verdict.rejection().to_http());
        co_return;
    }

    // A token is either fresh from negotiate, or (stateful reconnect) the token of a connection that
    // lost its WebSocket and waits for the client to come back: its owner core's links say where.
    struct ws_claim {
        int status = 404;  // 200: a new connection; 201: a resumed one on core `core`
        std::string id;
        bool stateful = false;
        unsigned core = 0;
    };
    std::string id;
    bool stateful = false;
    if (token) {
        const unsigned self = unsigned(reactor::current().core());
        unsigned owner = unsigned(token_owner(*token, cores_));
        auto take = [this, t = std::string(*token), self]() -> ws_claim {
            auto& p = local();
            ws_claim c;
            if (auto found = p.tokens.take(t, reactor::current().now(), &c.stateful)) {
                c.status = 200;
                c.id = std::move(*found);
                if (c.stateful) p.links[t] = core_part::http_link{transport_kind::websockets, self};
            } else if (auto it = p.links.find(t); it != p.links.end() && it->second.kind == transport_kind::websockets) {
                c.status = 201;
                c.core = it->second.core;
            }
            return c;
        };
        ws_claim got = co_await smp::current().invoke_on(owner, std::move(take));
        if (got.status == 201) {
            // The connection waits on core got.core with its replay buffer, groups and streams: the
            // socket goes there (net/http_handoff.cpp; at once when it is this core) rather than
            // the state coming here, and that core answers the upgrade.
            ex.hand_off(got.core, [this, t = std::string(*token), accept = verdict.response()](
                                      net::connection& conn, std::string input) {
                return resume(conn, t, accept, std::move(input));
            });
            co_return;
        }
        if (got.status == 404) {
            ex.respond(404, text_plain, "No Connection with that ID\n");
            co_return;
        }
        id = std::move(got.id);
        stateful = got.stateful;
    } else {
        id = new_connection_id();  // skipNegotiation: a fresh connection
    }
    if (local().draining) {
        if (stateful) drop_link(std::string(*token));
        ex.close_after();
        ex.respond(503, text_plain, "server is shutting down\n");
        co_return;
    }

    ex.respond_raw(101, verdict.response());
    // The hub connection runs after this handler, the HTTP request and its session are gone.
    // The connection's task owns it and its socket: an idle WebSocket is that task's frame, the
    // hub connection and the socket, nothing of the HTTP session.
    http::upgraded_socket socket = ex.take_socket();
    auto c = std::make_unique<hub_connection>(*this, socket.conn(), std::move(id));
    if (stateful) c->offer_stateful(std::string(*token));
    c->set_input(ex.take_input());
    hub_connection& hc = *c;
    task<void> t = hc.run(std::move(c), std::move(socket));
    // Last, when nothing can fail any more: a token must never lead to a connection that is gone.
    if (stateful) local().by_token[hc.offered_token()] = &hc;
    ex.upgrade(std::move(t));
}

// A stateful connection's later WebSocket, on the core that serves the connection (the socket may
// have come from the core that read the request): handed to the waiting hub connection, which
// serves it from its own receive loop and resumes this task when it lets go of the socket. The
// connection may have ended since its owner core's links were read: then 404, as for a token
// never seen, and the client's reconnect policy starts a new connection.
task<void> hub_endpoint::resume(net::connection& conn, std::string token, std::string accept, std::string input) {
    auto& p = local();
    if (p.draining) {
        conn.send(http::error_response(503, "server is shutting down", http::connection_header::close));
        co_return;
    }
    auto it = p.by_token.find(token);
    if (it == p.by_token.end() || !it->second->resumable()) {
        conn.send(http::error_response(404, "No Connection with that ID", http::connection_header::close));
        co_return;
    }
    conn.send(accept);
    co_await it->second->reattach(conn, std::move(input));
}

void hub_endpoint::forget_stateful(const std::string& token) {
    local().by_token.erase(token);
    drop_link(token);
}

void hub_endpoint::drop_link(const std::string& token) {
    const unsigned owner = unsigned(token_owner(token, cores_));
    auto drop = [this, token] { local().links.erase(token); };
    if (owner == unsigned(reactor::current().core()))
        drop();
    else
        smp::current().submit_to(owner, drop);
}

// ---- registry and groups (on the calling core) ----

void hub_endpoint::attach(hub_connection& c) {
    auto& p = local();
    p.connections.insert(&c);
    p.stats.connections.add(1);
}

void hub_endpoint::detach(hub_connection& c) {
    auto& p = local();
    while (!c.groups().empty()) leave_local(c, c.groups().back().group->first);
    std::vector<group_membership>().swap(c.groups());
    p.connections.erase(&c);
    p.stats.connections.sub(1);
}

void hub_endpoint::join_local(hub_connection& c, std::string_view group) {
    auto& mine = c.groups();
    for (const auto& m : mine)
        if (m.group->first == group) return;
    auto& groups = local().groups;
    auto it = groups.find(std::string(group));
    if (it == groups.end()) it = groups.emplace(std::string(group), group_members{}).first;
    group_entry& g = *it;
    if (mine.capacity() == 0) mine.reserve(3);  // a dashboard joins three groups and stays
    mine.push_back({&g, std::uint32_t(g.second.size())});
    g.second.push_back(&c);
}

void hub_endpoint::leave_local(hub_connection& c, std::string_view group) {
    auto& mine = c.groups();
    auto m = std::find_if(mine.begin(), mine.end(), [&](const group_membership& x) { return x.group->first == group; });
    if (m == mine.end()) return;
    group_entry& g = *m->group;
    const std::uint32_t at = m->index;
    *m = mine.back();
    mine.pop_back();
    // The group's last member takes the leaver's place.
    hub_connection* last = g.second.back();
    g.second[at] = last;
    g.second.pop_back();
    if (last != &c) {
        for (auto& lm : last->groups())
            if (lm.group == &g) lm.index = at;
    }
    if (g.second.empty()) {
        auto& groups = local().groups;
        groups.erase(groups.find(g.first));
    }
}

// ---- per-core lifecycle ----

void hub_endpoint::start_core() {
    auto& p = local();
    if (p.sweeping) return;
    p.sweeping = true;
    reactor::current().spawn(sweep_loop());
}

task<void> hub_endpoint::sweep_loop() {
    auto& p = local();
    while (p.sweeping) {
        co_await io::sleep(std::chrono::seconds(1)).cancel_with(p.sweep_wake);
        if (!p.sweeping) break;
        auto now = reactor::current().now();
        p.tokens.sweep(now);
        sweep_polls(now);
        // sweep() may close a connection, but never detaches it here.
        for (hub_connection* c : p.connections.all()) c->sweep(now);
    }
}

void hub_endpoint::begin_drain_core() {
    auto& p = local();
    p.draining = true;
    for (hub_connection* c : p.connections.all()) c->close(std::nullopt, true);
}

void hub_endpoint::stop_core() {
    auto& p = local();
    p.sweeping = false;
    p.sweep_wake.cancel();
}

}  // namespace tallyhub::signalr
