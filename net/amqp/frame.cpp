#include "net/amqp/frame.hpp"

#include "net/amqp/wire.hpp"

#include <algorithm>
#include <cassert>

namespace tallyhub::amqp {

std::array<std::byte, protocol_header_size> protocol_header(protocol_id id) noexcept {
    return {std::byte{'A'}, std::byte{'M'}, std::byte{'Q'}, std::byte{'P'},
            std::byte(id),  std::byte{1},   std::byte{0},   std::byte{0}};
}

void encode_protocol_header(std::string& out, protocol_id id) {
    auto h = protocol_header(id);
    out.append(reinterpret_cast<const char*>(h.data()), h.size());
}

header_kind recognize_protocol_header(bytes_view bytes) noexcept {
    constexpr std::string_view magic = "AMQP";
    std::size_t n = std::min(bytes.size(), magic.size());
    for (std::size_t i = 0; i < n; ++i)
        if (char(bytes[i]) != magic[i]) return header_kind::not_amqp;
    if (bytes.size() < protocol_header_size) return header_kind::need_more;
    if (wire::u8(&bytes[5]) != 1 || wire::u8(&bytes[6]) != 0 || wire::u8(&bytes[7]) != 0)
        return header_kind::unsupported;
    switch (wire::u8(&bytes[4])) {
    case std::uint8_t(protocol_id::amqp): return header_kind::amqp;
    case std::uint8_t(protocol_id::tls): return header_kind::tls;
    case std::uint8_t(protocol_id::sasl): return header_kind::sasl;
    default: return header_kind::unsupported;
    }
}

header_answer answer_protocol_header(header_kind got, header_policy policy) noexcept {
    if (got == header_kind::sasl && policy.sasl) return {protocol_id::sasl, true};
    if (got == header_kind::amqp && policy.amqp) return {protocol_id::amqp, true};
    if (got == header_kind::tls && policy.tls) return {protocol_id::tls, true};
    protocol_id preferred = policy.sasl ? protocol_id::sasl : policy.amqp ? protocol_id::amqp : protocol_id::tls;
    return {preferred, false};
}

result<frame_poll> frame_decoder::next(bytes_view bytes) const noexcept {
    frame_poll poll;
    if (bytes.size() < frame_header_size) {
        poll.need = frame_header_size - bytes.size();
        return poll;
    }
    const std::byte* p = bytes.data();
    std::uint32_t size = wire::be32(p);
    std::uint8_t doff = wire::u8(p + 4);
    std::uint8_t type = wire::u8(p + 5);
    if (size < frame_header_size)
        return failure::format(condition::framing_error, "frame size %u is smaller than its 8-byte header", size);
    if (size > max_)
        return failure::format(condition::framing_error, "frame size %u exceeds max-frame-size %u", size, max_);
    if (doff < 2) return failure::format(condition::framing_error, "frame data offset %u is below 2", doff);
    if (std::uint32_t(doff) * 4 > size)
        return failure::format(condition::framing_error, "frame data offset %u (%u bytes) exceeds the frame size %u",
                               doff, unsigned(doff) * 4, size);
    if (type > std::uint8_t(frame_type::sasl))
        return failure::format(condition::framing_error, "frame type 0x%02x is neither AMQP (0) nor SASL (1)", type);
    if (bytes.size() < size) {
        poll.need = size - bytes.size();
        return poll;
    }
    poll.f.type = frame_type(type);
    poll.f.channel = wire::be16(p + 6);
    poll.f.size = size;
    poll.f.body = bytes.subspan(std::size_t(doff) * 4, size - std::size_t(doff) * 4);
    return poll;
}

std::size_t begin_frame(std::string& out, frame_type type, std::uint16_t channel) {
    std::size_t start = out.size();
    char h[frame_header_size] = {0, 0, 0, 0, 2, char(type), 0, 0};
    wire::put_be16(h + 6, channel);
    out.append(h, frame_header_size);
    return start;
}

void end_frame(std::string& out, std::size_t start) noexcept {
    assert(out.size() - start >= frame_header_size && out.size() - start <= 0xffffffffu);
    wire::put_be32(out.data() + start, std::uint32_t(out.size() - start));
}

void encode_heartbeat(std::string& out) { end_frame(out, begin_frame(out, frame_type::amqp, 0)); }

}  // namespace tallyhub::amqp
