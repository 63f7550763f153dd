// Frame encoders declared in net/ws_frame.hpp: unmasked server frames and masked client frames.

#include "net/ws_frame.hpp"

#include <algorithm>
#include <cassert>

namespace tallyhub::ws {

namespace {

// Writes the first two header bytes and the minimal-form extended length; returns bytes written.
std::size_t write_base_header(std::byte* out, opcode op, std::uint64_t n, bool fin, bool masked) noexcept {
    out[0] = std::byte((fin ? 0x80 : 0x00) | static_cast<std::uint8_t>(op));
    const std::uint8_t mask_bit = masked ? 0x80 : 0x00;
    if (n < 126) {
        out[1] = std::byte(mask_bit | n);
        return 2;
    }
    if (n <= 0xFFFF) {
        out[1] = std::byte(mask_bit | 126);
        out[2] = std::byte(n >> 8);
        out[3] = std::byte(n & 0xFF);
        return 4;
    }
    out[1] = std::byte(mask_bit | 127);
    for (std::size_t i = 0; i < 8; ++i) out[2 + i] = std::byte((n >> (8 * (7 - i))) & 0xFF);
    return 10;
}

std::string encode_control(opcode op, std::string_view payload) {
    payload = payload.substr(0, max_control_payload);
    std::string out;
    out.reserve(2 + payload.size());
    append_server_frame(out, op, payload);
    return out;
}

}  // namespace

frame_header server_frame_header(opcode op, std::uint64_t payload_size, bool fin) noexcept {
    frame_header h;
    h.size = std::uint8_t(write_base_header(h.bytes.data(), op, payload_size, fin, false));
    return h;
}

void append_server_frame(std::string& out, opcode op, std::string_view payload, bool fin) {
    frame_header h = server_frame_header(op, payload.size(), fin);
    out.reserve(out.size() + h.size + payload.size());
    out.append(h.view());
    out.append(payload);
}

std::string encode_close(std::uint16_t code, std::string_view reason) {
    assert(is_valid_close_code(code));
    // 125 bytes minus the code; never cut a UTF-8 sequence in half (the peer would answer 1007).
    std::size_t cut = std::min(reason.size(), max_control_payload - 2);
    if (cut < reason.size())
        while (cut > 0 && (static_cast<unsigned char>(reason[cut]) & 0xC0) == 0x80) --cut;
    std::string payload;
    payload.reserve(2 + cut);
    payload.push_back(char(code >> 8));
    payload.push_back(char(code & 0xFF));
    payload.append(reason.substr(0, cut));
    return encode_control(opcode::close, payload);
}

std::string encode_close_empty() { return encode_control(opcode::close, {}); }

std::string encode_ping(std::string_view payload) { return encode_control(opcode::ping, payload); }

std::string encode_pong(std::string_view payload) { return encode_control(opcode::pong, payload); }

void append_client_frame(std::string& out, opcode op, std::string_view payload,
                         std::array<std::uint8_t, 4> mask_key, bool fin) {
    std::byte header[14];
    std::size_t n = write_base_header(header, op, payload.size(), fin, true);
    for (std::size_t i = 0; i < 4; ++i) header[n + i] = std::byte(mask_key[i]);
    n += 4;
    const std::size_t start = out.size();
    out.resize(start + n + payload.size());
    std::copy(header, header + n, reinterpret_cast<std::byte*>(out.data() + start));
    apply_mask(out.data() + start + n, payload.data(), payload.size(), mask_key, 0);
}

std::string encode_client_frame(opcode op, std::string_view payload, std::array<std::uint8_t, 4> mask_key,
                                bool fin) {
    std::string out;
    append_client_frame(out, op, payload, mask_key, fin);
    return out;
}

}  // namespace tallyhub::ws
