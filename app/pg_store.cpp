#include "app/pg_store.hpp"

#include <algorithm>
#include <cstring>

#include "core/io.hpp"
#include "core/log.hpp"

namespace tallyhub::app {

namespace {

using namespace std::chrono_literals;
namespace ps = store::pg_schema;

constexpr std::int64_t ms_per_day = 86'400'000;

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

dedup_key key_of_bytes(std::string_view b) {
    dedup_key k;
    if (b.size() == 16) {
        std::memcpy(&k.lo, b.data(), 8);
        std::memcpy(&k.hi, b.data() + 8, 8);
    }
    return k;
}

}  // namespace

pg_store::pg_store(store::pg_conninfo info, std::int64_t dedup_window_ms)
    : client_(std::move(info)), dedup_window_ms_(dedup_window_ms) {}

pg_store::~pg_store() = default;

std::string pg_store::not_ready() const {
    if (!restored_)
        return "starting: restoring from PostgreSQL " + client_.conninfo().display +
               (start_error_.empty() ? std::string() : " (" + start_error_ + ")");
    if (pending_ticks_ > 1 && !client_.health().ok())
        return "PostgreSQL " + client_.conninfo().display + " " + client_.health().describe() + "; " +
               std::to_string(pending_ticks_) + " tick(s) wait, deliveries are not settled";
    return {};
}

task<bool> pg_store::start(kpi_state& state, dedup_window& dedup, const bool* running) {
    for (int attempt = 1; *running; ++attempt) {
        std::string why;
        auto v = co_await ps::ensure(client_, &why);
        if (v) {
            const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count();
            auto rows = co_await client_.run(ps::restore_batch(floor_div(now, ms_per_day) - 400, now - dedup_window_ms_));
            if (rows) {
                auto r = ps::parse_restore(*rows, &why);
                if (r) {
                    std::vector<daily_sales_row> days;
                    for (const auto& d : r->days) days.push_back({d.day, d.orders, money{d.revenue_units}, d.payments});
                    state.restore(kpi_totals{r->orders, money{r->revenue_units}, r->payments}, days, {});
                    std::size_t keys = 0;
                    for (const auto& t : r->dedup) {
                        for (const std::string& k : t.keys) dedup.insert(key_of_bytes(k), t.at_ms);
                        keys += t.keys.size();
                    }
                    next_tick_ = r->last_tick + 1;
                    restored_ = true;
                    log_info("postgres {}: schema version {} (was {}); restored {} orders, {} payments, {} day(s), {} dedup key(s)",
                             client_.conninfo().display, ps::current_version, *v, r->orders, r->payments, r->days.size(), keys);
                    co_return true;
                }
            } else {
                why = client_.last_error();
            }
        }
        start_error_ = why;
        TALLYHUB_LOG_LIMITED(log_level::warn, 1, "postgres {}: cannot start yet ({}); retrying",
                             client_.conninfo().display, why);
        co_await io::sleep(std::min<std::chrono::milliseconds>(100ms * (1 << std::min(attempt, 6)), 5s));
    }
    co_return false;
}

void pg_store::pending::add(const std::vector<metric_delta>& deltas,
                            const std::vector<std::vector<std::size_t>>& duplicates) {
    for (std::size_t i = 0; i < deltas.size(); ++i) {
        const metric_delta& d = deltas[i];
        orders += d.orders;
        revenue_units += d.revenue.units;
        payments += d.payments;
        for (const second_counts& s : d.seconds) {
            const std::int64_t day = floor_div(s.second, 86'400);
            auto it = std::find_if(days.begin(), days.end(), [day](const auto& x) { return x.day == day; });
            if (it == days.end()) it = days.insert(days.end(), ps::day_delta{day, 0, 0, 0});
            it->orders += s.orders;
            it->revenue_units += s.revenue.units;
            it->payments += s.payments;
        }
        static const std::vector<std::size_t> none;
        const auto& dups = i < duplicates.size() ? duplicates[i] : none;
        std::size_t next_dup = 0;
        for (std::size_t k = 0; k < d.keyed.size(); ++k) {
            if (next_dup < dups.size() && dups[next_dup] == k) {
                ++next_dup;
                continue;
            }
            char b[16];
            std::memcpy(b, &d.keyed[k].key.lo, 8);
            std::memcpy(b + 8, &d.keyed[k].key.hi, 8);
            keys.append(b, 16);
        }
    }
    ++ticks;
}

task<bool> pg_store::commit(std::int64_t now_ms, const std::vector<metric_delta>& deltas,
                            const std::vector<std::vector<std::size_t>>& duplicates) {
    (frozen_ ? later_ : current_).add(deltas, duplicates);
    pending_ticks_ = current_.ticks + later_.ticks;
    bool ok = co_await try_commit(now_ms);
    if (ok && !later_.empty()) {
        // The retried tick is known committed: what came during the retries goes now.
        current_ = std::move(later_);
        later_ = pending{};
        ok = co_await try_commit(now_ms);
    }
    pending_ticks_ = current_.ticks + later_.ticks;
    co_return ok && later_.empty();
}

task<bool> pg_store::try_commit(std::int64_t now_ms) {
    if (current_.empty()) {
        current_ = pending{};
        frozen_ = false;
        co_return true;
    }
    ps::tick_delta t;
    t.tick = next_tick_;
    t.at_ms = now_ms;
    t.orders = current_.orders;
    t.revenue_units = current_.revenue_units;
    t.payments = current_.payments;
    t.days = current_.days;
    for (std::size_t off = 0; off + 16 <= current_.keys.size(); off += 16)
        t.dedup_keys.emplace_back(current_.keys.data() + off, 16);
    t.prune_before_ms = now_ms - dedup_window_ms_;
    auto r = co_await client_.run(ps::tick_batch(t));
    if (r || ps::is_duplicate_tick(client_.last_failure())) {
        ++next_tick_;
        current_ = pending{};
        frozen_ = false;
        if (was_down_) log_info("postgres {}: committing again", client_.conninfo().display);
        was_down_ = false;
        co_return true;
    }
    // Outcome unknown: this tick again, unchanged, until it is known. Anything else: nothing was
    // committed, and later ticks join this one.
    frozen_ = client_.last_failure().kind == store::pg_errc::outcome_unknown;
    if (!was_down_)
        log_warn("postgres {}: tick not committed ({}); deliveries wait, dashboards are served from memory",
                 client_.conninfo().display, client_.last_error());
    was_down_ = true;
    co_return false;
}

}  // namespace tallyhub::app
