#pragma once
// The SASL layer's frames (AMQP 1.0 part 5 §5.3, frame type 1, descriptors 0x40-0x44), and the
// PLAIN mechanism's initial response (RFC 4616). Views into the frame's bytes, like performatives.

#include "net/amqp/performatives.hpp"

#include <optional>
#include <variant>

namespace tallyhub::amqp {

/// sasl-outcome codes.
enum class sasl_code : std::uint8_t { ok = 0, auth = 1, sys = 2, sys_perm = 3, sys_temp = 4 };

/// sasl-mechanisms (0x40), server to client.
struct sasl_mechanisms {
    symbol_array mechanisms;  ///< mandatory: "ANONYMOUS", "PLAIN"…
};

/// sasl-init (0x41), client to server.
struct sasl_init {
    std::string_view mechanism;  ///< mandatory
    std::optional<bytes_view> initial_response;
    std::string_view hostname;
};

/// sasl-challenge (0x42).
struct sasl_challenge {
    bytes_view challenge;  ///< mandatory
};

/// sasl-response (0x43).
struct sasl_response {
    bytes_view response;  ///< mandatory
};

/// sasl-outcome (0x44); any code but ok means the server closes the connection.
struct sasl_outcome {
    sasl_code code = sasl_code::ok;  ///< mandatory
    std::optional<bytes_view> additional_data;
};

using sasl_performative = std::variant<sasl_mechanisms, sasl_init, sasl_challenge, sasl_response, sasl_outcome>;

result<sasl_mechanisms> decode_sasl_mechanisms(const performative_view& p) noexcept;
result<sasl_init> decode_sasl_init(const performative_view& p) noexcept;
result<sasl_challenge> decode_sasl_challenge(const performative_view& p) noexcept;
result<sasl_response> decode_sasl_response(const performative_view& p) noexcept;
result<sasl_outcome> decode_sasl_outcome(const performative_view& p) noexcept;

/// The body of a SASL frame (type 1, not empty), whichever it is.
result<sasl_performative> decode_sasl(const frame& f) noexcept;

/// PLAIN credentials: "authzid NUL authcid NUL password" (proton sends "\0guest\0guest").
struct sasl_plain {
    std::string_view authzid;
    std::string_view authcid;
    std::string_view password;
};
/// Splits a PLAIN initial response; nullopt unless it has exactly two NULs and a non-empty authcid.
std::optional<sasl_plain> parse_sasl_plain(bytes_view initial_response) noexcept;

}  // namespace tallyhub::amqp
