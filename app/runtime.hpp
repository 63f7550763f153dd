#pragma once
// The running server's shared state: the cores, each core's servers and listeners, and the flags
// the admin endpoints report. Built by run_server() (app/server.cpp) before the reactors serve.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "app/amqp_ingest.hpp"
#include "app/analytics.hpp"
#include "app/config.hpp"
#include "app/demo_source.hpp"
#include "core/smp.hpp"
#include "net/cors.hpp"
#include "net/http_server.hpp"
#include "net/static_files.hpp"
#include "net/tcp_listener.hpp"
#include "signalr/hub_endpoint.hpp"

namespace tallyhub::app {

/// What one core runs. Created and destroyed on that core; other threads only read the atomics.
struct core_state {
    std::unique_ptr<http::server> http;
    std::unique_ptr<net::tcp_listener> http_listener;
    std::unique_ptr<http::server> admin;  // core 0 only
    std::unique_ptr<net::tcp_listener> admin_listener;
    std::unique_ptr<demo_source> demo;  // --demo-rate
    bool stop_monitor = false;
    std::atomic<size_t> live_tasks{0};     // published on request during shutdown
    std::atomic<size_t> http_connections{0};
    std::atomic<size_t> amqp_unsettled{0};  // deliveries applied, waiting for their commit
};

struct runtime {
    config cfg;
    std::unique_ptr<smp> cores;
    std::vector<std::unique_ptr<core_state>> per_core;
    std::unique_ptr<http::static_files> files;
    http::routes main_routes;
    http::routes admin_routes;
    std::unique_ptr<http::cors_policy> cors;
    std::vector<std::unique_ptr<signalr::hub>> hubs;                // definitions, read-only once serving
    std::vector<std::unique_ptr<signalr::hub_endpoint>> endpoints;  // one per served hub
    std::unique_ptr<analytics> engine;                              // MetricsHub, SSE, shards
    std::unique_ptr<amqp_service> amqp;                             // events in (listener, brokers)
    std::string backend_name;
    std::atomic<bool> listening{false};
    std::atomic<bool> draining{false};
};

}  // namespace tallyhub::app
