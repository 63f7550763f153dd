#include "app/dedup_window.hpp"

namespace tallyhub::app {

bool dedup_window::insert(const dedup_key& key, std::int64_t at_ms) {
    if (!keys_.insert(key).second) return false;
    order_.emplace_back(at_ms, key);
    while (order_.size() > max_keys_) {
        keys_.erase(order_.front().second);
        order_.pop_front();
        ++evicted_;
    }
    return true;
}

void dedup_window::expire(std::int64_t now_ms) {
    while (!order_.empty() && order_.front().first < now_ms - window_ms_) {
        keys_.erase(order_.front().second);
        order_.pop_front();
    }
}

}  // namespace tallyhub::app
