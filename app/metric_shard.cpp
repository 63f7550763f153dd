#include "app/metric_shard.hpp"

#include <utility>

#include "core/utc_time.hpp"

namespace tallyhub::app {

namespace {

constexpr error negative{static_cast<int>(shard_errc::negative_amount), "amount must not be negative"};
constexpr error overflow{static_cast<int>(shard_errc::overflow), "revenue out of range"};

}  // namespace

void metric_delta::clear() noexcept {
    orders = 0;
    revenue = money{};
    payments = 0;
    seconds.clear();
    order_prefix.clear();
    keyed.clear();
}

void drop_duplicates(metric_delta& d, std::span<const std::size_t> duplicates) {
    if (duplicates.empty()) return;
    std::vector<std::int64_t> removed_at;  // prefix indices of dropped orders, ascending
    for (std::size_t i : duplicates) {
        const keyed_entry& e = d.keyed[i];
        second_counts* b = nullptr;
        for (auto& s : d.seconds)
            if (s.second == e.second) b = &s;
        if (e.order) {
            --d.orders;
            d.revenue.units -= e.amount.units;
            if (b) {
                --b->orders;
                b->revenue.units -= e.amount.units;
            }
            removed_at.push_back(e.prefix_index);
        } else {
            --d.payments;
            if (b) --b->payments;
        }
    }
    if (removed_at.empty()) return;
    // Rebuild the prefix sums without the dropped orders: one pass (duplicates are rare).
    std::vector<std::int64_t> prefix;
    prefix.reserve(d.order_prefix.size() - removed_at.size());
    std::int64_t prev = 0, dropped = 0;
    std::size_t r = 0;
    for (std::size_t i = 0; i < d.order_prefix.size(); ++i) {
        const std::int64_t amount = d.order_prefix[i] - prev;
        prev = d.order_prefix[i];
        if (r < removed_at.size() && std::int64_t(i) == removed_at[r]) {
            dropped += amount;
            ++r;
            continue;
        }
        prefix.push_back(d.order_prefix[i] - dropped);
    }
    d.order_prefix = std::move(prefix);
}

metric_shard::metric_shard() {
    delta_.seconds.reserve(4);
    delta_.order_prefix.reserve(256);
}

// Events arrive in (nearly) time order, so the second is almost always the last one touched; a few
// seconds at most are live in one tick, so the backwards scan is short. A clock step backwards or an
// old timestamp just adds another entry.
second_counts& metric_shard::bucket(std::int64_t second) {
    auto& v = delta_.seconds;
    for (std::size_t i = v.size(); i-- > 0;)
        if (v[i].second == second) return v[i];
    v.push_back(second_counts{second, 0, money{}, 0});
    return v.back();
}

void metric_shard::note_key(std::string_view key, bool order, std::int64_t second, money amount) {
    if (key.empty()) return;
    keyed_entry e;
    e.key = dedup_key_of(key);
    e.order = order;
    e.prefix_index = order ? std::uint32_t(delta_.order_prefix.size() - 1) : 0;
    e.second = second;
    e.amount = amount;
    delta_.keyed.push_back(e);
}

result<void> metric_shard::apply_order(money amount, std::int64_t at_ms, std::string_view key) {
    if (amount.units < 0) return negative;
    money total = delta_.revenue;
    if (!add_into(total, amount)) return overflow;
    // Every other sum in the delta is part of `total`, so none of them can overflow either.
    delta_.revenue = total;
    ++delta_.orders;
    delta_.order_prefix.push_back(total.units);
    const std::int64_t second = unix_second(at_ms);
    second_counts& b = bucket(second);
    ++b.orders;
    b.revenue.units += amount.units;
    note_key(key, true, second, amount);
    return {};
}

result<void> metric_shard::apply_payment(std::int64_t at_ms, std::string_view key) {
    ++delta_.payments;
    const std::int64_t second = unix_second(at_ms);
    ++bucket(second).payments;
    note_key(key, false, second, money{});
    return {};
}

metric_delta metric_shard::take_delta() {
    metric_delta out = std::move(delta_);
    const std::size_t prefix_cap = out.order_prefix.capacity();
    const std::size_t seconds_cap = out.seconds.capacity();
    const std::size_t keyed_cap = out.keyed.capacity();
    delta_ = std::move(spare_);
    delta_.clear();
    spare_ = metric_delta{};
    if (delta_.order_prefix.capacity() < prefix_cap) delta_.order_prefix.reserve(prefix_cap);
    if (delta_.seconds.capacity() < seconds_cap) delta_.seconds.reserve(seconds_cap);
    if (delta_.keyed.capacity() < keyed_cap) delta_.keyed.reserve(keyed_cap);
    return out;
}

void metric_shard::recycle(metric_delta&& spent) {
    if (spent.order_prefix.capacity() > spare_.order_prefix.capacity()) spare_ = std::move(spent);
}

}  // namespace tallyhub::app
