#pragma once
// Decoders of the composites nested in performatives and messages, shared by the performative, SASL
// and message decoders. Each reads the next field of `in` (null past the end of a shortened list).

#include "net/amqp/fields.hpp"
#include "net/amqp/performatives.hpp"

namespace tallyhub::amqp::detail {

/// error (0x1d) or null.
bool read_error(field_reader& in, std::optional<error>& out, const char* field) noexcept;
/// received / accepted / rejected / released / modified / declared / transactional-state, or null.
bool read_delivery_state(field_reader& in, std::optional<delivery_state>& out, const char* field) noexcept;
/// source (0x28) or null.
bool read_source(field_reader& in, std::optional<source>& out, const char* field) noexcept;
/// target (0x29), coordinator (0x30), or null.
bool read_target(field_reader& in, std::optional<target>& out, const char* field) noexcept;

/// Checks that `p` is the performative `c` (named `name`) and, unless it may carry one, has no payload.
bool expect_performative(const performative_view& p, std::uint64_t c, const char* name, bool payload_allowed,
                         failure& sink) noexcept;

}  // namespace tallyhub::amqp::detail
