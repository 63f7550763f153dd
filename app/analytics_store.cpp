// analytics, the durable side of a tick: deduplication at the merge, the commit to the journal or
// PostgreSQL before settlement, and the journal's recovery at start-up.
#include <chrono>

#include "app/analytics.hpp"
#include "app/durable_state.hpp"
#include "core/log.hpp"

namespace tallyhub::app {

std::string analytics::store_not_ready() const { return pg_ ? pg_->not_ready() : std::string(); }

// A key counted before (within the window), or twice in this tick, is a redelivery: its event is
// taken out of its delta before the merge and settled like the others, so the producer stops.
void analytics::drop_duplicates_of(std::vector<metric_delta>& deltas, std::int64_t now) {
    dedup_.expire(now);
    duplicates_.resize(deltas.size());
    std::uint64_t dropped = 0;
    for (std::size_t i = 0; i < deltas.size(); ++i) {
        auto& dups = duplicates_[i];
        dups.clear();
        const metric_delta& d = deltas[i];
        for (std::size_t k = 0; k < d.keyed.size(); ++k)
            if (!dedup_.insert(d.keyed[k].key, now)) dups.push_back(k);
        if (!dups.empty()) {
            drop_duplicates(deltas[i], dups);
            dropped += dups.size();
        }
    }
    auto& st = local_stats();
    if (dropped > 0) {
        st.duplicates.add(dropped);
        TALLYHUB_LOG_LIMITED(log_level::info, 1, "dedup: {} redelivered event(s) recognised by their message id, not counted again",
                             dropped);
    }
    st.dedup_keys.add(std::int64_t(dedup_.size()) - st.dedup_keys.load());
}

task<bool> analytics::commit_tick(std::int64_t now, const std::vector<metric_delta>& deltas) {
    if (pg_) {
        const bool ok = co_await pg_->commit(now, deltas, duplicates_);
        auto& st = local_stats();
        if (ok) st.commits.add();
        else st.commit_errors.add();
        co_return ok;
    }
    if (!journal_) co_return true;
    auto& st = local_stats();
    bool any = false;
    for (const metric_delta& d : deltas) any = any || !d.empty() || !d.keyed.empty();
    if (any) {
        std::string record;
        encode_tick_record(record, now, deltas, duplicates_);
        if (auto r = journal_->append(record); !r) {
            st.commit_errors.add();
            TALLYHUB_LOG_LIMITED(log_level::error, 1, "journal: a tick record of {} bytes was refused: {}", record.size(),
                                 r.err().reason);
        }
    }
    result<void> c = co_await journal_->commit();
    if (!c) {
        st.commit_errors.add();
        TALLYHUB_LOG_LIMITED(log_level::error, 1, "journal: commit failed, deliveries wait: {}", journal_->last_error());
    } else {
        st.commits.add();
    }
    if (journal_->wants_snapshot() || journal_->failed()) {
        std::string state;
        encode_snapshot(state, now, state_, dedup_, opts_.kpi.window_seconds);
        result<void> s = co_await journal_->snapshot(std::move(state));
        if (s) {
            st.snapshots.add();
            if (!c) c = s;  // the snapshot covers the failed batch
        } else {
            st.commit_errors.add();
            TALLYHUB_LOG_LIMITED(log_level::error, 1, "journal: snapshot failed: {}", journal_->last_error());
        }
    }
    co_return c.ok();
}

store::recovery_report analytics::open_journal(const store::journal_options& opts) {
    store::recovery_visitor v;
    tick_record scratch;
    v.snapshot = [this](std::uint64_t, std::string_view s) { return load_snapshot(s, state_, dedup_); };
    v.record = [this, &scratch](std::uint64_t, std::string_view r) -> result<void> {
        if (auto d = decode_tick_record(r, scratch); !d) return d;
        return replay_tick(scratch, state_, dedup_);
    };
    store::recovery_report report;
    journal_ = store::journal::open(opts, v, &report);
    const std::int64_t now = now_ms();
    dedup_.expire(now);
    publish_before_start(now);
    return report;
}

}  // namespace tallyhub::app
