#include "app/ingest.hpp"

namespace tallyhub::app {

std::string_view ingest_reason_label(event_errc c) noexcept {
    switch (c) {
        case event_errc::not_json: return "not_json";
        case event_errc::not_object: return "not_object";
        case event_errc::missing_order_id: return "missing_order_id";
        case event_errc::bad_order_id: return "bad_order_id";
        case event_errc::missing_total_amount: return "missing_total_amount";
        case event_errc::bad_amount: return "bad_amount";
        case event_errc::negative_amount: return "negative_amount";
        case event_errc::amount_overflow: return "amount_overflow";
        case event_errc::bad_timestamp: return "bad_timestamp";
        case event_errc::bad_field: return "bad_field";
        case event_errc::too_long: return "too_long";
        case event_errc::body_too_large: return "body_too_large";
    }
    return "other";
}

namespace {

// The shard refuses only what would overflow a total (the decoder already refused negative amounts).
error shard_refusal(const error& e) { return error{static_cast<int>(event_errc::amount_overflow), e.reason}; }

}  // namespace

event_ingest::event_ingest(analytics& engine, std::size_t max_body) : engine_(engine), decoder_(max_body) {}

ingest_result event_ingest::reject(const error& e) {
    stats_.rejected.add();
    const int code = e.code;
    if (code > 0 && code < ingest_reason_count) stats_.by_reason[code].add();
    ingest_result r;
    r.outcome = ingest_outcome::rejected;
    r.reason = e.reason;
    r.errc = static_cast<event_errc>(code);
    return r;
}

ingest_result event_ingest::ingest(std::string_view type_name, std::string_view body, std::int64_t at_ms,
                                   std::string_view key) {
    ingest_result r;
    switch (parse_event_type(type_name)) {
        case event_type::order_created: {
            auto e = decoder_.decode_order(body);
            if (!e) return reject(e.err());
            if (key.empty()) {
                fallback_key_.assign("order:").append(e->order_id.view());
                key = fallback_key_;
            }
            if (auto a = engine_.apply(*e, at_ms, key); !a) return reject(shard_refusal(a.err()));
            break;
        }
        case event_type::payment_processed: {
            auto e = decoder_.decode_payment(body);
            if (!e) return reject(e.err());
            if (key.empty()) {
                fallback_key_.assign("payment:").append(e->payment_id.empty() ? e->order_id.view() : e->payment_id.view());
                key = fallback_key_;
            }
            if (auto a = engine_.apply(*e, at_ms, key); !a) return reject(shard_refusal(a.err()));
            break;
        }
        case event_type::unknown:
            stats_.ignored.add();
            r.outcome = ingest_outcome::ignored;
            return r;
    }
    stats_.applied.add();
    r.outcome = ingest_outcome::applied;
    r.epoch = engine_.epoch();
    return r;
}

}  // namespace tallyhub::app
