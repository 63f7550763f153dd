#include "app/admin.hpp"

#include <algorithm>

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
    } else if (std::string why = rt.engine ? rt.engine->store_not_ready() : std::string(); !why.empty()) {
        // The admin listener runs on core 0, which owns the store.
        std::string body = R"({"status":"unavailable","reason":")";
        for (char c : why) {
            if (c == '"' || c == '\\') body.push_back('\\');
            body.push_back(c < 0x20 ? ' ' : c);
        }
        body += "\"}";
        ex.respond(503, json, body);
    } else {
        ex.respond(200, json, R"({"status":"ready"})");
    }
}

// Sums of one per-core counter over the cores.
template <typename Counters, typename Member>
std::uint64_t sum_over(unsigned cores, const Counters& at, Member m) {
    std::int64_t total = 0;
    for (unsigned i = 0; i < cores; ++i) total += std::int64_t((at(i).*m).load());
    return std::uint64_t(std::max<std::int64_t>(total, 0));
}

void add_hub_metrics(const runtime& rt, prometheus_text& p) {
    using hc = signalr::hub_counters;
    struct family {
        const char* name;
        const char* type;
        const char* help;
        counter hc::*total;  // null: the connections gauge
    };
    static const family families[] = {
        {"tallyhub_signalr_connections", "gauge", "Open SignalR connections, by hub.", nullptr},
        {"tallyhub_signalr_negotiations_total", "counter", "Negotiate requests answered, by hub.", &hc::negotiations},
        {"tallyhub_signalr_messages_received_total", "counter", "WebSocket messages received, by hub.", &hc::messages_in},
        {"tallyhub_signalr_records_sent_total", "counter", "Hub records and frames queued to clients, by hub.", &hc::records_out},
        {"tallyhub_signalr_protocol_errors_total", "counter", "Connections closed for malformed or oversized input, by hub.",
         &hc::protocol_errors},
        {"tallyhub_signalr_slow_client_closes_total", "counter", "Connections closed because they did not read their output, by hub.",
         &hc::slow_consumer_closes},
        {"tallyhub_signalr_conflated_frames_total", "counter", "KPI frames that replaced an unsent older one (slow clients), by hub.",
         &hc::conflated_frames},
        {"tallyhub_signalr_stateful_resumes_total", "counter",
         "Stateful-reconnect connections resumed by a new WebSocket (replay of unacknowledged messages), by hub.",
         &hc::stateful_resumes},
    };
    for (const family& f : families) {
        p.family(f.name, f.type, f.help);
        for (const auto& ep : rt.endpoints) {
            auto at = [&ep](unsigned i) -> const hc& { return ep->counters(i); };
            std::uint64_t v = f.total ? sum_over(ep->cores(), at, f.total) : sum_over(ep->cores(), at, &hc::connections);
            p.sample(f.name, v, {{"hub", ep->path()}});
        }
    }
    // Handshaken connections by the transport they run on and the hub protocol they speak.
    constexpr const char* by_protocol = "tallyhub_signalr_connections_by_protocol";
    p.family(by_protocol, "gauge", "Open SignalR connections past their handshake, by hub, transport and hub protocol.");
    using signalr::hub_protocol;
    using signalr::transport_kind;
    for (const auto& ep : rt.endpoints) {
        for (auto t : {transport_kind::websockets, transport_kind::server_sent_events, transport_kind::long_polling}) {
            for (auto proto : {hub_protocol::json, hub_protocol::messagepack}) {
                if (t == transport_kind::server_sent_events && proto == hub_protocol::messagepack) continue;  // text only
                std::uint64_t v = 0;
                for (unsigned i = 0; i < ep->cores(); ++i) v += std::uint64_t(std::max<std::int64_t>(0, ep->counters(i).by_transport(t, proto).load()));
                p.sample(by_protocol, v,
                         {{"hub", ep->path()}, {"transport", signalr::transport_label(t)},
                          {"protocol", proto == hub_protocol::json ? "json" : "messagepack"}});
            }
        }
    }
}

void add_analytics_metrics(const runtime& rt, prometheus_text& p) {
    if (!rt.engine) return;
    const analytics& a = *rt.engine;
    using ac = analytics_counters;
    auto at = [&a](unsigned i) -> const ac& { return a.counters(i); };
    p.family("tallyhub_events_applied_total", "counter", "Events counted into the KPIs, by type.");
    p.sample("tallyhub_events_applied_total", sum_over(a.cores(), at, &ac::orders_applied), {{"type", "OrderCreated"}});
    p.sample("tallyhub_events_applied_total", sum_over(a.cores(), at, &ac::payments_applied), {{"type", "PaymentProcessed"}});
    p.family("tallyhub_events_rejected_total", "counter", "Events refused (invalid body, amount overflow).");
    p.sample("tallyhub_events_rejected_total", sum_over(a.cores(), at, &ac::events_rejected));
    p.family("tallyhub_ticks_total", "counter", "Shard merges and KPI snapshots.");
    p.sample("tallyhub_ticks_total", sum_over(a.cores(), at, &ac::ticks));
    p.family("tallyhub_kpi_broadcasts_total", "counter", "KPI broadcasts sent (at most one per --broadcast-interval).");
    p.sample("tallyhub_kpi_broadcasts_total", sum_over(a.cores(), at, &ac::broadcasts));
    p.family("tallyhub_merge_errors_total", "counter", "Shard deltas refused at the merge (a total would overflow).");
    p.sample("tallyhub_merge_errors_total", sum_over(a.cores(), at, &ac::merge_errors));
    p.family("tallyhub_batches_skipped_total", "counter", "Closed batches not broadcast (more than fit in one broadcast).");
    p.sample("tallyhub_batches_skipped_total", sum_over(a.cores(), at, &ac::batches_skipped));
    p.family("tallyhub_duplicates_total", "counter", "Redelivered events recognised by their message id and not counted again.");
    p.sample("tallyhub_duplicates_total", sum_over(a.cores(), at, &ac::duplicates));
    p.family("tallyhub_dedup_keys", "gauge", "Message ids in the dedup window.");
    p.sample("tallyhub_dedup_keys", sum_over(a.cores(), at, &ac::dedup_keys));
    p.family("tallyhub_journal_commits_total", "counter", "Ticks committed to the journal (--data-dir).");
    p.sample("tallyhub_journal_commits_total", sum_over(a.cores(), at, &ac::commits));
    p.family("tallyhub_journal_errors_total", "counter", "Journal commits or snapshots that failed (deliveries wait).");
    p.sample("tallyhub_journal_errors_total", sum_over(a.cores(), at, &ac::commit_errors));
    p.family("tallyhub_journal_snapshots_total", "counter", "Journal snapshots written.");
    p.sample("tallyhub_journal_snapshots_total", sum_over(a.cores(), at, &ac::snapshots));
    if (const live_cache* c = a.cache()) {  // the admin listener runs on core 0, which owns it
        p.family("tallyhub_redis_up", "gauge", "1 while the Redis link (--redis) is up.");
        p.sample("tallyhub_redis_up", std::uint64_t(c->up()));
        p.family("tallyhub_redis_writes_total", "counter", "Live-state pipelines Redis took, by result.");
        p.sample("tallyhub_redis_writes_total", c->stats().writes, {{"result", "ok"}});
        p.sample("tallyhub_redis_writes_total", c->stats().failures, {{"result", "failed"}});
        p.sample("tallyhub_redis_writes_total", c->stats().skipped, {{"result", "skipped"}});
    }
    p.family("tallyhub_sse_clients", "gauge", "Open /sse/metrics streams.");
    p.sample("tallyhub_sse_clients", sum_over(a.cores(), at, &ac::sse_clients));
}

void add_amqp_metrics(const runtime& rt, prometheus_text& p) {
    if (!rt.amqp) return;
    const amqp_service& a = *rt.amqp;
    using ac = amqp_counters;
    using ic = ingest_counters;
    auto at = [&a](unsigned i) -> const ac& { return a.counters(i); };
    auto in = [&a](unsigned i) -> const ic& { return a.ingest(i); };
    p.family("tallyhub_amqp_connections", "gauge", "Open AMQP connections from producers (--amqp-listen).");
    p.sample("tallyhub_amqp_connections", sum_over(a.cores(), at, &ac::connections));
    p.family("tallyhub_amqp_connections_accepted_total", "counter", "AMQP producer connections accepted.");
    p.sample("tallyhub_amqp_connections_accepted_total", sum_over(a.cores(), at, &ac::connections_accepted));
    p.family("tallyhub_amqp_connections_refused_total", "counter", "AMQP connections refused (limit, draining).");
    p.sample("tallyhub_amqp_connections_refused_total", sum_over(a.cores(), at, &ac::connections_refused));
    p.family("tallyhub_amqp_connection_errors_total", "counter",
             "AMQP connections ended by an error (protocol, authentication, idle timeout) on either side.");
    p.sample("tallyhub_amqp_connection_errors_total", sum_over(a.cores(), at, &ac::connection_errors));
    p.family("tallyhub_amqp_deliveries_total", "counter", "AMQP messages received.");
    p.sample("tallyhub_amqp_deliveries_total", sum_over(a.cores(), at, &ac::deliveries));
    p.family("tallyhub_amqp_outcomes_total", "counter", "How deliveries were settled, by outcome.");
    p.sample("tallyhub_amqp_outcomes_total", sum_over(a.cores(), at, &ac::settled_accepted), {{"outcome", "accepted"}});
    p.sample("tallyhub_amqp_outcomes_total", sum_over(a.cores(), at, &ac::settled_rejected), {{"outcome", "rejected"}});
    p.sample("tallyhub_amqp_outcomes_total", sum_over(a.cores(), at, &ac::released), {{"outcome", "released"}});
    p.family("tallyhub_amqp_events_total", "counter", "What became of delivered events: applied, rejected, ignored.");
    p.sample("tallyhub_amqp_events_total", sum_over(a.cores(), in, &ic::applied), {{"result", "applied"}});
    p.sample("tallyhub_amqp_events_total", sum_over(a.cores(), in, &ic::rejected), {{"result", "rejected"}});
    p.sample("tallyhub_amqp_events_total", sum_over(a.cores(), in, &ic::ignored), {{"result", "ignored"}});
    p.family("tallyhub_amqp_rejections_total", "counter", "Rejected deliveries, by reason.");
    for (int r = 1; r < ingest_reason_count; ++r) {
        std::uint64_t n = 0;
        for (unsigned i = 0; i < a.cores(); ++i) n += a.ingest(i).by_reason[r].load();
        p.sample("tallyhub_amqp_rejections_total", n, {{"reason", ingest_reason_label(static_cast<event_errc>(r))}});
    }
    p.sample("tallyhub_amqp_rejections_total", sum_over(a.cores(), at, &ac::malformed_messages),
             {{"reason", "malformed_message"}});
    p.family("tallyhub_amqp_unsettled", "gauge", "Deliveries applied and waiting for their tick's commit.");
    p.sample("tallyhub_amqp_unsettled", sum_over(a.cores(), at, &ac::unsettled));
    p.family("tallyhub_amqp_receivers", "gauge", "Broker links (--amqp-url) attached now, of those configured.");
    p.sample("tallyhub_amqp_receivers", sum_over(a.cores(), at, &ac::receivers_up), {{"state", "attached"}});
    p.sample("tallyhub_amqp_receivers", std::uint64_t(a.options().brokers.size()), {{"state", "configured"}});
    p.family("tallyhub_amqp_receiver_connects_total", "counter", "Broker links established (first and reconnects).");
    p.sample("tallyhub_amqp_receiver_connects_total", sum_over(a.cores(), at, &ac::receiver_connects));
    p.family("tallyhub_amqp_receiver_failures_total", "counter", "Broker connections failed or lost.");
    p.sample("tallyhub_amqp_receiver_failures_total", sum_over(a.cores(), at, &ac::receiver_failures));
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
    p.family("tallyhub_socket_handoffs_total", "counter",
             "Sockets handed to the core that serves their connection (a stateful WebSocket reconnect that landed on another core).");
    p.sample("tallyhub_socket_handoffs_total", stats.sum(&net::net_counters::handoffs_out));
    p.family("tallyhub_socket_handoffs_adopted_total", "counter", "Handed-off sockets taken over by their target core.");
    p.sample("tallyhub_socket_handoffs_adopted_total", stats.sum(&net::net_counters::handoffs_in));
    p.family("tallyhub_socket_handoffs_failed_total", "counter",
             "Handoffs that closed the socket instead: the client left meanwhile, or the target core was stopping, draining or full.");
    p.sample("tallyhub_socket_handoffs_failed_total", stats.sum(&net::net_counters::handoffs_failed));
    p.histogram_us("tallyhub_loop_lag_seconds", "How late reactor loops woke from a 100 ms sleep.", lag);
    add_hub_metrics(*rt, p);
    add_analytics_metrics(*rt, p);
    add_amqp_metrics(*rt, p);
    if (rt->engine && (rt->engine->durable() || rt->engine->pg())) {  // core 0 owns it, as this listener
        p.histogram_us("tallyhub_commit_seconds", "Durable commit of one tick (journal or PostgreSQL).",
                       rt->engine->commit_latency());
        p.summary_us("tallyhub_commit_latency_seconds", "Durable commit of one tick: quantiles since the start.",
                     rt->engine->commit_latency());
    }
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
