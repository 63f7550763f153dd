#include "store/pg_schema.hpp"

#include <cerrno>

#include <fmt/format.h>

namespace tallyhub::store::pg_schema {

namespace {

// pg_advisory_xact_lock key shared by every tallyhub node: "tallyhub" in ASCII, big-endian.
constexpr const char* migration_lock = "SELECT pg_advisory_xact_lock(8386103194289730914)";

constexpr error too_new{EPROTO, "the database's tallyhub schema is newer than this build: upgrade tallyhub"};
constexpr error bad_version{EBADMSG, "tallyhub_schema_version holds no readable version"};
constexpr error bad_restore{EBADMSG, "the restore read a value it cannot use"};

std::string str(std::int64_t v) { return std::to_string(v); }

}  // namespace

std::vector<std::string> migration(int version) {
    switch (version) {
    case 1:
        return {
            "CREATE TABLE IF NOT EXISTS tallyhub_totals ("
            " id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),"
            " orders bigint NOT NULL DEFAULT 0,"
            " revenue numeric(20,4) NOT NULL DEFAULT 0,"
            " payments bigint NOT NULL DEFAULT 0,"
            " last_tick bigint NOT NULL DEFAULT 0)",
            "INSERT INTO tallyhub_totals (id) VALUES (1) ON CONFLICT DO NOTHING",
            "CREATE TABLE IF NOT EXISTS tallyhub_daily_sales ("
            " day date PRIMARY KEY,"
            " order_count bigint NOT NULL DEFAULT 0,"
            " revenue numeric(20,4) NOT NULL DEFAULT 0,"
            " payments bigint NOT NULL DEFAULT 0)",
            "CREATE TABLE IF NOT EXISTS tallyhub_dedup ("
            " tick bigint PRIMARY KEY,"
            " at_ms bigint NOT NULL,"
            " key_count integer NOT NULL,"
            " keys bytea NOT NULL)",
            "CREATE INDEX IF NOT EXISTS tallyhub_dedup_at_ms ON tallyhub_dedup (at_ms)",
        };
    default: return {};
    }
}

// Two transactions: read the version (creating the version table), then apply what is missing.
// Both hold the advisory lock, so nodes starting together migrate one after the other; the second
// finds nothing left to do (every step is idempotent, and the version only moves up).
task<result<int>> ensure(pg_client& client, std::string* why) {
    pg_batch probe;
    probe.add(migration_lock)
        .add("CREATE TABLE IF NOT EXISTS tallyhub_schema_version ("
             " id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1), version integer NOT NULL)")
        .add("INSERT INTO tallyhub_schema_version (id, version) VALUES (1, 0) ON CONFLICT DO NOTHING")
        .add("SELECT version FROM tallyhub_schema_version WHERE id = 1");
    auto found = co_await client.run(std::move(probe));
    if (!found) {
        if (why) *why = client.last_error();
        co_return found.err();
    }
    const pg_result& row = found->back();
    if (row.rows.size() != 1 || !row.rows[0][0]) {
        if (why) *why = "tallyhub_schema_version has no row";
        co_return bad_version;
    }
    int version = std::atoi(row.rows[0][0]->c_str());
    if (version > current_version) {
        if (why) *why = fmt::format("the database has tallyhub schema version {}; this build knows up to {}", version,
                                    current_version);
        co_return too_new;
    }
    if (version == current_version) co_return version;

    pg_batch upgrade;
    upgrade.add(migration_lock);
    for (int v = version + 1; v <= current_version; ++v)
        for (auto& sql : migration(v)) upgrade.add(std::move(sql));
    upgrade.add("UPDATE tallyhub_schema_version SET version = GREATEST(version, $1::integer) WHERE id = 1",
                {std::to_string(current_version)});
    auto applied = co_await client.run(std::move(upgrade));
    if (!applied) {
        if (why) *why = client.last_error();
        co_return applied.err();
    }
    co_return version;
}

pg_batch tick_batch(const tick_delta& t) {
    pg_batch b;
    b.statements.reserve(3 + t.days.size());
    b.add("INSERT INTO tallyhub_dedup (tick, at_ms, key_count, keys) VALUES ($1, $2, $3, $4::bytea)",
          {str(t.tick), str(t.at_ms), str(std::int64_t(t.dedup_keys.size())), to_bytea_hex(encode_keys(t.dedup_keys))});
    b.add("INSERT INTO tallyhub_totals AS t (id, orders, revenue, payments, last_tick) VALUES (1, $1, $2, $3, $4) "
          "ON CONFLICT (id) DO UPDATE SET orders = t.orders + EXCLUDED.orders, revenue = t.revenue + EXCLUDED.revenue, "
          "payments = t.payments + EXCLUDED.payments, last_tick = GREATEST(t.last_tick, EXCLUDED.last_tick)",
          {str(t.orders), format_money(t.revenue_units), str(t.payments), str(t.tick)});
    for (const day_delta& d : t.days) {
        b.add("INSERT INTO tallyhub_daily_sales AS d (day, order_count, revenue, payments) "
              "VALUES ($1::date, $2, $3, $4) "
              "ON CONFLICT (day) DO UPDATE SET order_count = d.order_count + EXCLUDED.order_count, "
              "revenue = d.revenue + EXCLUDED.revenue, payments = d.payments + EXCLUDED.payments",
              {format_day(d.day), str(d.orders), format_money(d.revenue_units), str(d.payments)});
    }
    if (t.prune_before_ms > 0) b.add("DELETE FROM tallyhub_dedup WHERE at_ms < $1", {str(t.prune_before_ms)});
    return b;
}

bool is_duplicate_tick(const pg_failure& f) {
    return f.kind == pg_errc::rolled_back && f.sqlstate == "23505" && f.statement == 0;
}

pg_batch restore_batch(std::int64_t first_day, std::int64_t dedup_since_ms) {
    pg_batch b;
    b.begin = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
    b.add("SELECT orders, revenue, payments, last_tick FROM tallyhub_totals WHERE id = 1");
    b.add("SELECT day, order_count, revenue, payments FROM tallyhub_daily_sales WHERE day >= $1::date ORDER BY day",
          {format_day(first_day)});
    b.add("SELECT tick, at_ms, keys FROM tallyhub_dedup WHERE at_ms >= $1 ORDER BY tick", {str(dedup_since_ms)});
    return b;
}

result<restored_state> parse_restore(const std::vector<pg_result>& results, std::string* why) {
    auto refuse = [&](std::string what) -> result<restored_state> {
        if (why) *why = std::move(what);
        return bad_restore;
    };
    auto integer = [](const std::optional<std::string>& v, std::int64_t& out) {
        if (!v) return false;
        char* end = nullptr;
        errno = 0;
        long long n = std::strtoll(v->c_str(), &end, 10);
        if (errno != 0 || end == v->c_str() || *end != '\0') return false;
        out = n;
        return true;
    };
    auto money = [](const std::optional<std::string>& v, std::int64_t& out) {
        if (!v) return false;
        auto m = parse_money(*v);
        if (!m) return false;
        out = *m;
        return true;
    };
    if (results.size() != 3) return refuse(fmt::format("expected 3 results, got {}", results.size()));
    restored_state s;
    if (results[0].rows.size() == 1) {
        const auto& r = results[0].rows[0];
        if (r.size() != 4 || !integer(r[0], s.orders) || !money(r[1], s.revenue_units) || !integer(r[2], s.payments) ||
            !integer(r[3], s.last_tick))
            return refuse("tallyhub_totals: a value is not a number that fits (revenue beyond int64 units?)");
    }
    for (const auto& r : results[1].rows) {
        day_delta d;
        if (r.size() != 4 || !r[0]) return refuse("tallyhub_daily_sales: a row without a day");
        auto day = parse_day(*r[0]);
        if (!day || !integer(r[1], d.orders) || !money(r[2], d.revenue_units) || !integer(r[3], d.payments))
            return refuse(fmt::format("tallyhub_daily_sales: day {}: a value does not fit", *r[0]));
        d.day = *day;
        s.days.push_back(d);
    }
    for (const auto& r : results[2].rows) {
        dedup_tick t;
        if (r.size() != 3 || !integer(r[0], t.tick) || !integer(r[1], t.at_ms) || !r[2])
            return refuse("tallyhub_dedup: a row without tick, at_ms or keys");
        auto bytes = from_bytea_hex(*r[2]);
        if (!bytes) return refuse(fmt::format("tallyhub_dedup: tick {}: keys are not hex bytea", t.tick));
        auto keys = decode_keys(*bytes);
        if (!keys) return refuse(fmt::format("tallyhub_dedup: tick {}: keys are malformed", t.tick));
        t.keys = std::move(*keys);
        s.dedup.push_back(std::move(t));
    }
    return s;
}

}  // namespace tallyhub::store::pg_schema
