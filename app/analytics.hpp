#pragma once
// analytics: the engine that turns applied events into hub broadcasts (DESIGN §2).
//
// Lifecycle of one tick (default every 100 ms), driven by core 0:
//   1. every core applies events to its own metric_shard with plain stores (apply_order/payment);
//   2. core 0 collects each core's delta by message passing (invoke_on), merges them into the one
//      kpi_state and takes an immutable kpi_snapshot;
//   3. the snapshot and the JSON of the current metrics are published to every core (a message per
//      core), where GetCurrentMetrics, new connections and SSE clients read them without crossing cores;
//   4. at most once per broadcast interval (default 1 s, the seed's throttle) the changes accumulated
//      since the previous broadcast are encoded ONCE as hub records and handed to the endpoint, which
//      frames them once per core and sends each connection one frame (a conflatable one: a client that
//      has not taken the previous tick's frame gets this one in its place).
// The state lives on core 0; queries of it (GetHistory, GetDailySales) are invoke_on(0) round trips.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "app/dedup_window.hpp"
#include "app/events.hpp"
#include "app/kpi_state.hpp"
#include "app/live_cache.hpp"
#include "app/pg_store.hpp"
#include "app/metric_shard.hpp"
#include "core/counters.hpp"
#include "core/histogram.hpp"
#include "core/io.hpp"
#include "core/task.hpp"
#include "net/connection.hpp"
#include "signalr/hub_endpoint.hpp"
#include "store/journal.hpp"

namespace tallyhub::app {

struct analytics_options {
    kpi_config kpi;
    std::int64_t dedup_window_ms = 24 * 3600 * 1000;  ///< --dedup-window
    std::size_t dedup_max_keys = 2'000'000;           ///< --dedup-max-keys
    std::chrono::milliseconds tick{100};                 ///< shard collection and snapshot period
    std::chrono::milliseconds broadcast_interval{1000};  ///< at most one broadcast per interval
    std::chrono::milliseconds sse_heartbeat{15'000};     ///< comment line to idle SSE clients
};

/// Per-core counters of the engine, summed for /metrics.
struct analytics_counters {
    counter orders_applied;
    counter payments_applied;
    counter events_rejected;  ///< invalid bodies and amounts that would overflow
    counter ticks;            ///< core 0 only
    counter broadcasts;       ///< core 0 only
    counter merge_errors;     ///< core 0 only: a delta refused because a total would overflow
    counter batches_skipped;  ///< core 0 only: closed batches not broadcast (more than fit in one broadcast)
    counter duplicates;       ///< core 0 only: redelivered events recognised by their key, not counted
    counter commits;          ///< core 0 only: journal commits that succeeded
    counter commit_errors;    ///< core 0 only: journal commits or snapshots that failed
    counter snapshots;        ///< core 0 only
    gauge dedup_keys;         ///< core 0 only: keys in the dedup window
    gauge sse_clients;
};

/// What core 0 publishes to every core each tick.
struct published_metrics {
    kpi_snapshot snapshot;
    std::string current_json;  ///< the ReceiveCurrentMetrics argument
};

/// Told on its core when the events applied there up to an epoch are committed (AMQP settlement).
class commit_listener {
public:
    /// Every event applied on this core while analytics::epoch() was <= `epoch` is committed.
    virtual void committed(std::uint64_t epoch) = 0;

protected:
    ~commit_listener() = default;
};

/// Hub groups a MetricsHub connection joins by default (Subscribe/Unsubscribe).
inline constexpr std::string_view stream_groups[] = {"payments", "window", "batches"};

class analytics {
public:
    analytics(analytics_options opts, unsigned cores);
    ~analytics();
    analytics(const analytics&) = delete;
    analytics& operator=(const analytics&) = delete;

    /// The MetricsHub endpoint broadcasts go to (set before the cores start).
    void set_endpoint(signalr::hub_endpoint* ep) noexcept { endpoint_ = ep; }
    const analytics_options& options() const noexcept { return opts_; }

    /// On each core once its reactor runs; core 0 starts the tick loop.
    void start_core();
    /// On each core when the server drains: SSE clients are let go.
    void begin_drain_core();
    /// On each core at shutdown: stops the loops.
    void stop_core();

    /// Applies one event to this core's shard (any core). Errors are counted and returned. With a
    /// dedup `key` (an AMQP message id), a redelivery of an event already counted within the dedup
    /// window is taken out again at the merge.
    result<void> apply(const order_event& e, std::int64_t at_ms, std::string_view key = {});
    result<void> apply(const payment_event& e, std::int64_t at_ms, std::string_view key = {});

    /// Main thread, before the cores start: opens the journal in `opts.dir`, loads its snapshot and
    /// records into the state (throws store::journal_error for the operator), and keeps it: from now
    /// on each tick is committed to it before its deliveries are settled.
    store::recovery_report open_journal(const store::journal_options& opts);
    bool durable() const noexcept { return journal_ != nullptr; }
    /// Before the cores start: PostgreSQL is the durable store (--postgres) instead of the journal.
    void set_pg_store(std::unique_ptr<pg_store> s) noexcept { pg_ = std::move(s); }
    /// On core 0: why the durable store keeps the server from being ready (empty: it does not).
    std::string store_not_ready() const;
    /// On core 0: how long each tick's durable commit took (µs), journal or PostgreSQL.
    const histogram& commit_latency() const noexcept { return commit_us_; }
    /// On core 0: the PostgreSQL store, or null.
    const pg_store* pg() const noexcept { return pg_.get(); }

    /// Before the cores start: after each tick the live state also goes to Redis (--redis).
    void set_live_cache(std::unique_ptr<live_cache> c) noexcept { cache_ = std::move(c); }
    /// On core 0 (the admin listener's core): the Redis writer, or null.
    const live_cache* cache() const noexcept { return cache_.get(); }

    /// Core 0's totals; from the main thread only before the cores start (after open_journal).
    const kpi_totals& totals_at_start() const noexcept { return state_.totals(); }

    /// This core's collection epoch: an event applied now is committed once a commit_listener hears
    /// committed(e) with e >= this value. Advances each tick when core 0 takes this core's delta.
    std::uint64_t epoch() const noexcept;
    /// Listeners on this core (each removes itself before it goes away).
    void add_commit_listener(commit_listener& l);
    void remove_commit_listener(commit_listener& l);

    /// The latest snapshot published to this core.
    const published_metrics& latest() const noexcept;
    /// GetHistory / GetDailySales: JSON answered by core 0's state.
    task<std::string> history_json(std::int64_t seconds);
    task<std::string> daily_sales_json(std::int64_t days);

    /// SSE clients of this core (sse_metrics.cpp registers them).
    void add_sse(net::connection& c);
    void remove_sse(net::connection& c);

    /// The counters of core `i`.
    const analytics_counters& counters(unsigned i) const noexcept;
    unsigned cores() const noexcept { return cores_; }

    /// Unix milliseconds now (the wall clock: timestamps are shown to people).
    static std::int64_t now_ms() noexcept;

private:
    struct core_part;
    core_part& local();
    task<void> tick_loop();
    task<void> heartbeat_loop();
    void tick(std::int64_t now_ms, std::vector<metric_delta>& deltas);
    void broadcast(std::int64_t now_ms);
    void publish(std::shared_ptr<const published_metrics> p, bool broadcast_tick);
    void notify_committed(const std::vector<std::uint64_t>& epochs);
    /// Main thread, before the cores run: every core's latest snapshot is the state at `now`.
    void publish_before_start(std::int64_t now);
    analytics_counters& local_stats();
    void drop_duplicates_of(std::vector<metric_delta>& deltas, std::int64_t now);
    task<bool> commit_tick(std::int64_t now, const std::vector<metric_delta>& deltas);

    std::vector<std::vector<std::size_t>> duplicates_;  // per delta of the current tick
    std::vector<history_point> recent_;                 // the last seconds, for the Redis buckets

    analytics_options opts_;
    unsigned cores_;
    signalr::hub_endpoint* endpoint_ = nullptr;
    std::vector<std::unique_ptr<core_part>> parts_;

    // Core 0 only.
    kpi_state state_;
    dedup_window dedup_;
    std::unique_ptr<store::journal> journal_;
    std::unique_ptr<live_cache> cache_;
    std::unique_ptr<pg_store> pg_;
    histogram commit_us_;
    std::int64_t last_broadcast_ms_ = 0;
    bool pending_orders_ = false;
    bool pending_payments_ = false;
    bool pending_window_ = false;
    std::vector<closed_batch> pending_batches_;
    std::int64_t last_batch_warn_ms_ = 0;
    std::uint64_t skipped_since_warn_ = 0;
    std::shared_ptr<const published_metrics> last_published_;
};

}  // namespace tallyhub::app
