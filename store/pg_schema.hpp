#pragma once
// tallyhub's tables in PostgreSQL (--postgres, DESIGN §6), their migrations, the per-tick
// transaction and the restore at start. Builds batches for store/pg_client.hpp; no I/O of its own
// except ensure(), which runs the migrations through a client.
//
//   tallyhub_schema_version (id = 1, version)            one row: the migrations applied
//   tallyhub_totals  (id = 1, orders, revenue numeric(20,4), payments, last_tick)   one row
//   tallyhub_daily_sales (day date PK, order_count, revenue numeric(20,4), payments)
//   tallyhub_dedup   (tick PK, at_ms, key_count, keys bytea)  one row per committed tick
//
// Why one dedup row per tick, its keys packed in a bytea (each key: LEB128 length, bytes), rather
// than a row per key: at 100k events/s a row per key means 100k inserts and 100k deletes a second,
// each with a 24-byte tuple header and two index entries, while the keys are only ever read back
// all at once at start (the window itself lives in memory). A row per tick is ten rows a second, its
// bytea compressed by TOAST, pruned by at_ms with one index. And its primary key makes a tick
// idempotent: the dedup insert comes first in the transaction, so a tick sent twice (retried after
// pg_errc::outcome_unknown) fails with unique_violation (SQLSTATE 23505) on tallyhub_dedup_pkey and
// adds nothing: is_duplicate_tick() tells the caller it was already committed.
//
// Money crosses as numeric text with 4 fractional digits ("-12.3400"): exact both ways, from and to
// int64 units of 1/10000 (app/money.hpp). Days are days since 1970-01-01, as text 'YYYY-MM-DD'.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/task.hpp"
#include "store/pg_client.hpp"

namespace tallyhub::store::pg_schema {

/// The schema this build creates and expects.
inline constexpr int current_version = 1;

/// Creates or migrates the tables (idempotent; several nodes may start at once: an advisory lock
/// serialises them). Returns the version found before (0 for a fresh database). Fails when the
/// database is newer than this build; `why` (when given) says so, or relays the client's failure.
task<result<int>> ensure(pg_client& client, std::string* why = nullptr);

/// The statements of migration `version` (1 … current_version), each idempotent.
std::vector<std::string> migration(int version);

/// One UTC day's changes in a tick.
struct day_delta {
    std::int64_t day = 0;            ///< days since 1970-01-01
    std::int64_t orders = 0;
    std::int64_t revenue_units = 0;  ///< 1/10000 of the currency unit
    std::int64_t payments = 0;
};

/// What one tick commits: deltas added to the stored sums, and the dedup keys it counted.
struct tick_delta {
    std::int64_t tick = 0;           ///< sequence number, above every committed tick (restored last_tick + 1, …)
    std::int64_t at_ms = 0;          ///< the tick's time (unix ms): the dedup window prunes by it
    std::int64_t orders = 0;
    std::int64_t revenue_units = 0;
    std::int64_t payments = 0;
    std::vector<day_delta> days;
    std::vector<std::string_view> dedup_keys;  ///< viewed only while tick_batch() runs
    std::int64_t prune_before_ms = 0;          ///< delete dedup rows with at_ms below this (0: none)
};

/// The tick's transaction: dedup row first (the idempotency guard), totals, one upsert per day,
/// then the prune. Run it with pg_client::run().
pg_batch tick_batch(const tick_delta& t);

/// True when `f` is the failure of a tick that was already committed (its dedup row exists).
bool is_duplicate_tick(const pg_failure& f);

/// The restore at start, in one REPEATABLE READ, READ ONLY transaction: totals, the days from
/// `first_day` on, the dedup rows with at_ms ≥ `dedup_since_ms`.
pg_batch restore_batch(std::int64_t first_day, std::int64_t dedup_since_ms);

/// A committed tick's dedup keys.
struct dedup_tick {
    std::int64_t tick = 0;
    std::int64_t at_ms = 0;
    std::vector<std::string> keys;
};

/// What restore_batch() read back.
struct restored_state {
    std::int64_t orders = 0;
    std::int64_t revenue_units = 0;
    std::int64_t payments = 0;
    std::int64_t last_tick = 0;      ///< the next tick is last_tick + 1
    std::vector<day_delta> days;     ///< oldest first
    std::vector<dedup_tick> dedup;   ///< oldest tick first
};

/// Parses restore_batch()'s results. Fails (EBADMSG) on a value that does not fit (money beyond
/// int64 units, a malformed bytea): `why` names it.
result<restored_state> parse_restore(const std::vector<pg_result>& results, std::string* why = nullptr);

/// int64 units of 1/10000 as numeric text: 123456 → "12.3456", -5 → "-0.0005".
std::string format_money(std::int64_t units);
/// Numeric text back to units: [-]digits[.up to 4 digits]. EINVAL on bad text, ERANGE beyond int64.
result<std::int64_t> parse_money(std::string_view text);

/// Packs keys into the dedup bytea (LEB128 length + bytes each) and back (EBADMSG when malformed).
std::string encode_keys(std::span<const std::string_view> keys);
result<std::vector<std::string>> decode_keys(std::string_view packed);

/// Bytes as a bytea literal in hex form ("\x0a1b…"), and back from the server's hex output.
std::string to_bytea_hex(std::string_view bytes);
result<std::string> from_bytea_hex(std::string_view text);

/// Day number as 'YYYY-MM-DD' and back.
std::string format_day(std::int64_t day);
result<std::int64_t> parse_day(std::string_view text);

}  // namespace tallyhub::store::pg_schema
