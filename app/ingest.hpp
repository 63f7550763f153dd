#pragma once
// event_ingest: one delivered message in, one outcome out (DESIGN §5.1, issue 5 "bad input").
//
// The transport (the AMQP listener or receiver, or any future source) hands over the event type
// name (AMQP `properties.subject`, else the `MessageType` application property) and the body bytes.
// A known type with a valid body is applied to this core's shard and becomes `applied`: the
// transport settles it `accepted` once the tick that collects it is committed (commit_listener).
// A known type with an invalid body is `rejected` with the decoder's description, at once. An
// unknown type is `ignored`: accepted at once and counted, since other services share the bus.
//
// One per core, used only on that core; counters are read from any thread for /metrics.

#include <cstdint>
#include <string>
#include <string_view>

#include "app/analytics.hpp"
#include "app/events.hpp"
#include "core/counters.hpp"

namespace tallyhub::app {

enum class ingest_outcome : std::uint8_t { applied, rejected, ignored };

struct ingest_result {
    ingest_outcome outcome = ingest_outcome::ignored;
    std::string_view reason;  ///< rejected: what was wrong with the body (static text)
    event_errc errc{};        ///< rejected: the decoder's code
    std::uint64_t epoch = 0;  ///< applied: the analytics epoch whose commit covers it
};

/// The reject reasons counted separately in /metrics (event_errc values 1..count-1).
inline constexpr int ingest_reason_count = static_cast<int>(event_errc::body_too_large) + 1;

/// Counters of one core, summed for /metrics.
struct ingest_counters {
    counter applied;
    counter rejected;
    counter ignored;
    counter by_reason[ingest_reason_count];  ///< rejected, by event_errc
};

/// The /metrics label of a reject reason ("missing_order_id", …).
std::string_view ingest_reason_label(event_errc c) noexcept;

class event_ingest {
public:
    /// `engine` must outlive this object; `max_body` bounds the bodies decoded.
    explicit event_ingest(analytics& engine, std::size_t max_body = 1 << 20);

    /// Decodes and applies one event (on this object's core). `at_ms` is the receive time.
    /// `key` identifies the delivery for deduplication (the AMQP message-id); without one, the
    /// event's own id stands in ("order:" + OrderId, "payment:" + PaymentId or OrderId), so a
    /// producer that resends the same order without message ids is not counted twice either.
    ingest_result ingest(std::string_view type_name, std::string_view body, std::int64_t at_ms,
                         std::string_view key = {});

    const ingest_counters& counters() const noexcept { return stats_; }
    analytics& engine() noexcept { return engine_; }

private:
    ingest_result reject(const error& e);

    analytics& engine_;
    event_decoder decoder_;
    std::string fallback_key_;
    ingest_counters stats_;
};

}  // namespace tallyhub::app
