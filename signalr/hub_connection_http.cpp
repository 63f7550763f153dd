// hub_connection's input over HTTP transports (Server-Sent Events and long polling): the bodies of
// the client's POSTs are queued by deliver() and parsed in order by run_http(), one at a time, so
// that an upload stream's backpressure holds the later bodies back as it holds WebSocket frames.
// An SSE connection also watches its response's socket: the client closing its EventSource ends
// the connection.
#include "signalr/hub_connection.hpp"
#include "signalr/hub_endpoint.hpp"

namespace tallyhub::signalr {

struct hub_connection::inbox_awaiter {
    hub_connection& c;
    bool await_ready() const noexcept { return !c.inbox_.empty() || c.close_; }
    void await_suspend(std::coroutine_handle<> h) noexcept { c.inbox_waiter_ = h; }
    void await_resume() const noexcept {}
};

bool hub_connection::deliver(std::string bytes) {
    if (close_) return false;
    // Input waiting to be parsed is bounded like a WebSocket's frames.
    const std::size_t limit = std::max<std::size_t>(4 * ep_.options().max_message_size, 1 << 20);
    if (inbox_bytes_ + bytes.size() > limit && !inbox_.empty()) return false;
    inbox_bytes_ += bytes.size();
    inbox_.push_back(std::move(bytes));
    if (inbox_waiter_) reactor::current().schedule(std::exchange(inbox_waiter_, {}));
    return true;
}

task<void> hub_connection::run_http() {
    ep_.attach(*this);
    if (conn_) start_background(watch_socket());
    while (!close_) {
        co_await inbox_awaiter{*this};
        if (close_) break;
        std::string body = std::move(inbox_.front());
        inbox_.pop_front();
        inbox_bytes_ -= body.size();
        last_received_ = reactor::current().now();
        ep_.local().stats.messages_in.add();
        if (!co_await on_message(body)) break;
    }
    inbox_.clear();
    inbox_bytes_ = 0;
    stop_reading();  // ends the socket watch
    co_await finish();
}

// The client sends nothing on an event stream's socket: a read ending is the client going away (or
// stop_reading() once the connection ends).
task<void> hub_connection::watch_socket() {
    for (;;) {
        if (read_stopped_ || close_) break;
        reading_ = true;
        net::read_result r = co_await conn_->read();
        reading_ = false;
        if (r.status <= 0) {
            if (!close_) {
                send_close_record_ = false;
                close_ = std::make_unique<pending_close>(pending_close{std::nullopt, false, 0});
                peer_closed_ = true;
                if (inbox_waiter_) reactor::current().schedule(std::exchange(inbox_waiter_, {}));
            }
            break;
        }
    }
}

}  // namespace tallyhub::signalr
