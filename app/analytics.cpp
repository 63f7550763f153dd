#include "app/analytics.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include "app/kpi_json.hpp"
#include "core/log.hpp"
#include "core/reactor.hpp"
#include "core/shared_bytes.hpp"
#include "core/smp.hpp"
#include "signalr/hub.hpp"

namespace tallyhub::app {

namespace {

// The frame kind of KPI broadcasts: a newer one replaces an unsent older one (net::connection::send_latest).
constexpr std::uint8_t kpi_frame_kind = 1;

std::shared_ptr<const published_metrics> make_published(kpi_snapshot snap) {
    auto p = std::make_shared<published_metrics>();
    p->snapshot = std::move(snap);
    append_current_metrics(p->current_json, p->snapshot);
    return p;
}

std::string record_of(std::string_view method, std::string arg) {
    std::string args[] = {std::move(arg)};
    return signalr::invocation_record(method, args);
}

struct epoch_delta {
    metric_delta delta;
    std::uint64_t epoch;
};

}  // namespace

struct analytics::core_part {
    metric_shard shard;
    std::uint64_t epoch = 1;  // the delta being filled; the tick that takes it commits this epoch
    std::vector<commit_listener*> listeners;
    std::shared_ptr<const published_metrics> latest;
    std::unordered_set<net::connection*> sse;
    analytics_counters stats;
    bool running = false;
    io::cancel_slot tick_wake;
    io::cancel_slot heartbeat_wake;
};

analytics::analytics(analytics_options opts, unsigned cores)
    : opts_(opts), cores_(cores == 0 ? 1 : cores), state_(opts.kpi), dedup_(opts.dedup_window_ms, opts.dedup_max_keys) {
    auto empty = make_published(state_.snapshot(now_ms()));
    for (unsigned i = 0; i < cores_; ++i) {
        parts_.push_back(std::make_unique<core_part>());
        parts_.back()->latest = empty;
    }
    last_published_ = empty;
}

analytics::~analytics() = default;

analytics::core_part& analytics::local() { return *parts_[reactor::current().core()]; }

analytics_counters& analytics::local_stats() { return local().stats; }

const analytics_counters& analytics::counters(unsigned i) const noexcept { return parts_[i]->stats; }

const published_metrics& analytics::latest() const noexcept { return *parts_[reactor::current().core()]->latest; }

std::int64_t analytics::now_ms() noexcept {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

result<void> analytics::apply(const order_event& e, std::int64_t at_ms, std::string_view key) {
    auto& p = local();
    auto r = p.shard.apply(e, at_ms, opts_.dedup_window_ms > 0 ? key : std::string_view{});
    if (r) p.stats.orders_applied.add();
    else p.stats.events_rejected.add();
    return r;
}

result<void> analytics::apply(const payment_event& e, std::int64_t at_ms, std::string_view key) {
    auto& p = local();
    auto r = p.shard.apply(e, at_ms, opts_.dedup_window_ms > 0 ? key : std::string_view{});
    if (r) p.stats.payments_applied.add();
    else p.stats.events_rejected.add();
    return r;
}

std::uint64_t analytics::epoch() const noexcept { return parts_[reactor::current().core()]->epoch; }

void analytics::add_commit_listener(commit_listener& l) { local().listeners.push_back(&l); }

void analytics::remove_commit_listener(commit_listener& l) {
    auto& v = local().listeners;
    v.erase(std::remove(v.begin(), v.end(), &l), v.end());
}

void analytics::start_core() {
    auto& p = local();
    p.running = true;
    reactor::current().spawn(heartbeat_loop());
    if (reactor::current().core() == 0) {
        last_broadcast_ms_ = now_ms();
        reactor::current().spawn(tick_loop());
    }
}

void analytics::begin_drain_core() {
    // The SSE sessions end when their reads stop; the connections then close.
    for (net::connection* c : local().sse) c->stop_reading();
}

void analytics::stop_core() {
    auto& p = local();
    p.running = false;
    p.tick_wake.cancel();
    p.heartbeat_wake.cancel();
}

void analytics::add_sse(net::connection& c) {
    auto& p = local();
    p.sse.insert(&c);
    p.stats.sse_clients.add(1);
}

void analytics::remove_sse(net::connection& c) {
    auto& p = local();
    if (p.sse.erase(&c) > 0) p.stats.sse_clients.sub(1);
}

void analytics::publish_before_start(std::int64_t now) {
    last_published_ = make_published(state_.snapshot(now));
    for (auto& p : parts_) p->latest = last_published_;
}

// Ticks are scheduled on a fixed grid (next += tick), so a slow tick does not shift later ones; a tick
// that falls more than one period behind is skipped rather than run twice in a row.
task<void> analytics::tick_loop() {
    auto& p = local();
    if (pg_) {
        // No tick before the totals are back: deliveries wait unsettled (credit stops) meanwhile.
        if (!co_await pg_->start(state_, dedup_, &p.running)) {
            pg_.reset();
            co_return;
        }
        last_published_ = make_published(state_.snapshot(now_ms()));
        publish(last_published_, false);
    }
    std::vector<metric_delta> deltas;
    std::vector<std::uint64_t> epochs(cores_, 0);  // the epoch of each core's delta in this tick
    auto next = std::chrono::steady_clock::now() + opts_.tick;
    while (p.running) {
        auto wait = next - std::chrono::steady_clock::now();
        if (wait > std::chrono::nanoseconds::zero()) co_await io::sleep(wait).cancel_with(p.tick_wake);
        if (!p.running) break;
        next += opts_.tick;
        if (auto now = std::chrono::steady_clock::now(); next < now) next = now + opts_.tick;

        deltas.clear();
        for (unsigned i = 1; i < cores_; ++i) {
            auto take = [this, i] {
                epoch_delta d{parts_[i]->shard.take_delta(), parts_[i]->epoch++};
                return d;
            };
            epoch_delta d = co_await smp::current().invoke_on(i, std::move(take));
            deltas.push_back(std::move(d.delta));
            epochs[i] = d.epoch;
        }
        deltas.push_back(p.shard.take_delta());
        epochs[0] = p.epoch++;
        const std::int64_t now = now_ms();
        drop_duplicates_of(deltas, now);
        tick(now, deltas);
        // Without a journal, committed means merged. With one, this tick's deliveries are settled
        // once it is durable; a failed commit keeps them (and their credit) until a later one works.
        const auto commit_start = std::chrono::steady_clock::now();
        const bool committed = co_await commit_tick(now, deltas);
        if (journal_ || pg_)
            commit_us_.record(std::uint64_t(std::chrono::duration_cast<std::chrono::microseconds>(
                                                std::chrono::steady_clock::now() - commit_start)
                                                .count()));
        if (committed) notify_committed(epochs);
        // This core's storage goes back to its shard; the others' is freed (it was made on their core).
        p.shard.recycle(std::move(deltas.back()));
    }
    // The journal, PostgreSQL and the Redis writer go on this core, with nothing in flight.
    journal_.reset();
    pg_.reset();
    if (cache_) {
        co_await cache_->settle(std::chrono::seconds(3));
        cache_.reset();
    }
}

// Each core's listeners hear the epoch of the delta this tick took from that core.
void analytics::notify_committed(const std::vector<std::uint64_t>& epochs) {
    const unsigned self = unsigned(reactor::current().core());
    for (unsigned i = 0; i < cores_; ++i) {
        auto tell = [this, e = epochs[i]] {
            for (commit_listener* l : std::vector<commit_listener*>(local().listeners)) l->committed(e);
        };
        if (i == self)
            tell();
        else
            smp::current().submit_to(i, std::move(tell));
    }
}

void analytics::tick(std::int64_t now, std::vector<metric_delta>& deltas) {
    auto& p = local();
    p.stats.ticks.add();
    for (const metric_delta& d : deltas) {
        if (d.empty()) continue;
        if (auto r = state_.merge(d, now); !r) {
            p.stats.merge_errors.add();
            log_error("tick: a shard delta of {} orders was not merged: {}", d.orders, r.err().reason);
        }
    }
    kpi_snapshot snap = state_.snapshot(now);
    pending_orders_ |= snap.orders_changed;
    pending_payments_ |= snap.payments_changed;
    pending_window_ |= snap.window_changed;
    pending_batches_.insert(pending_batches_.end(), snap.batches.begin(), snap.batches.end());

    // Broadcasts happen on ticks, and ticks wake a little late or early: measured strictly, a 10 ms
    // interval on a 10 ms tick would skip every other tick (9.9 ms since the last one is not 10).
    // Due once the interval minus half a tick has passed, so each interval gets the tick nearest it.
    const bool due = now - last_broadcast_ms_ >= opts_.broadcast_interval.count() - opts_.tick.count() / 2;
    last_published_ = make_published(std::move(snap));
    if (cache_) {
        recent_.clear();
        state_.history(now, 2, recent_);
        cache_->publish(last_published_->snapshot, recent_);
    }
    if (due) broadcast(now);
    publish(last_published_, due);
}

// One record per hub method that has news; a connection gets the ones of the groups it is in, in
// one frame. Batches closed since the last broadcast go out oldest first.
void analytics::broadcast(std::int64_t now) {
    last_broadcast_ms_ = now;
    if (!pending_orders_ && !pending_payments_ && !pending_window_ && pending_batches_.empty()) return;
    const kpi_snapshot& s = last_published_->snapshot;
    std::vector<signalr::targeted_record> records;
    if (pending_orders_) {
        std::string arg;
        append_metrics_update(arg, s);
        records.push_back({"", record_of("ReceiveMetricsUpdate", std::move(arg))});
    }
    if (pending_payments_) {
        std::string arg;
        append_payment_metrics_update(arg, s);
        records.push_back({"payments", record_of("ReceivePaymentMetricsUpdate", std::move(arg))});
    }
    if (pending_window_) {
        std::string arg;
        append_sliding_window_update(arg, s.window);
        records.push_back({"window", record_of("ReceiveSlidingWindowUpdate", std::move(arg))});
    }
    // send_each takes at most 64 records: past about 6,000 orders per broadcast interval not every
    // batch fits, and the newest ones (what a dashboard's batch ticker shows) go out.
    const std::size_t room = 64 - records.size();
    const std::size_t skip = pending_batches_.size() > room ? pending_batches_.size() - room : 0;
    for (std::size_t i = skip; i < pending_batches_.size(); ++i) {
        std::string arg;
        append_batch_update(arg, pending_batches_[i]);
        records.push_back({"batches", record_of("ReceiveBatchUpdate", std::move(arg))});
    }
    if (skip > 0) {
        local().stats.batches_skipped.add(skip);
        skipped_since_warn_ += skip;
        if (now - last_batch_warn_ms_ >= 60'000) {
            log_warn("broadcast: {} closed batches were not broadcast in the last minute (more than {} per "
                     "broadcast interval; the newest went out; see tallyhub_batches_skipped_total)",
                     skipped_since_warn_, room);
            last_batch_warn_ms_ = now;
            skipped_since_warn_ = 0;
        }
    }
    pending_orders_ = pending_payments_ = pending_window_ = false;
    pending_batches_.clear();
    local().stats.broadcasts.add();
    if (endpoint_) endpoint_->send_each(std::move(records), kpi_frame_kind);
}

// Every core gets the snapshot; on broadcast ticks its SSE clients get the current metrics.
void analytics::publish(std::shared_ptr<const published_metrics> snap, bool broadcast_tick) {
    auto deliver = [this, snap, broadcast_tick] {
        auto& p = local();
        p.latest = snap;
        if (!broadcast_tick || p.sse.empty()) return;
        std::string event;
        event.reserve(snap->current_json.size() + 8);
        event += "data: ";
        event += snap->current_json;
        event += "\n\n";
        shared_bytes frame(event);
        for (net::connection* c : p.sse) c->send_latest(frame, kpi_frame_kind);
    };
    const unsigned self = unsigned(reactor::current().core());
    for (unsigned i = 0; i < cores_; ++i)
        if (i != self) smp::current().submit_to(i, deliver);
    deliver();
}

task<void> analytics::heartbeat_loop() {
    auto& p = local();
    while (p.running) {
        co_await io::sleep(opts_.sse_heartbeat).cancel_with(p.heartbeat_wake);
        if (!p.running) break;
        shared_bytes beat(std::string(": heartbeat\n\n"));
        // A client that has not read even the heartbeats since its queue filled is gone for good.
        for (net::connection* c : p.sse)
            if (c->send(beat) == net::send_status::dropped) c->stop_reading();
    }
}

task<std::string> analytics::history_json(std::int64_t seconds) {
    auto query = [this, seconds] {
        std::vector<history_point> points;
        state_.history(now_ms(), seconds, points);
        std::string out;
        append_history(out, points);
        return out;
    };
    std::string json = co_await smp::current().invoke_on(0, std::move(query));
    co_return json;
}

task<std::string> analytics::daily_sales_json(std::int64_t days) {
    auto query = [this, days] {
        std::vector<daily_sales_row> rows;
        state_.daily(now_ms(), days, rows);
        std::string out;
        append_daily_sales(out, rows);
        return out;
    };
    std::string json = co_await smp::current().invoke_on(0, std::move(query));
    co_return json;
}

}  // namespace tallyhub::app
