#pragma once
// pg_store: the durable totals in PostgreSQL (--postgres; DESIGN §6, issue 6 part 3), on core 0.
//
// Start-up (before the first tick): connect, create or migrate the schema (store/pg_schema.hpp),
// and restore the totals, daily sales and the dedup keys of the last --dedup-window into the state.
// Until that worked (retried with backoff) no tick runs: deliveries stay unsettled, credit stops,
// /readyz says why. Each tick: its changes are added to what waits for PostgreSQL and committed as
// one transaction; only then are its deliveries settled. While PostgreSQL is down or slow the
// changes keep accumulating (in memory, dashboards current), nothing is settled, so producers and
// brokers stop at their credit; when it is back one transaction carries everything, exactly once
// (a tick whose COMMIT's outcome was lost is retried as is: its dedup row makes that idempotent).

#include <cstdint>
#include <string>
#include <vector>

#include "app/dedup_window.hpp"
#include "app/kpi_state.hpp"
#include "app/metric_shard.hpp"
#include "core/task.hpp"
#include "store/pg_client.hpp"
#include "store/pg_schema.hpp"

namespace tallyhub::app {

class pg_store {
public:
    pg_store(store::pg_conninfo info, std::int64_t dedup_window_ms);
    ~pg_store();

    /// Connects, migrates and restores into `state` and `dedup`, retrying until it works or
    /// `*running` turns false. False when stopped first.
    task<bool> start(kpi_state& state, dedup_window& dedup, const bool* running);
    /// Adds a tick's (deduplicated) changes and commits everything pending. True when nothing is
    /// left uncommitted.
    task<bool> commit(std::int64_t now_ms, const std::vector<metric_delta>& deltas,
                      const std::vector<std::vector<std::size_t>>& duplicates);

    /// For /readyz: empty when ready, else why not.
    std::string not_ready() const;
    const store::pg_client& client() const noexcept { return client_; }
    std::uint64_t pending_ticks() const noexcept { return pending_ticks_; }

private:
    // Changes waiting for PostgreSQL (one or more ticks' worth).
    struct pending {
        std::int64_t orders = 0, revenue_units = 0, payments = 0;
        std::vector<store::pg_schema::day_delta> days;
        std::string keys;  // 16-byte digests back to back
        std::uint64_t ticks = 0;
        bool empty() const noexcept { return orders == 0 && payments == 0 && keys.empty(); }
        void add(const std::vector<metric_delta>& deltas, const std::vector<std::vector<std::size_t>>& duplicates);
    };
    task<bool> try_commit(std::int64_t now_ms);

    store::pg_client client_;
    std::int64_t dedup_window_ms_;
    bool restored_ = false;
    std::string start_error_;
    std::int64_t next_tick_ = 1;
    pending current_;      // what the next transaction carries
    pending later_;        // while current_ is frozen: what comes after it
    std::uint64_t pending_ticks_ = 0;
    bool frozen_ = false;  // current_'s COMMIT outcome is unknown: retry exactly it
    bool was_down_ = false;
};

}  // namespace tallyhub::app
