#include "app/order_batcher.hpp"

#include <algorithm>
#include <utility>

namespace tallyhub::app {

order_batcher::order_batcher(std::int64_t max_orders, std::int64_t max_age_ms)
    : max_orders_(max_orders < 1 ? 1 : max_orders), max_age_ms_(max_age_ms) {}

void order_batcher::close(std::int64_t now_ms) {
    closed_.push_back(closed_batch{open_count_, open_revenue_, now_ms});
    open_count_ = 0;
    open_revenue_ = money{};
}

void order_batcher::close_expired(std::int64_t now_ms) {
    if (open_count_ > 0 && now_ms - opened_at_ms_ >= max_age_ms_) close(now_ms);
}

// Walks the run in slices that each fill the open batch or exhaust the run: O(closed batches + 1).
void order_batcher::add(std::span<const std::int64_t> prefix, std::int64_t now_ms) {
    close_expired(now_ms);
    const auto n = static_cast<std::int64_t>(prefix.size());
    std::int64_t i = 0;
    while (i < n) {
        if (open_count_ == 0) opened_at_ms_ = now_ms;
        const std::int64_t take = std::min(n - i, max_orders_ - open_count_);
        const std::int64_t end = i + take;
        const std::int64_t before = i == 0 ? 0 : prefix[static_cast<std::size_t>(i - 1)];
        // Sums of non-negative amounts bounded by the checked global total: no overflow here.
        open_revenue_.units += prefix[static_cast<std::size_t>(end - 1)] - before;
        open_count_ += take;
        i = end;
        if (open_count_ == max_orders_) close(now_ms);
    }
}

std::vector<closed_batch> order_batcher::take_closed() {
    std::vector<closed_batch> out;
    out.swap(closed_);
    return out;
}

}  // namespace tallyhub::app
