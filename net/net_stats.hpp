#pragma once
// Per-core network counters: each core writes its own block with plain (relaxed, single-writer)
// stores; /metrics sums the blocks of all cores.

#include <memory>

#include "core/counters.hpp"
#include "core/reactor.hpp"

namespace tallyhub::net {

struct net_counters {
    counter connections_accepted;
    gauge connections_open;
    counter connections_rejected;   // over --max-connections
    counter accept_errors;
    counter bytes_in;
    counter bytes_out;
    counter sends_dropped;          // output over the hard limit
    counter timeouts;               // header/idle/linger deadlines that ended a connection
    counter requests[6];            // by status class: [1]=1xx ... [5]=5xx, [0]=other
    counter parse_errors;
    // Sockets moved between cores (net/http_handoff.cpp).
    counter handoffs_out;     // handed to another core (counted on the sending core)
    counter handoffs_in;      // adopted from another core (counted on the receiving core)
    counter handoffs_failed;  // closed instead: the client left, or the target was stopping, draining or full
};

/// The process-wide table; created once before the reactors start (init_net_stats).
per_core_counters<net_counters>& net_stats() noexcept;
void init_net_stats(size_t cores);

/// The calling reactor's block.
inline net_counters& local_stats() noexcept { return net_stats().local(size_t(reactor::current().core())); }

}  // namespace tallyhub::net
