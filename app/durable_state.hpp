#pragma once
// What tallyhub keeps in its journal (store/journal.hpp), and how it is read back (DESIGN §6).
//
// - A tick record: the merged changes of one tick after deduplication (totals, per-second counts:
//   they feed the sliding window, the chart history and daily sales) and the dedup keys it counted.
//   Batches are not kept: they are broadcast events, not state.
// - A snapshot: the whole state at a tick: totals, every retained day, the window's seconds, and
//   the dedup keys with their times.
// Replaying a snapshot and the records after it gives the same totals, days, window and dedup
// window as before the restart. Binary, little-endian, every length checked when read.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "app/daily_sales.hpp"
#include "app/dedup_window.hpp"
#include "app/kpi_state.hpp"
#include "app/metric_shard.hpp"
#include "app/sliding_window.hpp"
#include "core/result.hpp"

namespace tallyhub::app {

/// One tick's changes, as read back from a record.
struct tick_record {
    std::int64_t tick_ms = 0;
    metric_delta delta;              ///< totals and seconds; no order prefix (no batches on replay)
    std::vector<dedup_key> keys;     ///< dedup keys counted in this tick
};

/// Appends the record of a tick: the sum of `deltas` (already deduplicated) and the keys of
/// their keyed entries except those at `duplicates[i]` (indices into deltas[i].keyed).
void encode_tick_record(std::string& out, std::int64_t tick_ms, std::span<const metric_delta> deltas,
                        std::span<const std::vector<std::size_t>> duplicates);
result<void> decode_tick_record(std::string_view in, tick_record& out);

/// The whole state, for a snapshot.
void encode_snapshot(std::string& out, std::int64_t now_ms, kpi_state& state, const dedup_window& dedup,
                     std::int64_t window_seconds);
/// Loads a snapshot into empty `state` and `dedup`.
result<void> load_snapshot(std::string_view in, kpi_state& state, dedup_window& dedup);
/// Applies a decoded record to `state` and `dedup`.
result<void> replay_tick(const tick_record& r, kpi_state& state, dedup_window& dedup);

}  // namespace tallyhub::app
