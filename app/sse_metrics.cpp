#include "app/sse_metrics.hpp"

#include <string>

namespace tallyhub::app {

namespace {

task<void> sse_session(analytics& engine, net::connection& c) {
    engine.add_sse(c);
    for (;;) {
        net::read_result r = co_await c.read();
        if (r.status <= 0) break;  // the client closed, or the server drains
    }
    engine.remove_sse(c);
}

void open_stream(analytics& engine, http::exchange& ex) {
    std::string head =
        "HTTP/1.1 200 OK\r\n"
        "Content-Type: text/event-stream\r\n"
        "Cache-Control: no-cache\r\n"
        "X-Accel-Buffering: no\r\n"
        "Connection: keep-alive\r\n"
        "\r\n"
        "data: ";
    head += engine.latest().current_json;
    head += "\n\n";
    ex.respond_raw(200, head);
    ex.upgrade(sse_session(engine, ex.conn()));
}

}  // namespace

void add_sse_route(http::routes& routes, analytics& engine) {
    http::handler h;
    analytics* e = &engine;
    h.sync = [e](http::exchange& ex) { open_stream(*e, ex); };
    routes.add(http::method::get, "/sse/metrics", std::move(h));
}

}  // namespace tallyhub::app
