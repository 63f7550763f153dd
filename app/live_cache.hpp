#pragma once
// live_cache: the live state in Redis for other services (--redis; DESIGN §2, issue 6 part 4).
//
// After each tick core 0 hands over the new snapshot; at most one pipeline is in flight and the tick
// never waits for it: while Redis is slow or down, ticks skip (the next write carries the newest
// state anyway). One pipeline writes
//   SET realtime-metrics <RealtimeMetrics JSON> EX 86400      the seed's key and format, 1-day TTL
//   SET tallyhub:sliding-window <window JSON> EX <window s>   ReceiveSlidingWindowUpdate's argument
//   SET tallyhub:second:<unix s> <bucket JSON> EX <window s>  the current and previous second
// An outage is logged once when it starts and once when Redis is back, and counted in /metrics.

#include <cstdint>
#include <memory>
#include <vector>

#include "app/kpi_state.hpp"
#include "core/task.hpp"
#include "store/redis_client.hpp"

namespace tallyhub::app {

struct live_cache_stats {
    std::uint64_t writes = 0;    ///< pipelines that Redis answered without an error reply
    std::uint64_t failures = 0;  ///< pipelines that failed or got an error reply
    std::uint64_t skipped = 0;   ///< ticks not written because the previous write was in flight
};

class live_cache {
public:
    live_cache(store::redis_endpoint where, std::int64_t window_seconds);
    ~live_cache();

    /// On core 0 after a tick: starts a write of `snap` (and the window's last seconds in `recent`)
    /// unless one is in flight.
    void publish(const kpi_snapshot& snap, const std::vector<history_point>& recent);
    /// Resumes once no write is in flight (at shutdown), within `limit`.
    task<void> settle(std::chrono::milliseconds limit);

    bool up() const noexcept { return client_.health().ok(); }
    const store::redis_client& client() const noexcept { return client_; }
    const live_cache_stats& stats() const noexcept { return stats_; }

private:
    task<void> write(std::vector<store::redis_command> commands);

    store::redis_client client_;
    std::int64_t window_seconds_;
    bool in_flight_ = false;
    bool was_down_ = false;
    live_cache_stats stats_;
};

}  // namespace tallyhub::app
