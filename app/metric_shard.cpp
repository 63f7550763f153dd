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

result<void> metric_shard::apply_order(money amount, std::int64_t at_ms) {
    if (amount.units < 0) return negative;
    money total = delta_.revenue;
    if (!add_into(total, amount)) return overflow;
    // Every other sum in the delta is part of `total`, so none of them can overflow either.
    delta_.revenue = total;
    ++delta_.orders;
    delta_.order_prefix.push_back(total.units);
    second_counts& b = bucket(unix_second(at_ms));
    ++b.orders;
    b.revenue.units += amount.units;
    return {};
}

result<void> metric_shard::apply_payment(std::int64_t at_ms) {
    ++delta_.payments;
    ++bucket(unix_second(at_ms)).payments;
    return {};
}

metric_delta metric_shard::take_delta() {
    metric_delta out = std::move(delta_);
    const std::size_t prefix_cap = out.order_prefix.capacity();
    const std::size_t seconds_cap = out.seconds.capacity();
    delta_ = std::move(spare_);
    delta_.clear();
    spare_ = metric_delta{};
    if (delta_.order_prefix.capacity() < prefix_cap) delta_.order_prefix.reserve(prefix_cap);
    if (delta_.seconds.capacity() < seconds_cap) delta_.seconds.reserve(seconds_cap);
    return out;
}

void metric_shard::recycle(metric_delta&& spent) {
    if (spent.order_prefix.capacity() > spare_.order_prefix.capacity()) spare_ = std::move(spent);
}

}  // namespace tallyhub::app
