#include "app/live_cache.hpp"

#include "app/kpi_json.hpp"
#include "core/io.hpp"
#include "core/log.hpp"
#include "core/reactor.hpp"

namespace tallyhub::app {

live_cache::live_cache(store::redis_endpoint where, std::int64_t window_seconds)
    : client_(std::move(where)), window_seconds_(window_seconds) {}

live_cache::~live_cache() = default;

void live_cache::publish(const kpi_snapshot& snap, const std::vector<history_point>& recent) {
    if (in_flight_) {
        ++stats_.skipped;
        return;
    }
    const std::string ttl = std::to_string(std::max<std::int64_t>(window_seconds_, 1));
    std::vector<store::redis_command> cmds;
    std::string json;
    append_realtime_metrics(json, snap);
    cmds.push_back({"SET", "realtime-metrics", std::move(json), "EX", "86400"});
    json.clear();
    append_sliding_window_update(json, snap.window);
    cmds.push_back({"SET", "tallyhub:sliding-window", std::move(json), "EX", ttl});
    for (const history_point& p : recent) {
        json.clear();
        append_second(json, p);
        cmds.push_back({"SET", "tallyhub:second:" + std::to_string(p.second), json, "EX", ttl});
    }
    in_flight_ = true;
    reactor::current().spawn(write(std::move(cmds)));
}

task<void> live_cache::write(std::vector<store::redis_command> commands) {
    auto r = co_await client_.pipeline(std::move(commands));
    in_flight_ = false;
    bool ok = r.ok();
    if (ok)
        for (const store::redis_reply& reply : *r) ok = ok && !reply.is_error();
    if (ok) {
        ++stats_.writes;
        if (was_down_) log_info("redis {}: writing live state again", client_.endpoint().display());
        was_down_ = false;
        co_return;
    }
    ++stats_.failures;
    if (!was_down_) {
        log_warn("redis {}: live state not written ({}); dashboards are served from memory, retrying",
                 client_.endpoint().display(), r.ok() ? std::string("an error reply") : client_.last_error());
    }
    was_down_ = true;
}

task<void> live_cache::settle(std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (in_flight_ && std::chrono::steady_clock::now() < until) co_await io::sleep(std::chrono::milliseconds(10));
}

}  // namespace tallyhub::app
