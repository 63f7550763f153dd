#include "app/admin.hpp"

#include <chrono>

#include "app/loop_monitor.hpp"
#include "app/prometheus.hpp"
#include "net/net_stats.hpp"

namespace tallyhub::app {

namespace {

constexpr auto stall_limit = std::chrono::seconds(5);
constexpr std::string_view text_plain = "text/plain; charset=utf-8";
constexpr std::string_view json = "application/json";

// A loop is alive when its heartbeat (stamped every turn; turns happen at least every 250 ms)
// is recent. Returns the first stalled core, or -1.
int stalled_core(runtime& rt) {
    auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    for (unsigned i = 0; i < rt.cores->count(); ++i) {
        int64_t beat = rt.cores->at(i).heartbeat_ns();
        if (now - beat > std::chrono::nanoseconds(stall_limit).count()) return int(i);
    }
    return -1;
}

void healthz(runtime& rt, http::exchange& ex) {
    int stalled = stalled_core(rt);
    if (stalled < 0) {
        ex.respond(200, text_plain, "ok\n");
    } else {
        ex.respond(503, text_plain, "core " + std::to_string(stalled) + " loop stalled for over 5 s\n");
    }
}

void readyz(runtime& rt, http::exchange& ex) {
    if (rt.draining.load()) {
        ex.respond(503, json, R"({"status":"unavailable","reason":"draining: shutting down"})");
    } else if (!rt.listening.load()) {
        ex.respond(503, json, R"({"status":"unavailable","reason":"starting: not listening yet"})");
    } else {
        ex.respond(200, json, R"({"status":"ready"})");
    }
}

task<void> metrics(runtime* rt, http::exchange& ex) {
    // Each core's lag histogram is owned by that core: copy it there, merge here.
    histogram lag;
    for (unsigned i = 0; i < rt->cores->count(); ++i) {
        histogram h = co_await rt->cores->invoke_on(i, [] { return local_loop_lag(); });
        lag.merge(h);
    }
    auto& stats = net::net_stats();
    prometheus_text p;
    p.family("tallyhub_build_info", "gauge", "Version and I/O backend of this tallyhub process.");
    p.sample("tallyhub_build_info", uint64_t(1), {{"version", TALLYHUB_VERSION}, {"backend", rt->backend_name}});
    p.family("tallyhub_io_backend", "gauge", "The I/O backend the reactors use (1 for the one in use).");
    p.sample("tallyhub_io_backend", uint64_t(1), {{"backend", rt->backend_name}});
    p.family("tallyhub_cores", "gauge", "Reactor threads (one per core).");
    p.sample("tallyhub_cores", uint64_t(rt->cores->count()));
    p.family("tallyhub_ready", "gauge", "1 when listening and not draining.");
    p.sample("tallyhub_ready", uint64_t(rt->listening.load() && !rt->draining.load()));

    p.family("tallyhub_connections_open", "gauge", "Open TCP connections (HTTP, admin and upgraded).");
    p.sample("tallyhub_connections_open", double(stats.sum(&net::net_counters::connections_open)));
    p.family("tallyhub_connections_accepted_total", "counter", "TCP connections accepted.");
    p.sample("tallyhub_connections_accepted_total", stats.sum(&net::net_counters::connections_accepted));
    p.family("tallyhub_connections_rejected_total", "counter", "Connections refused at the connection limit.");
    p.sample("tallyhub_connections_rejected_total", stats.sum(&net::net_counters::connections_rejected));
    p.family("tallyhub_accept_errors_total", "counter", "accept() failures (file limits, memory).");
    p.sample("tallyhub_accept_errors_total", stats.sum(&net::net_counters::accept_errors));
    p.family("tallyhub_connection_timeouts_total", "counter", "Connections ended by a header or idle deadline.");
    p.sample("tallyhub_connection_timeouts_total", stats.sum(&net::net_counters::timeouts));
    p.family("tallyhub_http_requests_total", "counter", "HTTP responses sent, by status class.");
    static constexpr std::string_view classes[] = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};
    for (int c = 1; c <= 5; ++c) {
        uint64_t n = 0;
        for (size_t core = 0; core < stats.cores(); ++core) n += stats.at(core).requests[c].load();
        p.sample("tallyhub_http_requests_total", n, {{"code", classes[c]}});
    }
    p.family("tallyhub_http_parse_errors_total", "counter", "Requests refused as malformed or over a limit.");
    p.sample("tallyhub_http_parse_errors_total", stats.sum(&net::net_counters::parse_errors));
    p.family("tallyhub_bytes_received_total", "counter", "Bytes read from sockets.");
    p.sample("tallyhub_bytes_received_total", stats.sum(&net::net_counters::bytes_in));
    p.family("tallyhub_bytes_sent_total", "counter", "Bytes written to sockets.");
    p.sample("tallyhub_bytes_sent_total", stats.sum(&net::net_counters::bytes_out));
    p.family("tallyhub_output_dropped_total", "counter", "Sends refused because a connection's output passed its hard limit.");
    p.sample("tallyhub_output_dropped_total", stats.sum(&net::net_counters::sends_dropped));
    p.histogram_us("tallyhub_loop_lag_seconds", "How late reactor loops woke from a 100 ms sleep.", lag);
    ex.respond(200, "text/plain; version=0.0.4; charset=utf-8", p.text());
}

}  // namespace

void add_admin_routes(runtime& rt) {
    runtime* r = &rt;
    rt.admin_routes.add(http::method::get, "/healthz", {[r](http::exchange& ex) { healthz(*r, ex); }, {}});
    rt.admin_routes.add(http::method::get, "/readyz", {[r](http::exchange& ex) { readyz(*r, ex); }, {}});
    rt.admin_routes.add(http::method::get, "/metrics", {{}, [r](http::exchange& ex) { return metrics(r, ex); }});
}

}  // namespace tallyhub::app
