#pragma once
// Negotiated-but-unused connection tokens of one core (reference/signalr-protocol.md §1, trap 6).
//
// Lifecycle of a token:
//   1. negotiate on any core: token_owner(token, cores) names the core that stores it; that core's
//      registry add()s (token -> connection id) with a deadline of now + ttl;
//   2. the transport request (`?id=<token>`, maybe on another core) asks the owner core to take() it:
//      the id comes back once, and the entry is gone;
//   3. a token nobody takes expires after ttl (15 s, .NET's DisconnectTimeout): take() refuses it at
//      once, and sweep(), run from a periodic timer, frees the memory.
// Time is passed in, so tests step a fake clock. Single-threaded: one registry per core, no locks.

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.hpp"

namespace tallyhub::signalr {

/// The core that stores `token` when there are `cores` cores (0 when `cores` is 0). Pure and stable
/// across processes and builds: FNV-1a 64 over the bytes, a 64-bit finalizer (murmur3 fmix64), then
/// the high half of hash * cores. Uniform for random tokens; accepts any bytes from the network.
std::size_t token_owner(std::string_view token, std::size_t cores) noexcept;

/// Per-core store of tokens waiting for their transport request.
class token_registry {
public:
    using clock = std::chrono::steady_clock;
    using time_point = clock::time_point;

    /// Error codes in `error::code`.
    enum class errc : int {
        full = 1,   ///< max_pending tokens already wait
        duplicate,  ///< the token is already pending
    };

    /// Tokens live `ttl` after add(); at most `max_pending` wait at once.
    explicit token_registry(std::chrono::milliseconds ttl = std::chrono::seconds(15),
                            std::size_t max_pending = 100'000);

    /// Stores `token` for `connection_id` until now + ttl (expired entries are swept first); `stateful`:
    /// its negotiate agreed on stateful reconnect. Fails
    /// with "too many pending negotiations" when full, "connection token already pending" when taken.
    result<void> add(std::string token, std::string connection_id, time_point now, bool stateful = false);

    /// The connection id for `token`, exactly once; nullopt if unknown, already taken or expired
    /// (a token is valid while now < its add time + ttl). Does not allocate.
    std::optional<std::string> take(std::string_view token, time_point now, bool* stateful = nullptr);

    /// Drops every expired token; returns how many.
    std::size_t sweep(time_point now);

    /// Tokens still held (expired ones count until swept).
    std::size_t size() const noexcept { return entries_.size(); }

    /// The lifetime given to new tokens.
    std::chrono::milliseconds ttl() const noexcept { return ttl_; }

private:
    struct entry {
        std::string connection_id;
        time_point expiry;
        bool stateful = false;
    };
    struct deadline {
        time_point expiry;
        std::string token;
    };
    // Transparent hash, so take(string_view) looks up without building a std::string.
    struct token_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };

    void compact();

    std::chrono::milliseconds ttl_;
    std::size_t max_pending_;
    std::unordered_map<std::string, entry, token_hash, std::equal_to<>> entries_;
    // Deadlines in add order, hence in expiry order (ttl is fixed and time is monotonic). Entries
    // taken early stay here until swept or compacted; an entry is live only if the map still holds
    // its token with the same expiry.
    std::deque<deadline> deadlines_;
};

}  // namespace tallyhub::signalr
