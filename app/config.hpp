#pragma once
// tallyhub's settings and where they come from. Each option has one long name, e.g. `io-backend`, and is
// read from, strongest first:
//   1. the command line:   --io-backend epoll
//   2. the environment:    TALLYHUB_IO_BACKEND=epoll   (an empty variable counts as unset)
//   3. the config file:    io-backend = "epoll"        (--config FILE or TALLYHUB_CONFIG; TOML/INI;
//                          a [section] prefixes its keys: [amqp] url = ... is amqp-url)
//   4. the default, which is the member initialiser below.
// Adding an option: a member here and one row in the option table in config.cpp; help, environment
// variable, config-file key and error messages follow from that row.

#include <chrono>
#include <cstddef>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "app/config_values.hpp"

namespace tallyhub::app {

/// Every setting of the server, with its default.
struct config {
    endpoint http = endpoint::ipv4(INADDR_ANY, 8080);                 ///< dashboard, SignalR, SSE
    std::optional<endpoint> admin = endpoint::ipv4(INADDR_LOOPBACK, 9090);  ///< empty: no admin listener
    unsigned cores = 1;                         ///< parse_config's default is the online CPU count
    io_backend_mode io_backend = io_backend_mode::automatic;
    std::string web_root = "web/dist";          ///< static dashboard files
    std::chrono::nanoseconds drain_timeout = std::chrono::seconds(10);   ///< shutdown deadline
    log_severity log_level = log_severity::info;
    std::chrono::nanoseconds header_timeout = std::chrono::seconds(10);  ///< time to receive a full request head
    std::chrono::nanoseconds idle_timeout = std::chrono::seconds(60);    ///< keep-alive idle time before close
    std::size_t max_header_bytes = 16 * 1024;
    std::size_t max_body_bytes = 1024 * 1024;
    std::size_t max_connections = 19000;        ///< across all cores
    std::size_t output_soft_limit = 256 * 1024; ///< per connection: past it, updates conflate
    std::size_t output_hard_limit = 4 * 1024 * 1024;  ///< per connection: past it, the connection closes
    std::size_t tcp_send_buffer = 0;            ///< SO_SNDBUF of client sockets; 0: kernel autotuning
    std::vector<std::string> cors_origins;      ///< allowed Origin values; "*" allows any
    std::chrono::nanoseconds keep_alive_interval = std::chrono::seconds(15);  ///< SignalR server Ping interval
    std::chrono::nanoseconds client_timeout = std::chrono::seconds(30);       ///< SignalR silent-client limit
    std::chrono::nanoseconds handshake_timeout = std::chrono::seconds(15);    ///< SignalR handshake deadline
    std::size_t max_message_size = 32 * 1024;   ///< largest SignalR hub message received
    std::chrono::nanoseconds tick = std::chrono::milliseconds(100);               ///< shard merge period
    std::chrono::nanoseconds broadcast_interval = std::chrono::milliseconds(1000);  ///< KPI broadcast throttle
    std::chrono::nanoseconds window = std::chrono::minutes(5);                    ///< sliding window length
    std::chrono::nanoseconds slow_client_grace = std::chrono::seconds(5);  ///< output full this long → close
    std::size_t stateful_reconnect_buffer = 100'000;  ///< SignalR replay buffer per connection; 0: off
    std::chrono::nanoseconds reconnect_grace = std::chrono::seconds(15);  ///< dropped stateful WebSocket kept
    std::string transports = "websockets,sse,longpolling";  ///< SignalR transports served (comma-separated)
    std::chrono::nanoseconds sse_heartbeat = std::chrono::seconds(15);     ///< SSE comment interval
    std::optional<endpoint> amqp_listen = endpoint::ipv4(INADDR_ANY, 5672);  ///< producers' listener; empty: off
    std::string amqp_user;                      ///< PLAIN user of the listener; empty: PLAIN not offered
    std::string amqp_password;
    bool amqp_anonymous = true;                 ///< the listener offers SASL ANONYMOUS
    std::size_t amqp_credit = 1000;             ///< unsettled deliveries per link
    std::size_t amqp_max_message = 1024 * 1024; ///< largest message accepted
    std::vector<std::string> amqp_urls;         ///< brokers to consume from
    std::string postgres;                       ///< conninfo of the durable store; empty: the journal
    std::string redis;                          ///< redis://host:port/db for the live state; empty: off
    std::string data_dir = "./data";            ///< the journal; "off": totals live in memory only
    std::string fsync = "tick";                 ///< tick | always | off
    bool recover_skip_corrupt = false;          ///< start despite a corrupt journal record (drops it and what follows)
    std::chrono::nanoseconds dedup_window = std::chrono::hours(24);  ///< redeliveries recognised this long
    std::size_t dedup_max_keys = 2'000'000;     ///< and at most this many message ids
    std::size_t demo_rate = 0;                  ///< synthetic events per second (0: off)
    std::size_t demo_seed = 1;                  ///< seed of the synthetic events
    bool test_hub = false;                      ///< serve /hubs/test
    std::string config_file;                    ///< the file read, empty if none
};

/// Looks up an environment variable; nullopt when unset.
using env_lookup = std::function<std::optional<std::string>(const std::string& name)>;

/// The process environment (std::getenv).
std::optional<std::string> process_env(const std::string& name);

/// The number of online CPUs, at least 1.
unsigned online_cpu_count();

/// What parse_config reads and writes besides argv; tests replace each part.
struct config_context {
    env_lookup env = process_env;
    unsigned online_cpus = online_cpu_count();
    std::ostream* out = &std::cout;  ///< receives --help and --version
    std::ostream* err = &std::cerr;  ///< receives the one-line error
};

/// A config to run with, or the exit code main returns at once (the text is already printed).
struct config_outcome {
    config cfg;
    std::optional<int> exit_code;  ///< 0 after --help/--version, 2 after invalid input
};

/// The environment variable of an option: "io-backend" -> "TALLYHUB_IO_BACKEND".
std::string env_name(std::string_view option);

/// Reads argv, the environment and the config file. Never exits: main does
/// `auto r = parse_config(argc, argv); if (r.exit_code) return *r.exit_code;`.
config_outcome parse_config(int argc, const char* const* argv, const config_context& ctx = {});

}  // namespace tallyhub::app
