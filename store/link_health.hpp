#pragma once
// link_health: what the Redis and PostgreSQL clients report about their connection, for /readyz and
// /metrics, and the backoff between reconnection attempts (DESIGN §6: outages degrade, retry with
// backoff, report; they never block the tick).
//
// Lifecycle of a link:   disconnected ──connect──► connecting ──ok──► up
//                                                      │                 │ lost, timed out, refused
//                                                      ▼                 ▼
//                                                     down ◄────────────┘
// While down, calls fail at once until `retry_at`; the first call after it tries to connect again.
// Each failed attempt doubles the wait, from `initial` up to `max`; a success resets it.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>

#include <fmt/format.h>

namespace tallyhub::store {

enum class link_state : std::uint8_t {
    disconnected,  ///< never connected (nothing tried yet) or closed on purpose
    connecting,    ///< an attempt is in progress
    up,            ///< connected and answering
    down,          ///< the last attempt or exchange failed: `reason` says why
};

/// The spelling used in logs and /readyz: "disconnected", "connecting", "up", "down".
constexpr const char* to_string(link_state s) noexcept {
    switch (s) {
    case link_state::disconnected: return "disconnected";
    case link_state::connecting: return "connecting";
    case link_state::up: return "up";
    case link_state::down: return "down";
    }
    return "?";
}

/// Exponential backoff between reconnection attempts.
struct backoff_policy {
    std::chrono::milliseconds initial{100};
    std::chrono::milliseconds max{5000};

    /// The wait after `failures` consecutive failures (1 → initial, 2 → 2 × initial, …, ≤ max).
    std::chrono::milliseconds after(std::uint32_t failures) const noexcept {
        if (failures == 0) return std::chrono::milliseconds{0};
        auto d = initial;
        for (std::uint32_t i = 1; i < failures && d < max; ++i) d *= 2;
        return std::min(d, max);
    }
};

/// A client's view of its connection.
struct link_health {
    link_state state = link_state::disconnected;
    std::string reason;            ///< why the link is down (empty while up)
    std::uint32_t failures = 0;    ///< consecutive failed attempts or exchanges
    std::chrono::steady_clock::time_point retry_at{};  ///< while down: no attempt before this
    std::chrono::steady_clock::time_point since{};     ///< when `state` was entered

    bool ok() const noexcept { return state == link_state::up; }

    /// One line for /readyz: "up", or "down: <reason> (retry in 400 ms)".
    std::string describe(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now()) const {
        if (state != link_state::down) return reason.empty() ? to_string(state) : fmt::format("{}: {}", to_string(state), reason);
        auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(retry_at - now).count();
        return fmt::format("down: {} (retry in {} ms)", reason, std::max<long long>(wait, 0));
    }

    void set_up(std::chrono::steady_clock::time_point now) {
        state = link_state::up;
        reason.clear();
        failures = 0;
        since = now;
    }
    /// Records a failure: down, and the next attempt waits out the backoff.
    void set_down(std::string why, const backoff_policy& b, std::chrono::steady_clock::time_point now) {
        if (state != link_state::down) since = now;
        state = link_state::down;
        reason = std::move(why);
        ++failures;
        retry_at = now + b.after(failures);
    }
};

}  // namespace tallyhub::store
