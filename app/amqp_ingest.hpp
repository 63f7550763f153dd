#pragma once
// amqp_service: events in over AMQP 1.0 (DESIGN §5.1, §6; issue 5).
//
// - Listener (--amqp-listen): every core accepts producers' connections on its own SO_REUSEPORT
//   socket and serves them with an amqp::engine in the listener role.
// - Receivers (--amqp-url, repeatable): URL i runs on core i % cores, dials the broker, attaches a
//   receiving link (rcv-settle-mode first) and reconnects after any failure with exponential
//   backoff and jitter (100 ms doubling to 30 s, reset once a link stayed up for 10 s).
//
// Each message goes through event_ingest on the connection's core. Applied events are settled
// `accepted` only when the tick that collected them is committed (commit_listener); until then they
// hold their link's credit, so lagging commits stop the producer or broker. Rejected bodies are
// settled `rejected` (amqp:decode-error with the reason) and unknown types `accepted` at once.
//
// Shutdown: begin_drain_core stops accepting and granting credit while commits keep settling;
// stop_core releases what is still unsettled and closes every connection.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/amqp_url.hpp"
#include "app/analytics.hpp"
#include "app/config_values.hpp"
#include "app/ingest.hpp"
#include "core/counters.hpp"
#include "core/result.hpp"
#include "net/connection.hpp"

namespace tallyhub::app {

struct amqp_service_options {
    std::optional<endpoint> listen;
    std::string user, password;  ///< PLAIN on the listener (empty: not offered)
    bool anonymous = true;
    std::uint32_t credit = 1000;
    std::size_t max_message = 1024 * 1024;
    std::size_t max_connections_per_core = 4096;
    net::connection_limits output;
    std::vector<broker_url> brokers;
};

/// Per-core counters, summed for /metrics.
struct amqp_counters {
    counter connections_accepted;
    counter connections_refused;    ///< over the per-core connection limit
    counter connection_errors;      ///< ended by a protocol error (either side) or an auth failure
    counter malformed_messages;     ///< not a decodable AMQP message: rejected
    counter deliveries;             ///< messages received, all links
    counter settled_accepted;
    counter settled_rejected;
    counter released;               ///< unsettled at shutdown, given back
    counter receiver_connects;      ///< broker links established
    counter receiver_failures;      ///< connect errors and lost broker connections
    gauge connections;              ///< open listener connections
    gauge receivers_up;             ///< broker links attached now
    gauge unsettled;                ///< applied, waiting for their tick's commit
};

class amqp_service {
public:
    amqp_service(amqp_service_options opts, analytics& engine, unsigned cores);
    ~amqp_service();
    amqp_service(const amqp_service&) = delete;
    amqp_service& operator=(const amqp_service&) = delete;

    /// Main thread, before the cores serve: binds the listener sockets (one per core).
    result<void> open_listeners();
    /// "127.0.0.1:5672" once bound; empty without a listener.
    std::string listen_address() const;

    /// On each core: accept loop, this core's broker receivers, the heartbeat sweep.
    void start_core(unsigned core);
    /// On each core when draining: no new connections, no new credit.
    void begin_drain_core();
    /// On each core at shutdown: releases what is unsettled and closes every connection.
    void stop_core();

    /// Deliveries of this core still waiting for a commit (read on its core).
    std::uint64_t unsettled_local() const noexcept;

    const amqp_counters& counters(unsigned i) const noexcept;
    const ingest_counters& ingest(unsigned i) const noexcept;
    unsigned cores() const noexcept { return cores_; }
    const amqp_service_options& options() const noexcept { return opts_; }

    struct core_part;
    class session;

private:
    core_part& local();

    amqp_service_options opts_;
    analytics& engine_;
    unsigned cores_;
    std::vector<int> listen_fds_;  // until each core's listener takes its own
    std::string listen_address_;
    std::vector<std::unique_ptr<core_part>> parts_;
};

}  // namespace tallyhub::app
