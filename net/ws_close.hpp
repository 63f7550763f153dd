#pragma once
// WebSocket close status codes (RFC 6455 §7.4) and the rule for which ones may travel in a Close frame.

#include <cstdint>

namespace tallyhub::ws {

/// Close status codes with a defined meaning (RFC 6455 §7.4.1 and the IANA registry).
namespace close_code {
inline constexpr std::uint16_t normal = 1000;               ///< purpose fulfilled
inline constexpr std::uint16_t going_away = 1001;           ///< server shutting down, page left
inline constexpr std::uint16_t protocol_error = 1002;       ///< malformed or illegal frame
inline constexpr std::uint16_t unsupported_data = 1003;     ///< a data type the endpoint cannot accept
inline constexpr std::uint16_t no_status = 1005;            ///< reported locally for a Close without a code; never sent
inline constexpr std::uint16_t abnormal = 1006;             ///< reported locally when the TCP connection dropped; never sent
inline constexpr std::uint16_t invalid_payload = 1007;      ///< e.g. a text message that is not UTF-8
inline constexpr std::uint16_t policy_violation = 1008;     ///< generic refusal
inline constexpr std::uint16_t message_too_big = 1009;      ///< message larger than the endpoint accepts
inline constexpr std::uint16_t mandatory_extension = 1010;  ///< client-only: server did not negotiate an extension
inline constexpr std::uint16_t internal_error = 1011;       ///< unexpected server condition
inline constexpr std::uint16_t service_restart = 1012;      ///< IANA-registered after the RFC
inline constexpr std::uint16_t try_again_later = 1013;      ///< IANA-registered after the RFC
inline constexpr std::uint16_t bad_gateway = 1014;          ///< IANA-registered after the RFC
inline constexpr std::uint16_t tls_handshake = 1015;        ///< reported locally on TLS failure; never sent
}  // namespace close_code

/// True if `code` may appear in a Close frame on the wire. 0-999 are unused, 1004-1006 and 1015 are
/// reserved or local-only, the rest of 1000-2999 is reserved for future RFCs (the codes the IANA
/// registry has since assigned, 1012-1014, are accepted, as browsers do), 3000-4999 belong to
/// libraries and applications, and anything above 4999 is out of range.
constexpr bool is_valid_close_code(std::uint16_t code) noexcept {
    if (code >= 3000 && code <= 4999) return true;
    switch (code) {
    case close_code::normal:
    case close_code::going_away:
    case close_code::protocol_error:
    case close_code::unsupported_data:
    case close_code::invalid_payload:
    case close_code::policy_violation:
    case close_code::message_too_big:
    case close_code::mandatory_extension:
    case close_code::internal_error:
    case close_code::service_restart:
    case close_code::try_again_later:
    case close_code::bad_gateway:
        return true;
    default:
        return false;
    }
}

}  // namespace tallyhub::ws
