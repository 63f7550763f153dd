#include "net/net_stats.hpp"

namespace tallyhub::net {

namespace {
// One core's worth by default so unit tests that never call init_net_stats still count somewhere.
std::unique_ptr<per_core_counters<net_counters>> table = std::make_unique<per_core_counters<net_counters>>(1);
}  // namespace

per_core_counters<net_counters>& net_stats() noexcept { return *table; }

void init_net_stats(size_t cores) { table = std::make_unique<per_core_counters<net_counters>>(cores); }

}  // namespace tallyhub::net
