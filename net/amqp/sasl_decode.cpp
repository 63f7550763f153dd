#include "net/amqp/composite_decode.hpp"
#include "net/amqp/sasl.hpp"

#include <cinttypes>

namespace tallyhub::amqp {

using detail::expect_performative;

namespace {

template <typename T>
result<sasl_performative> lift(result<T>&& r) {
    if (!r) return r.err();
    return sasl_performative(std::move(*r));
}

}  // namespace

result<sasl_mechanisms> decode_sasl_mechanisms(const performative_view& p) noexcept {
    failure sink;
    if (!expect_performative(p, code::sasl_mechanisms, "sasl-mechanisms", false, sink)) return sink;
    field_reader in(reader::over(p.fields, sink), "sasl-mechanisms");
    sasl_mechanisms m;
    in.symbols(m.mechanisms, "sasl-server-mechanisms");
    if (!in.finish()) return sink;
    if (m.mechanisms.empty()) in.invalid("sasl-server-mechanisms", "is mandatory");
    if (sink.failed()) return sink;
    return m;
}

result<sasl_init> decode_sasl_init(const performative_view& p) noexcept {
    failure sink;
    if (!expect_performative(p, code::sasl_init, "sasl-init", false, sink)) return sink;
    field_reader in(reader::over(p.fields, sink), "sasl-init");
    sasl_init i;
    in.symbol(i.mechanism, "mechanism", need::mandatory);
    in.binary(i.initial_response, "initial-response");
    in.string(i.hostname, "hostname");
    if (!in.finish()) return sink;
    return i;
}

result<sasl_challenge> decode_sasl_challenge(const performative_view& p) noexcept {
    failure sink;
    if (!expect_performative(p, code::sasl_challenge, "sasl-challenge", false, sink)) return sink;
    field_reader in(reader::over(p.fields, sink), "sasl-challenge");
    sasl_challenge c;
    in.binary(c.challenge, "challenge", need::mandatory);
    if (!in.finish()) return sink;
    return c;
}

result<sasl_response> decode_sasl_response(const performative_view& p) noexcept {
    failure sink;
    if (!expect_performative(p, code::sasl_response, "sasl-response", false, sink)) return sink;
    field_reader in(reader::over(p.fields, sink), "sasl-response");
    sasl_response r;
    in.binary(r.response, "response", need::mandatory);
    if (!in.finish()) return sink;
    return r;
}

result<sasl_outcome> decode_sasl_outcome(const performative_view& p) noexcept {
    failure sink;
    if (!expect_performative(p, code::sasl_outcome, "sasl-outcome", false, sink)) return sink;
    field_reader in(reader::over(p.fields, sink), "sasl-outcome");
    sasl_outcome o;
    std::uint8_t c = 0;
    in.ubyte(c, "code", need::mandatory);
    in.binary(o.additional_data, "additional-data");
    if (!in.finish()) return sink;
    if (c > 4) in.invalid("code", "is above 4 (sys-temp)");
    if (sink.failed()) return sink;
    o.code = sasl_code(c);
    return o;
}

result<sasl_performative> decode_sasl(const frame& f) noexcept {
    if (f.type != frame_type::sasl)
        return failure(condition::framing_error, "an AMQP frame where a SASL frame was expected");
    result<performative_view> p = read_performative(f);
    if (!p) return p.err();
    switch (p->code) {
    case code::sasl_mechanisms: return lift(decode_sasl_mechanisms(*p));
    case code::sasl_init: return lift(decode_sasl_init(*p));
    case code::sasl_challenge: return lift(decode_sasl_challenge(*p));
    case code::sasl_response: return lift(decode_sasl_response(*p));
    case code::sasl_outcome: return lift(decode_sasl_outcome(*p));
    default:
        return failure::format(condition::decode_error, "descriptor 0x%" PRIx64 " is not a SASL frame", p->code);
    }
}

std::optional<sasl_plain> parse_sasl_plain(bytes_view initial_response) noexcept {
    std::string_view s = as_chars(initial_response);
    std::size_t a = s.find('\0');
    if (a == std::string_view::npos) return std::nullopt;
    std::size_t b = s.find('\0', a + 1);
    if (b == std::string_view::npos || s.find('\0', b + 1) != std::string_view::npos || b == a + 1)
        return std::nullopt;
    return sasl_plain{s.substr(0, a), s.substr(a + 1, b - a - 1), s.substr(b + 1)};
}

}  // namespace tallyhub::amqp
