#include "app/server.hpp"

#include "app/metrics_hub.hpp"
#include "app/sse_metrics.hpp"
#include "app/test_hub.hpp"
#include "store/journal.hpp"
#include "store/pg_conninfo.hpp"
#include "store/redis_url.hpp"

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "app/admin.hpp"
#include "app/loop_monitor.hpp"
#include "core/log.hpp"
#include "net/net_stats.hpp"

namespace tallyhub::app {

namespace {

using namespace std::chrono_literals;

backend_kind to_backend(io_backend_mode m) {
    switch (m) {
    case io_backend_mode::uring: return backend_kind::uring;
    case io_backend_mode::epoll: return backend_kind::epoll;
    case io_backend_mode::automatic: break;
    }
    return backend_kind::automatic;
}

log_level to_log_level(log_severity s) {
    switch (s) {
    case log_severity::trace: return log_level::trace;
    case log_severity::debug: return log_level::debug;
    case log_severity::info: return log_level::info;
    case log_severity::warn: return log_level::warn;
    case log_severity::error: return log_level::error;
    }
    return log_level::info;
}

// One listening socket per core on the same address (SO_REUSEPORT). With port 0 the first socket
// picks the port and the others bind to it.
result<std::vector<int>> open_listeners(const endpoint& ep, unsigned count) {
    std::vector<int> fds;
    sockaddr_storage addr = ep.address;
    for (unsigned i = 0; i < count; ++i) {
        auto fd = net::listen_tcp(addr, ep.length);
        if (!fd) {
            for (int f : fds) ::close(f);
            return fd.err();
        }
        if (i == 0 && ep.port() == 0) {
            uint16_t port = htons(net::bound_port(*fd));
            if (addr.ss_family == AF_INET6) reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port = port;
            else reinterpret_cast<sockaddr_in*>(&addr)->sin_port = port;
        }
        fds.push_back(*fd);
    }
    return fds;
}

http::server_options server_options_of(const config& cfg, unsigned cores) {
    http::server_options o;
    o.parse.max_header_bytes = cfg.max_header_bytes;
    o.parse.max_body_bytes = cfg.max_body_bytes;
    o.header_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(cfg.header_timeout);
    o.idle_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(cfg.idle_timeout);
    o.output.output_soft_limit = cfg.output_soft_limit;
    o.output.output_hard_limit = cfg.output_hard_limit;
    o.max_connections = std::max<size_t>(1, (cfg.max_connections + cores - 1) / cores);
    return o;
}

amqp_service_options amqp_options_of(const config& cfg) {
    amqp_service_options o;
    o.listen = cfg.amqp_listen;
    o.user = cfg.amqp_user;
    o.password = cfg.amqp_password;
    o.anonymous = cfg.amqp_anonymous;
    o.credit = std::uint32_t(cfg.amqp_credit);
    o.max_message = cfg.amqp_max_message;
    o.max_connections_per_core = std::max<size_t>(1, (cfg.max_connections + cfg.cores - 1) / cfg.cores);
    o.output.output_soft_limit = cfg.output_soft_limit;
    o.output.output_hard_limit = cfg.output_hard_limit;
    for (const std::string& u : cfg.amqp_urls) o.brokers.push_back(parse_broker_url(u));
    return o;
}

signalr::hub_options hub_options_of(const config& cfg) {
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    signalr::hub_options o;
    o.keep_alive_interval = duration_cast<milliseconds>(cfg.keep_alive_interval);
    o.client_timeout = duration_cast<milliseconds>(cfg.client_timeout);
    o.handshake_timeout = duration_cast<milliseconds>(cfg.handshake_timeout);
    o.max_message_size = cfg.max_message_size;
    o.slow_client_grace = duration_cast<milliseconds>(cfg.slow_client_grace);
    o.stateful_reconnect_buffer = cfg.stateful_reconnect_buffer;
    o.reconnect_grace = duration_cast<milliseconds>(cfg.reconnect_grace);
    auto has = [&cfg](std::string_view t) { return ("," + cfg.transports + ",").find("," + std::string(t) + ",") != std::string::npos; };
    o.enabled = {has("websockets"), has("sse"), has("longpolling")};
    return o;
}

// Runs on each core: its servers, listeners, hub sweeps and lag monitor.
void start_core(runtime* rt, unsigned core, int http_fd, int admin_fd, std::atomic<unsigned>* started) {
    core_state& st = *rt->per_core[core];
    reactor& loop = reactor::current();
    auto opts = server_options_of(rt->cfg, rt->cores->count());
    st.http = std::make_unique<http::server>(opts, &rt->main_routes, rt->files.get());
    http::server* srv = st.http.get();
    const int sndbuf = static_cast<int>(std::min<std::size_t>(rt->cfg.tcp_send_buffer, INT_MAX / 2));
    st.http_listener = std::make_unique<net::tcp_listener>(http_fd, [srv, sndbuf](int fd) {
        // A small kernel buffer bounds per-connection kernel memory at high fan-out and makes a
        // slow client show up in the output queue (conflation) sooner.
        if (sndbuf > 0) ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
        srv->accept(fd);
    });
    loop.spawn(st.http_listener->run());
    if (admin_fd >= 0) {
        http::server_options admin_opts = opts;
        admin_opts.max_connections = 256;
        st.admin = std::make_unique<http::server>(admin_opts, &rt->admin_routes, nullptr);
        http::server* adm = st.admin.get();
        st.admin_listener = std::make_unique<net::tcp_listener>(admin_fd, [adm](int fd) { adm->accept(fd); });
        loop.spawn(st.admin_listener->run());
    }
    loop.spawn(monitor_loop_lag(&st.stop_monitor));
    for (auto& ep : rt->endpoints) ep->start_core();
    rt->engine->start_core();
    rt->amqp->start_core(core);
    if (rt->cfg.demo_rate > 0) {
        const double share = double(rt->cfg.demo_rate) / double(rt->cores->count());
        st.demo = std::make_unique<demo_source>(*rt->engine, share, rt->cfg.demo_seed, core);
        loop.spawn(st.demo->run());
    }
    started->fetch_add(1);
}

// Asks every core to publish its counts, and waits for the answers.
void refresh_counts(runtime& rt) {
    std::atomic<unsigned> answered{0};
    for (unsigned i = 0; i < rt.cores->count(); ++i) {
        core_state* st = rt.per_core[i].get();
        rt.cores->submit_to(i, [st, rtp = &rt, &answered] {
            st->live_tasks.store(reactor::current().live_tasks());
            st->http_connections.store(st->http ? st->http->open_connections() : 0);
            st->amqp_unsettled.store(rtp->amqp ? rtp->amqp->unsettled_local() : 0);
            answered.fetch_add(1);
        });
    }
    auto deadline = std::chrono::steady_clock::now() + 1s;
    while (answered.load() < rt.cores->count() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(1ms);
}

// Waits for SIGINT/SIGTERM. Returns the signal, or 0 when `timeout` passes first.
int wait_signal(const sigset_t& set, std::chrono::milliseconds timeout) {
    timespec ts{time_t(timeout.count() / 1000), long(timeout.count() % 1000) * 1'000'000};
    int sig = ::sigtimedwait(&set, nullptr, &ts);
    return sig > 0 ? sig : 0;
}

}  // namespace

int run_server(const config& cfg) {
    set_log_level(to_log_level(cfg.log_level));

    // Signals are handled by the main thread only: block them before any thread starts.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    ::signal(SIGPIPE, SIG_IGN);

    runtime rt;
    rt.cfg = cfg;
    if (std::filesystem::is_directory(cfg.web_root)) {
        try {
            rt.files = std::make_unique<http::static_files>(cfg.web_root);
            log_info("serving {} files ({} bytes) from {}", rt.files->file_count(), rt.files->total_bytes(), cfg.web_root);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "tallyhub: --web-root: %s\n", e.what());
            return 2;
        }
    } else {
        log_warn("--web-root {}: no such directory; the dashboard is not served (build it with `make demo`)", cfg.web_root);
    }
    add_admin_routes(rt);
    rt.cors = std::make_unique<http::cors_policy>(cfg.cors_origins);
    {
        using namespace std::chrono;
        analytics_options ao;
        ao.tick = duration_cast<milliseconds>(cfg.tick);
        ao.broadcast_interval = duration_cast<milliseconds>(cfg.broadcast_interval);
        ao.sse_heartbeat = duration_cast<milliseconds>(cfg.sse_heartbeat);
        ao.kpi.window_seconds = duration_cast<seconds>(cfg.window).count();
        ao.dedup_window_ms = duration_cast<milliseconds>(cfg.dedup_window).count();
        ao.dedup_max_keys = cfg.dedup_max_keys;
        rt.engine = std::make_unique<analytics>(ao, cfg.cores);
        auto& h = rt.hubs.emplace_back(std::make_unique<signalr::hub>());
        define_metrics_hub(*h, *rt.engine);
        rt.endpoints.push_back(
            std::make_unique<signalr::hub_endpoint>(*h, "/hubs/metrics", hub_options_of(cfg), cfg.cores, rt.cors.get()));
        rt.engine->set_endpoint(rt.endpoints.back().get());
        add_sse_route(rt.main_routes, *rt.engine);
        if (cfg.demo_rate > 0) log_info("demo source: {} synthetic events per second (seed {})", cfg.demo_rate, cfg.demo_seed);
        rt.amqp = std::make_unique<amqp_service>(amqp_options_of(cfg), *rt.engine, cfg.cores);
        if (!cfg.redis.empty()) {
            auto ep = store::parse_redis_url(cfg.redis);
            if (!ep) {
                std::fprintf(stderr, "tallyhub: --redis %s: %.*s\n", cfg.redis.c_str(), int(ep.err().reason.size()),
                             ep.err().reason.data());
                return 2;
            }
            log_info("live state to redis {} after each tick", ep->display());
            rt.engine->set_live_cache(std::make_unique<live_cache>(*ep, ao.kpi.window_seconds));
        }
        if (!cfg.postgres.empty()) {
            std::string why;
            auto info = store::parse_pg_conninfo(cfg.postgres, &why);
            if (!info) {
                std::fprintf(stderr, "tallyhub: --postgres: %s\n", why.c_str());
                return 2;
            }
            log_info("durable store: PostgreSQL {} (--data-dir is not used)", info->display);
            rt.engine->set_pg_store(std::make_unique<pg_store>(std::move(*info), ao.dedup_window_ms));
        } else if (cfg.data_dir != "off") {
            store::journal_options jo;
            jo.dir = cfg.data_dir;
            jo.fsync = *store::parse_fsync_mode(cfg.fsync);
            jo.skip_corrupt = cfg.recover_skip_corrupt;
            try {
                const store::recovery_report r = rt.engine->open_journal(jo);
                const kpi_totals& t = rt.engine->totals_at_start();
                log_info("journal {}: {} (snapshot {}, {} record(s) after it): {} orders, {} payments restored",
                         cfg.data_dir, r.snapshot_seq || r.records ? "recovered" : "new",
                         r.snapshot_seq ? std::to_string(*r.snapshot_seq) : std::string("none"), r.records, t.orders,
                         t.payments);
            } catch (const store::journal_error& e) {
                std::fprintf(stderr, "tallyhub: --data-dir %s: %s\n", cfg.data_dir.c_str(), e.what());
                return 2;
            }
        } else {
            log_warn("--data-dir off: totals are kept in memory only and start from zero after a restart");
        }
    }
    if (cfg.test_hub) {
        auto& h = rt.hubs.emplace_back(std::make_unique<signalr::hub>());
        define_test_hub(*h);
        rt.endpoints.push_back(
            std::make_unique<signalr::hub_endpoint>(*h, "/hubs/test", hub_options_of(cfg), cfg.cores, rt.cors.get()));
        log_info("serving the test hub at /hubs/test");
    }
    for (auto& ep : rt.endpoints) ep->add_routes(rt.main_routes);

    net::init_net_stats(cfg.cores);
    smp_options so;
    so.cores = cfg.cores;
    so.reactor.backend = to_backend(cfg.io_backend);
    rt.cores = std::make_unique<smp>(so);
    for (unsigned i = 0; i < cfg.cores; ++i) rt.per_core.push_back(std::make_unique<core_state>());
    if (auto r = rt.cores->start(); !r) {
        std::fprintf(stderr, "tallyhub: cannot start the reactors: %.*s\n", int(r.err().reason.size()), r.err().reason.data());
        return 1;
    }
    rt.backend_name = rt.cores->at(0).backend_name();
    if (cfg.io_backend == io_backend_mode::automatic && rt.backend_name == std::string("epoll")) {
        log_warn("io_uring unavailable ({}); using the epoll backend", rt.cores->backend_note());
    }
    log_info("{} reactor thread(s) on {} ({})", cfg.cores, rt.backend_name, rt.cores->backend_note());

    auto http_fds = open_listeners(cfg.http, cfg.cores);
    if (!http_fds) {
        std::fprintf(stderr, "tallyhub: --http %s: %.*s\n", cfg.http.to_string().c_str(),
                     int(http_fds.err().reason.size()), http_fds.err().reason.data());
        rt.cores->stop_and_join();
        return 1;
    }
    int admin_fd = -1;
    if (cfg.admin) {
        auto a = open_listeners(*cfg.admin, 1);
        if (!a) {
            std::fprintf(stderr, "tallyhub: --admin %s: %.*s\n", cfg.admin->to_string().c_str(),
                         int(a.err().reason.size()), a.err().reason.data());
            for (int fd : *http_fds) ::close(fd);
            rt.cores->stop_and_join();
            return 1;
        }
        admin_fd = (*a)[0];
    }
    if (auto r = rt.amqp->open_listeners(); !r) {
        std::fprintf(stderr, "tallyhub: --amqp-listen %s: %.*s\n", cfg.amqp_listen->to_string().c_str(),
                     int(r.err().reason.size()), r.err().reason.data());
        for (int fd : *http_fds) ::close(fd);
        if (admin_fd >= 0) ::close(admin_fd);
        rt.cores->stop_and_join();
        return 1;
    }
    std::string http_addr = net::bound_address((*http_fds)[0]);
    std::string admin_addr = admin_fd >= 0 ? net::bound_address(admin_fd) : "";

    std::atomic<unsigned> started{0};
    for (unsigned i = 0; i < cfg.cores; ++i) {
        int hfd = (*http_fds)[i];
        int afd = i == 0 ? admin_fd : -1;
        rt.cores->submit_to(i, [rtp = &rt, i, hfd, afd, &started] { start_core(rtp, i, hfd, afd, &started); });
    }
    while (started.load() < cfg.cores) std::this_thread::sleep_for(1ms);
    rt.listening.store(true);
    std::printf("tallyhub: listening on http://%s/ (http)\n", http_addr.c_str());
    if (admin_fd >= 0) std::printf("tallyhub: listening on http://%s/ (admin)\n", admin_addr.c_str());
    if (std::string a = rt.amqp->listen_address(); !a.empty()) std::printf("tallyhub: listening on amqp://%s/ (amqp)\n", a.c_str());
    std::printf("tallyhub: ready\n");
    std::fflush(stdout);

    int sig = 0;
    while (sig == 0) sig = wait_signal(signals, 1000ms);
    log_info("{} received: draining (up to {} ms; send SIGINT again to exit at once)", strsignal(sig),
             std::chrono::duration_cast<std::chrono::milliseconds>(cfg.drain_timeout).count());
    rt.draining.store(true);
    for (unsigned i = 0; i < cfg.cores; ++i) {
        core_state* st = rt.per_core[i].get();
        rt.cores->submit_to(i, [st, rtp = &rt] {
            st->http_listener->stop();
            st->http->begin_drain();
            for (auto& ep : rtp->endpoints) ep->begin_drain_core();
            rtp->engine->begin_drain_core();
            rtp->amqp->begin_drain_core();
            if (st->demo) st->demo->stop();
        });
    }

    // Wait for HTTP connections to finish their responses, or the drain deadline.
    auto deadline = std::chrono::steady_clock::now() + cfg.drain_timeout;
    bool forced = false;
    for (;;) {
        refresh_counts(rt);
        // HTTP responses finish; AMQP deliveries already applied get their commit and settlement.
        size_t open = 0;
        for (auto& st : rt.per_core) open += st->http_connections.load() + st->amqp_unsettled.load();
        if (open == 0) break;
        if (std::chrono::steady_clock::now() >= deadline) {
            log_warn("drain timeout: closing connections with {} response(s) or AMQP settlement(s) pending", open);
            forced = true;
            break;
        }
        if (int again = wait_signal(signals, 50ms); again == SIGINT) {
            log_warn("second SIGINT: exiting now");
            std::fflush(stderr);
            ::_exit(130);
        }
    }

    // Admin last, so /readyz said 503 for the whole drain.
    for (unsigned i = 0; i < cfg.cores; ++i) {
        core_state* st = rt.per_core[i].get();
        rt.cores->submit_to(i, [st, rtp = &rt] {
            for (auto& ep : rtp->endpoints) ep->stop_core();
            rtp->amqp->stop_core();
            rtp->engine->stop_core();
            st->stop_monitor = true;
            if (st->admin_listener) st->admin_listener->stop();
            if (st->admin) st->admin->begin_drain();
        });
    }
    auto settle = std::chrono::steady_clock::now() + (forced ? 200ms : 2s);
    for (;;) {
        refresh_counts(rt);
        size_t tasks = 0;
        for (auto& st : rt.per_core) tasks += st->live_tasks.load();
        if (tasks == 0) break;
        if (std::chrono::steady_clock::now() >= settle) {
            // Coroutines still suspended in handlers cannot be unwound safely: leave without them.
            log_warn("{} task(s) still running after the drain; exiting", tasks);
            std::fflush(stdout);
            ::_exit(0);
        }
        std::this_thread::sleep_for(10ms);
    }
    // Destroy per-core objects on their own cores, then stop the loops.
    std::atomic<unsigned> destroyed{0};
    for (unsigned i = 0; i < cfg.cores; ++i) {
        core_state* st = rt.per_core[i].get();
        rt.cores->submit_to(i, [st, &destroyed] {
            st->http_listener.reset();
            st->http.reset();
            st->admin_listener.reset();
            st->admin.reset();
            st->demo.reset();
            destroyed.fetch_add(1);
        });
    }
    while (destroyed.load() < cfg.cores) std::this_thread::sleep_for(1ms);
    rt.cores->stop_and_join();
    log_info("drained; bye");
    return 0;
}

}  // namespace tallyhub::app
