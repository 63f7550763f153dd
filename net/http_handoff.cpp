// Moving a request's socket to the core that holds the state it needs (exchange::hand_off).
//
// Why: each core accepts on its own SO_REUSEPORT listener, so the kernel, not tallyhub, picks the
// core of a TCP connection. Most cross-core requests are served by forwarding small messages (a
// token lookup, a POST body, a poll ticket: signalr/hub_endpoint_http.cpp), but a WebSocket that
// resumes a stateful SignalR connection must be read and written by the core that has the
// connection's replay buffer, groups and streams. Moving one fd is far simpler than moving all that.
//
// Lifecycle of a handoff from core B (which read the request) to core A:
//   1. B: the handler calls exchange::hand_off(A, fn) and returns without answering; the session
//      frees the request and runs send_away() as its takeover.
//   2. B: connection::detach() lets earlier output leave, stops the receive stream (keeping bytes
//      already received) and makes B's backend forget the fd. B's session then ends as for any
//      closed connection: B's open-connection count and limit drop by one, and there is nothing to
//      close, as the fd left with the handed_socket.
//   3. B -> A: a cross-core message owns the handed_socket and fn.
//   4. A: the message finds A's server for the same routes, which adopts the socket like a fresh
//      accept (counted in A's open connections and limit, waited for by A's drain) and runs fn,
//      which writes the response (or takes the socket over, like a WebSocket upgrade).
// Every failure closes the socket exactly once: a failed detach leaves the fd with B's session; a
// message that finds no server (A stopping), a draining or full server, or a message destroyed
// unrun at shutdown drop the handed_socket, whose destructor closes the fd.
#include <sys/socket.h>

#include <algorithm>
#include <vector>

#include "core/smp.hpp"
#include "net/http_server.hpp"
#include "net/net_stats.hpp"

namespace tallyhub::http {

namespace {

// The HTTP servers of this core (main and admin); servers are made and destroyed on their core.
thread_local std::vector<server*> servers_here;

// The socket in transit: runs on the target core, or is destroyed unrun (and closes the socket).
struct handoff_message final : cross_message {
    handoff_message(net::handed_socket s, const routes* r, adopt_fn f)
        : socket(std::move(s)), service(r), fn(std::move(f)) {}
    void run() override {
        server* s = server::on_this_core(service);
        if (!s) {
            net::local_stats().handoffs_failed.add();
            return;  // `socket` closes the fd
        }
        s->adopt(std::move(socket), std::move(fn));
    }
    net::handed_socket socket;
    const routes* service;
    adopt_fn fn;
};

}  // namespace

void server::enlist(server* s) { servers_here.push_back(s); }

void server::delist(server* s) noexcept { std::erase(servers_here, s); }

server* server::on_this_core(const routes* r) noexcept {
    for (server* s : servers_here)
        if (s->routes_ == r) return s;
    return nullptr;
}

void exchange::hand_off(unsigned core, adopt_fn fn) {
    if (core == unsigned(reactor::current().core())) {
        upgrade(fn(conn_, take_input()));  // already home: no move needed
        return;
    }
    upgrade(server_.send_away(conn_, core, take_input(), std::move(fn)));
}

task<void> server::send_away(net::connection& c, unsigned core, std::string input, adopt_fn fn) {
    std::optional<net::handed_socket> s = co_await c.detach(std::move(input));
    if (!s) {
        net::local_stats().handoffs_failed.add();  // the client left meanwhile; the session closes c
        co_return;
    }
    net::local_stats().handoffs_out.add();
    smp::current().submit_to(core, message_ptr(std::make_unique<handoff_message>(std::move(*s), routes_, std::move(fn))));
}

void server::adopt(net::handed_socket s, adopt_fn fn) {
    if (sessions_ >= opts_.max_connections || draining_) {
        // As accept() does: say why at once, then close (the handed_socket does).
        net::local_stats().handoffs_failed.add();
        if (!draining_) net::local_stats().connections_rejected.add();
        const std::string busy = error_response(503, draining_ ? "server is shutting down" : "server at its connection limit",
                                                connection_header::close);
        [[maybe_unused]] auto n = ::send(s.fd(), busy.data(), busy.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        return;
    }
    net::local_stats().handoffs_in.add();
    ++sessions_;  // counted from here, as accept() counts its sessions
    reactor::current().spawn(adopted(std::move(s), std::move(fn)));
}

// The session of an adopted socket: like session() after an upgrade, with the accounting of this core.
task<void> server::adopted(net::handed_socket s, adopt_fn fn) {
    net::connection c(s.release(), opts_.output);
    net::local_stats().connections_open.add(1);
    co_await fn(c, s.take_input());
    co_await c.close();
    net::local_stats().connections_open.sub(1);
    --sessions_;
}

}  // namespace tallyhub::http
