#include "net/http_server.hpp"

#include <unistd.h>

#include <cassert>

#include "core/log.hpp"
#include "net/net_stats.hpp"

namespace tallyhub::http {

namespace {

void count_status(int status) {
    int cls = status / 100;
    net::local_stats().requests[(cls >= 1 && cls <= 5) ? cls : 0].add();
}

}  // namespace

void exchange::respond(int status, std::string_view content_type, std::string_view body,
                       std::span<const header_field> extra) {
    std::string out;
    out.reserve(160 + body.size());
    header_field fields[16];
    size_t n = 0;
    if (!content_type.empty() && !status_has_no_body(status)) fields[n++] = {"Content-Type", content_type};
    for (const header_field& f : extra) {
        if (n < std::size(fields)) fields[n++] = f;
    }
    response_head head;
    head.status = status;
    head.headers = std::span<const header_field>(fields, n);
    head.connection = connection_for_response();
    head.omit_body = req_.method == method::head;
    append_response(out, head, body);
    status_ = status;
    conn_.send(std::move(out));
}

void exchange::respond_raw(int status, std::string_view bytes) {
    status_ = status;
    conn_.send(bytes);
}

std::string exchange::take_input() { return std::exchange(input_, {}); }

upgraded_socket exchange::take_socket() {
    assert(owner_ && *owner_ && "take_socket() is for sockets a session accepted");
    socket_taken_ = true;
    return upgraded_socket(std::move(*owner_), &server_);
}

upgraded_socket::~upgraded_socket() {
    if (!conn_) return;
    // Dropped without close() (a handler failed after take_socket): the kernel may still be reading
    // into the connection, so it is closed properly, by a task of its own.
    if (reactor::on_reactor_thread())
        reactor::current().spawn(closing(std::move(conn_), server_));
    else
        (void)conn_.release();  // no loop left to close it on (process teardown)
}

task<void> upgraded_socket::close() {
    if (!conn_) co_return;
    co_await closing(std::move(conn_), server_);
}

task<void> upgraded_socket::closing(std::unique_ptr<net::connection> c, server* s) {
    co_await c->close();
    c.reset();
    net::local_stats().connections_open.sub(1);
    --s->sessions_;
}

connection_header exchange::connection_for_response() const noexcept {
    if (close_after_ || server_.draining() || !req_.keep_alive()) return connection_header::close;
    return connection_for(req_);
}

server::server(server_options opts, const routes* routes, const static_files* files)
    : opts_(opts), routes_(routes), files_(files) {
    enlist(this);
}

server::~server() { delist(this); }

void server::accept(int fd) {
    if (sessions_ >= opts_.max_connections || draining_) {
        // Over the limit: answer at once so clients see why, then close (never leak the fd).
        net::local_stats().connections_rejected.add();
        static const std::string busy = error_response(503, "server at its connection limit");
        [[maybe_unused]] auto n = ::send(fd, busy.data(), busy.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        reactor::current().backend().forget_fd(fd);
        ::close(fd);
        return;
    }
    ++sessions_;
    reactor::current().spawn(session(fd));
}

void server::begin_drain() {
    draining_ = true;
    for (net::connection* c : idle_) c->stop_reading();
}

// Answers one complete request. `keep` is false when the connection must close afterwards.
task<server::dispatch_outcome> server::dispatch(std::unique_ptr<net::connection>& owner, request& req,
                                                std::string& input) {
    exchange ex(*this, *owner, req, input, &owner);
    auto m = routes_ ? routes_->match(req.method, req.path) : routes::match_result{};
    if (m.status == 200) {
        if (m.handler->sync) {
            m.handler->sync(ex);
        } else {
            try {
                co_await m.handler->async(ex);
            } catch (const std::exception& e) {
                log_error("handler for {} {} failed: {}", req.method_name, req.path, e.what());
                if (!ex.upgraded() && !ex.socket_taken() && ex.status() == 0) {
                    ex.close_after();
                    ex.respond(500, "text/plain; charset=utf-8", "internal error\n");
                }
            }
        }
    } else if (m.status == 404 && files_ && (req.method == method::get || req.method == method::head)) {
        std::string out;
        int status = files_->respond(req, out, ex.connection_for_response());
        ex.respond_raw(status, out);
    } else if (m.status == 405) {
        header_field allow[] = {{"Allow", m.allow}};
        ex.respond(405, "text/plain; charset=utf-8", "method not allowed\n", allow);
    } else {
        ex.respond(404, "text/plain; charset=utf-8", "not found\n");
    }
    // A handler that took the socket owns it, even if it failed before handing it to a task (the
    // socket is then closed already): the session must not touch it again.
    if (ex.socket_taken()) co_return dispatch_outcome{false, ex.take_takeover(), true};
    if (ex.upgraded()) co_return dispatch_outcome{false, ex.take_takeover()};
    if (ex.status() == 0) ex.respond(500, "text/plain; charset=utf-8", "handler sent no response\n");
    count_status(ex.status());
    co_return dispatch_outcome{ex.connection_for_response() != connection_header::close, {}};
}

task<void> server::session(int fd) {
    // On the heap: a WebSocket upgrade takes the socket with it and this frame ends (take_socket).
    auto owner = std::make_unique<net::connection>(fd, opts_.output);
    net::connection& c = *owner;
    net::local_stats().connections_open.add(1);
    request_parser parser(opts_.parse);
    std::string input;              // unparsed bytes that outlive a receive buffer
    std::string_view view;          // what to parse: a receive buffer, or `input`
    bool started = false;           // part of a request has arrived
    bool keep = true;
    reactor& loop = reactor::current();

    idle_.insert(&c);
    c.set_deadline(loop.now() + opts_.header_timeout);
    while (keep) {
        // Parse and answer every complete request in what we have.
        size_t off = 0;
        while (keep && off < view.size()) {
            if (!started) {
                started = true;
                idle_.erase(&c);
                c.set_deadline(loop.now() + opts_.header_timeout);
            }
            parse_step step = parser.parse(view.substr(off));
            off += step.consumed;
            if (step.state == parse_state::need_more) break;
            if (step.state == parse_state::error) {
                net::local_stats().parse_errors.add();
                count_status(step.err.code);
                c.send(error_response(step.err));
                keep = false;
                break;
            }
            c.clear_deadline();
            // The handler may suspend; keep the unparsed rest safe in `input` first.
            if (view.data() == input.data()) input.erase(0, off);
            else input.assign(view.substr(off));
            view = input;
            off = 0;
            dispatch_outcome outcome = co_await dispatch(owner, parser.current(), input);
            if (outcome.detached) {
                // The takeover owns the socket and its count: it runs on its own, and this
                // session's frame goes now.
                if (outcome.takeover.valid()) reactor::current().spawn(std::move(outcome.takeover));
                co_return;
            }
            if (outcome.takeover.valid()) {
                // The connection is no longer HTTP: free what only HTTP needed, then serve it.
                idle_.erase(&c);
                parser.release();
                std::string().swap(input);
                view = {};
                co_await std::move(outcome.takeover);
                keep = false;
                break;
            }
            keep = outcome.keep;
            view = input;  // an upgrade may have taken it
            started = false;
        }
        if (!keep) break;
        if (view.data() != input.data()) input.assign(view.substr(off));
        else input.erase(0, off);
        view = {};
        if (input.empty()) started = false;
        if (!started) {
            if (draining_) break;
            idle_.insert(&c);
            c.set_deadline(loop.now() + opts_.idle_timeout);
        }
        net::read_result r = co_await c.read();
        if (r.status <= 0) {
            if (c.timed_out() && started) {
                count_status(408);
                c.send(error_response(408, "request not received in time"));
            }
            break;
        }
        if (input.empty()) {
            view = r.bytes;
        } else {
            input.append(r.bytes);
            view = input;
        }
    }
    idle_.erase(&c);
    co_await c.close();
    net::local_stats().connections_open.sub(1);
    --sessions_;
}

}  // namespace tallyhub::http
