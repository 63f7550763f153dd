#pragma once
// Domain events in (DESIGN §5.1): OrderCreated and PaymentProcessed JSON bodies decoded with simdjson
// On-Demand into compact, trivially copyable records.
//
// Identifiers are kept as bounded inline copies (bounded_text<64>), not as heap strings and not as a
// bare hash: the records must cross cores without allocating, while the dedup fallback key
// (OrderId + type) must stay exact (a 64-bit hash collision would silently drop a real order) and the
// logs must show the real id. UUIDs are 36 bytes; anything over 64 bytes is rejected with its own error
// (every input has a limit). `hash()` gives the 64-bit FNV-1a of the id for hash-table lookups.

#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string_view>

#include "app/money.hpp"
#include "core/result.hpp"

namespace tallyhub::app {

/// Up to N bytes of text stored inline.
template <std::size_t N>
class bounded_text {
public:
    static constexpr std::size_t capacity = N;  ///< longest text it holds

    /// Replaces the text; false (and unchanged) if `s` is longer than N.
    bool assign(std::string_view s) noexcept {
        if (s.size() > N) return false;
        if (!s.empty()) std::memcpy(data_, s.data(), s.size());  // an empty view may have a null data()
        size_ = static_cast<std::uint8_t>(s.size());
        return true;
    }
    std::string_view view() const noexcept { return {data_, size_}; }  ///< the text
    bool empty() const noexcept { return size_ == 0; }                   ///< no text
    /// 64-bit FNV-1a of the text.
    std::uint64_t hash() const noexcept {
        std::uint64_t h = 14695981039346656037ull;
        for (std::uint8_t i = 0; i < size_; ++i) h = (h ^ static_cast<unsigned char>(data_[i])) * 1099511628211ull;
        return h;
    }
    friend bool operator==(const bounded_text& a, const bounded_text& b) noexcept { return a.view() == b.view(); }

private:
    static_assert(N <= 255);
    char data_[N] = {};
    std::uint8_t size_ = 0;
};

/// Longest identifier accepted (OrderId, PaymentId, CustomerId).
inline constexpr std::size_t max_id_length = 64;
/// Longest currency code accepted (ISO 4217 codes are 3).
inline constexpr std::size_t max_currency_length = 8;

using event_id = bounded_text<max_id_length>;

/// The event types tallyhub aggregates.
enum class event_type : std::uint8_t { unknown, order_created, payment_processed };

/// The type named by an AMQP subject or MessageType property (ASCII case-insensitive); unknown otherwise.
event_type parse_event_type(std::string_view name) noexcept;

/// The value of an absent timestamp. (Plain sentinels rather than std::optional members: g++ 12 -O3
/// warns falsely about optionals nested in result<> temporaries.)
inline constexpr std::int64_t no_time = std::numeric_limits<std::int64_t>::min();

/// An OrderCreated event.
struct order_event {
    event_id order_id;
    money total_amount;                          ///< ≥ 0
    event_id customer_id;                        ///< empty when absent
    bounded_text<max_currency_length> currency;  ///< empty when absent
    std::int64_t created_at_ms = no_time;        ///< unix ms, or no_time
};

/// A PaymentProcessed event.
struct payment_event {
    event_id order_id;
    money amount;                            ///< ≥ 0; meaningful when has_amount
    bool has_amount = false;                 ///< Amount was given (and not null)
    event_id payment_id;                     ///< empty when absent
    std::int64_t processed_at_ms = no_time;  ///< unix ms, or no_time
};

/// Why a body was rejected; `reason` strings are the AMQP decode-error descriptions.
enum class event_errc {
    not_json = 1,
    not_object,
    missing_order_id,
    bad_order_id,  ///< not a string, or empty
    missing_total_amount,
    bad_amount,  ///< not a number nor a numeric string
    negative_amount,
    amount_overflow,
    bad_timestamp,
    bad_field,  ///< an optional text field of the wrong type
    too_long,   ///< an identifier or currency over its limit
    body_too_large,
};

/// Decodes event bodies. Owns a simdjson parser and one padded scratch buffer, both reused: after the
/// first few bodies a decode allocates nothing. One per core; not thread-safe.
class event_decoder {
public:
    /// A decoder for bodies of up to `max_body` bytes.
    explicit event_decoder(std::size_t max_body = 1 << 20);
    ~event_decoder();
    event_decoder(event_decoder&&) noexcept;
    event_decoder& operator=(event_decoder&&) noexcept;

    /// Decodes an OrderCreated body.
    result<order_event> decode_order(std::string_view body);

    /// Decodes a PaymentProcessed body.
    result<payment_event> decode_payment(std::string_view body);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace tallyhub::app
