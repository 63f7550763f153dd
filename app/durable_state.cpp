#include "app/durable_state.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace tallyhub::app {

namespace {

static_assert(std::endian::native == std::endian::little, "the journal format is little-endian");

constexpr char record_magic = 'T';
constexpr char snapshot_magic = 'S';
constexpr char format_version = 1;

constexpr error truncated{1, "journal entry cut short"};
constexpr error bad_magic{2, "not a tallyhub journal entry (or a newer format)"};
constexpr error too_many{3, "journal entry count larger than its bytes"};
constexpr error merge_failed{4, "journal entry does not apply (a total would overflow)"};

template <typename T>
void put(std::string& out, T v) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out.append(b, sizeof(T));
}

void put_key(std::string& out, const dedup_key& key) {
    put(out, key.lo);
    put(out, key.hi);
}

class cursor {
public:
    explicit cursor(std::string_view in) : in_(in) {}
    template <typename T>
    bool get(T& v) {
        if (in_.size() < sizeof(T)) return false;
        std::memcpy(&v, in_.data(), sizeof(T));
        in_.remove_prefix(sizeof(T));
        return true;
    }
    bool get_key(dedup_key& key) { return get(key.lo) && get(key.hi); }
    // A count of items of at least `min_size` bytes each that must fit in what is left.
    bool get_count(std::uint32_t& n, std::size_t min_size) {
        return get(n) && std::size_t(n) <= in_.size() / min_size;
    }
    bool at_end() const noexcept { return in_.empty(); }

private:
    std::string_view in_;
};

bool header(cursor& c, char magic) {
    char m = 0, v = 0;
    return c.get(m) && c.get(v) && m == magic && v == format_version;
}

}  // namespace

void encode_tick_record(std::string& out, std::int64_t tick_ms, std::span<const metric_delta> deltas,
                        std::span<const std::vector<std::size_t>> duplicates) {
    metric_delta sum;
    for (const metric_delta& d : deltas) {
        sum.orders += d.orders;
        sum.revenue.units += d.revenue.units;
        sum.payments += d.payments;
        for (const second_counts& s : d.seconds) {
            auto it = std::find_if(sum.seconds.begin(), sum.seconds.end(), [&](const auto& x) { return x.second == s.second; });
            if (it == sum.seconds.end()) {
                sum.seconds.push_back(s);
            } else {
                it->orders += s.orders;
                it->revenue.units += s.revenue.units;
                it->payments += s.payments;
            }
        }
    }
    out.push_back(record_magic);
    out.push_back(format_version);
    put(out, tick_ms);
    put(out, sum.orders);
    put(out, sum.revenue.units);
    put(out, sum.payments);
    put<std::uint32_t>(out, std::uint32_t(sum.seconds.size()));
    for (const second_counts& s : sum.seconds) {
        put(out, s.second);
        put(out, s.orders);
        put(out, s.revenue.units);
        put(out, s.payments);
    }
    std::uint32_t keys = 0;
    for (std::size_t i = 0; i < deltas.size(); ++i) keys += std::uint32_t(deltas[i].keyed.size() - duplicates[i].size());
    put(out, keys);
    for (std::size_t i = 0; i < deltas.size(); ++i) {
        const auto& dups = duplicates[i];
        std::size_t next_dup = 0;
        for (std::size_t k = 0; k < deltas[i].keyed.size(); ++k) {
            if (next_dup < dups.size() && dups[next_dup] == k) {
                ++next_dup;
                continue;
            }
            put_key(out, deltas[i].keyed[k].key);
        }
    }
}

result<void> decode_tick_record(std::string_view in, tick_record& out) {
    cursor c(in);
    if (!header(c, record_magic)) return bad_magic;
    out = tick_record{};
    metric_delta& d = out.delta;
    if (!c.get(out.tick_ms) || !c.get(d.orders) || !c.get(d.revenue.units) || !c.get(d.payments)) return truncated;
    std::uint32_t n;
    if (!c.get_count(n, 32)) return too_many;
    d.seconds.resize(n);
    for (second_counts& s : d.seconds)
        if (!c.get(s.second) || !c.get(s.orders) || !c.get(s.revenue.units) || !c.get(s.payments)) return truncated;
    if (!c.get_count(n, 16)) return too_many;
    out.keys.resize(n);
    for (dedup_key& k : out.keys)
        if (!c.get_key(k)) return truncated;
    return c.at_end() ? result<void>{} : result<void>{truncated};
}

result<void> replay_tick(const tick_record& r, kpi_state& state, dedup_window& dedup) {
    if (!state.merge(r.delta, r.tick_ms)) return merge_failed;
    for (const dedup_key& k : r.keys) dedup.insert(k, r.tick_ms);
    return {};
}

void encode_snapshot(std::string& out, std::int64_t now_ms, kpi_state& state, const dedup_window& dedup,
                     std::int64_t window_seconds) {
    out.push_back(snapshot_magic);
    out.push_back(format_version);
    put(out, now_ms);
    const kpi_totals& t = state.totals();
    put(out, t.orders);
    put(out, t.revenue.units);
    put(out, t.payments);
    std::vector<daily_sales_row> days;
    state.daily(now_ms, 1'000'000, days);
    put<std::uint32_t>(out, std::uint32_t(days.size()));
    for (const daily_sales_row& d : days) {
        put(out, d.day);
        put(out, d.orders);
        put(out, d.revenue.units);
        put(out, d.payments);
    }
    std::vector<history_point> points;
    state.history(now_ms, window_seconds, points);
    std::uint32_t active = 0;
    for (const history_point& p : points) active += p.orders != 0;
    put(out, active);
    for (const history_point& p : points) {
        if (p.orders == 0) continue;
        put(out, p.second);
        put(out, p.orders);
        put(out, p.revenue.units);
    }
    put<std::uint32_t>(out, std::uint32_t(dedup.size()));
    dedup.for_each([&out](const dedup_key& key, std::int64_t at) {
        put(out, at);
        put_key(out, key);
    });
}

result<void> load_snapshot(std::string_view in, kpi_state& state, dedup_window& dedup) {
    cursor c(in);
    if (!header(c, snapshot_magic)) return bad_magic;
    std::int64_t at_ms;
    kpi_totals t;
    if (!c.get(at_ms) || !c.get(t.orders) || !c.get(t.revenue.units) || !c.get(t.payments)) return truncated;
    std::uint32_t n;
    if (!c.get_count(n, 32)) return too_many;
    std::vector<daily_sales_row> days(n);
    for (daily_sales_row& d : days)
        if (!c.get(d.day) || !c.get(d.orders) || !c.get(d.revenue.units) || !c.get(d.payments)) return truncated;
    if (!c.get_count(n, 24)) return too_many;
    std::vector<history_point> points(n);
    for (history_point& p : points)
        if (!c.get(p.second) || !c.get(p.orders) || !c.get(p.revenue.units)) return truncated;
    state.restore(t, days, points);
    if (!c.get_count(n, 24)) return too_many;
    for (std::uint32_t i = 0; i < n; ++i) {
        std::int64_t at;
        dedup_key k;
        if (!c.get(at) || !c.get_key(k)) return truncated;
        dedup.insert(k, at);
    }
    return c.at_end() ? result<void>{} : result<void>{truncated};
}

}  // namespace tallyhub::app
