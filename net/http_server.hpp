#pragma once
// The HTTP/1.1 server of one core: sessions over net::connection, requests parsed with Beast's
// parser (http_parser.hpp), routed by method and path, static files from memory as the fallback.
//
// A session reads, parses every complete request in what it has (pipelining), answers each in
// order into the corked output (so a pipelined batch leaves in one write), and keeps the
// connection while the client allows it. Deadlines: a request must arrive whole within
// header_timeout of its first byte; an idle keep-alive connection closes after idle_timeout.

#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <unordered_set>

#include "core/task.hpp"
#include "net/connection.hpp"
#include "net/handed_socket.hpp"
#include "net/http_parser.hpp"
#include "net/http_request.hpp"
#include "net/http_response.hpp"
#include "net/http_router.hpp"
#include "net/static_files.hpp"

namespace tallyhub::http {

class server;

/// What the core that adopts a handed-off socket runs (see exchange::hand_off): it serves `conn`, a
/// connection of that core, from `input` (the bytes read after the request), and the socket closes
/// when it returns. It must not refer to the request, which stayed on the core that read it.
using adopt_fn = std::function<task<void>(net::connection& conn, std::string input)>;

/// A connection that has left its HTTP session for good (exchange::take_socket): the HTTP session
/// has ended and freed its frame, and whoever holds this serves the socket. At the end it awaits
/// close(), which closes the socket and ends the server's count of it (--max-connections).
class upgraded_socket {
public:
    upgraded_socket() = default;
    upgraded_socket(upgraded_socket&&) noexcept = default;
    upgraded_socket& operator=(upgraded_socket&&) = delete;
    ~upgraded_socket();

    net::connection& conn() noexcept { return *conn_; }
    task<void> close();

private:
    friend class exchange;
    upgraded_socket(std::unique_ptr<net::connection> c, server* s) noexcept : conn_(std::move(c)), server_(s) {}
    static task<void> closing(std::unique_ptr<net::connection> c, server* s);

    std::unique_ptr<net::connection> conn_;
    server* server_ = nullptr;
};

/// One request being answered. Handlers write the response through it.
class exchange {
public:
    exchange(server& s, net::connection& c, request& r, std::string& input,
             std::unique_ptr<net::connection>* owner = nullptr)
        : server_(s), conn_(c), req_(r), input_(input), owner_(owner) {}

    const request& req() const noexcept { return req_; }
    net::connection& conn() noexcept { return conn_; }
    server& owner() noexcept { return server_; }

    /// Queues a complete response (Content-Length set; HEAD gets no body).
    void respond(int status, std::string_view content_type, std::string_view body,
                 std::span<const header_field> extra = {});
    /// Queues bytes the handler formatted itself (status recorded for /metrics).
    void respond_raw(int status, std::string_view bytes);
    /// Closes the connection after this response.
    void close_after() noexcept { close_after_ = true; }

    /// The handler takes the connection over (WebSocket, SSE): the server reads no more HTTP from it
    /// and closes it when the handler returns. `take_input()` gives the bytes already read past
    /// this request.
    void upgrade() noexcept { upgraded_ = true; }
    /// The same, but the connection is served by `session` after the handler and the dispatch have
    /// returned and the request and its parser are freed: a long-lived upgraded connection (an idle
    /// WebSocket) then keeps none of the HTTP machinery. `session` must not refer to the request.
    void upgrade(task<void> session) noexcept {
        upgraded_ = true;
        takeover_ = std::move(session);
    }
    std::string take_input();
    /// For upgrade(task) when the task is to own the socket: the HTTP session then ends as soon as
    /// the handler returns (an idle WebSocket keeps no HTTP session frame), and the task runs on
    /// its own and must end with `co_await socket.close()`. Only for sockets a session accepted.
    upgraded_socket take_socket();
    /// The handler cannot answer here: the state the request needs lives on `core` (a stateful
    /// SignalR reconnect). Once the handler has returned, the socket moves to that core, and the
    /// same service's server there (same routes) runs `fn` on it as if it had accepted it. Nothing
    /// may be queued for this request here; `fn` answers it. See net/http_handoff.cpp.
    void hand_off(unsigned core, adopt_fn fn);
    /// The session handed to upgrade(task), if any.
    task<void> take_takeover() noexcept { return std::move(takeover_); }
    bool socket_taken() const noexcept { return socket_taken_; }

    int status() const noexcept { return status_; }
    bool upgraded() const noexcept { return upgraded_; }
    bool closing() const noexcept { return close_after_; }
    /// The Connection header to send for this request (close when draining or asked to).
    connection_header connection_for_response() const noexcept;

private:
    server& server_;
    net::connection& conn_;
    request& req_;
    std::string& input_;
    std::unique_ptr<net::connection>* owner_;  // the session's hold on conn_, when it has one
    int status_ = 0;
    bool close_after_ = false;
    bool upgraded_ = false;
    bool socket_taken_ = false;
    task<void> takeover_;
};

/// A route's handler: synchronous (answers at once) or a coroutine (may wait, or take the connection).
struct handler {
    std::function<void(exchange&)> sync;
    std::function<task<void>(exchange&)> async;
};
using routes = router<handler>;

struct server_options {
    limits parse;
    std::chrono::milliseconds header_timeout{10'000};
    std::chrono::milliseconds idle_timeout{60'000};
    net::connection_limits output;
    size_t max_connections = 19'000;  // on this core
};

class server {
public:
    /// `routes` and `files` (may be null) must outlive the server; both are read-only here.
    server(server_options opts, const routes* routes, const static_files* files);
    ~server();

    /// Takes a freshly accepted socket and serves it (spawned on this core).
    void accept(int fd);
    /// Takes a socket another core handed over (exchange::hand_off) and runs `fn` on it; at the
    /// connection limit or while draining it answers 503 and closes it instead.
    void adopt(net::handed_socket s, adopt_fn fn);
    /// This core's server for `r` (the servers of one service on every core share their routes),
    /// or null when there is none (not started yet, or already destroyed at shutdown).
    static server* on_this_core(const routes* r) noexcept;
    /// Stops reading new requests: idle connections close now, busy ones after their response.
    void begin_drain();
    bool draining() const noexcept { return draining_; }
    size_t open_connections() const noexcept { return sessions_; }
    const server_options& options() const noexcept { return opts_; }

private:
    task<void> session(int fd);
    // What dispatch leaves to the session: keep the connection open, and a session taking it over.
    struct dispatch_outcome {
        bool keep = false;
        task<void> takeover;
        bool detached = false;  // the takeover owns the socket (exchange::take_socket)
    };
    task<dispatch_outcome> dispatch(std::unique_ptr<net::connection>& c, request& req, std::string& input);
    // net/http_handoff.cpp: the sending side, run as the session's takeover, and the receiving side.
    task<void> send_away(net::connection& c, unsigned core, std::string input, adopt_fn fn);
    task<void> adopted(net::handed_socket s, adopt_fn fn);
    friend class exchange;
    friend class upgraded_socket;
    static void enlist(server* s);
    static void delist(server* s) noexcept;

    server_options opts_;
    const routes* routes_;
    const static_files* files_;
    bool draining_ = false;
    // Sessions accepted and not yet ended, counted at accept(): a burst of accepts is admitted
    // before any of their sessions has started, so counting started sessions would let it pass
    // the limit.
    size_t sessions_ = 0;
    std::unordered_set<net::connection*> idle_;  // waiting for a request: safe to close on drain
};

}  // namespace tallyhub::http
