#include "signalr/token_registry.hpp"

#include <cstdint>
#include <utility>

namespace tallyhub::signalr {

namespace {

constexpr error registry_full{static_cast<int>(token_registry::errc::full), "too many pending negotiations"};
constexpr error already_pending{static_cast<int>(token_registry::errc::duplicate),
                                "connection token already pending"};

// Deadlines of taken tokens are dropped in bulk once they outnumber live ones by this much.
constexpr std::size_t stale_slack = 1024;

}  // namespace

std::size_t token_owner(std::string_view token, std::size_t cores) noexcept {
    if (cores == 0) return 0;
    // FNV-1a spreads short strings poorly in its high bits; fmix64 (MurmurHash3's finalizer) fixes
    // that, and the multiply-shift maps to [0, cores) without the bias of a modulo on a 2^64 range.
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : token) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return static_cast<std::size_t>((static_cast<unsigned __int128>(h) * cores) >> 64);
}

token_registry::token_registry(std::chrono::milliseconds ttl, std::size_t max_pending)
    : ttl_(ttl), max_pending_(max_pending) {}

result<void> token_registry::add(std::string token, std::string connection_id, time_point now, bool stateful) {
    sweep(now);
    if (entries_.find(std::string_view(token)) != entries_.end()) return already_pending;
    if (entries_.size() >= max_pending_) return registry_full;
    const time_point expiry = now + ttl_;
    deadlines_.push_back(deadline{expiry, token});
    entries_.emplace(std::move(token), entry{std::move(connection_id), expiry, stateful});
    if (deadlines_.size() > 2 * entries_.size() + stale_slack) compact();
    return {};
}

std::optional<std::string> token_registry::take(std::string_view token, time_point now, bool* stateful) {
    auto it = entries_.find(token);
    if (it == entries_.end() || now >= it->second.expiry) return std::nullopt;
    if (stateful) *stateful = it->second.stateful;
    std::string id = std::move(it->second.connection_id);
    entries_.erase(it);
    return id;
}

std::size_t token_registry::sweep(time_point now) {
    std::size_t dropped = 0;
    while (!deadlines_.empty() && deadlines_.front().expiry <= now) {
        const deadline& d = deadlines_.front();
        auto it = entries_.find(std::string_view(d.token));
        // Skip deadlines of tokens taken already (or taken and added again later).
        if (it != entries_.end() && it->second.expiry == d.expiry) {
            entries_.erase(it);
            ++dropped;
        }
        deadlines_.pop_front();
    }
    return dropped;
}

// Keeps only the deadlines of tokens still held, so a burst of negotiate-then-connect within one ttl
// cannot grow the queue past about twice the live entries.
void token_registry::compact() {
    std::deque<deadline> live;
    for (deadline& d : deadlines_) {
        auto it = entries_.find(std::string_view(d.token));
        if (it != entries_.end() && it->second.expiry == d.expiry) live.push_back(std::move(d));
    }
    deadlines_.swap(live);
}

}  // namespace tallyhub::signalr
