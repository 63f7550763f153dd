#pragma once
// Helpers shared by the WebSocket frame tests: byte literals, masked client frames, and a driver that
// feeds a wire image to a frame_parser in pieces and records owned copies of the events.

#include "net/ws_frame.hpp"

#include <cstring>
#include <initializer_list>
#include <ostream>
#include <string>
#include <vector>

namespace tallyhub::ws::test {

/// The masking key of the RFC 6455 §5.7 examples.
inline constexpr std::array<std::uint8_t, 4> rfc_key{0x37, 0xfa, 0x21, 0x3d};

/// A byte string from integer literals.
inline std::string bytes(std::initializer_list<unsigned> values) {
    std::string s;
    for (unsigned v : values) s.push_back(char(v));
    return s;
}

/// A client frame masked with the RFC key.
inline std::string masked(opcode op, std::string_view payload, bool fin = true) {
    return encode_client_frame(op, payload, rfc_key, fin);
}

/// An event with its payload copied out of the parser's or caller's buffer.
struct got {
    event_kind kind;
    std::uint16_t code = 0;
    std::string payload;

    friend bool operator==(const got&, const got&) = default;
    friend std::ostream& operator<<(std::ostream& os, const got& g) {
        return os << "{kind=" << int(g.kind) << " code=" << g.code << " payload=\"" << g.payload << "\"}";
    }
};

inline got text_msg(std::string s) { return {event_kind::text, 0, std::move(s)}; }
inline got binary_msg(std::string s) { return {event_kind::binary, 0, std::move(s)}; }
inline got error_event(std::uint16_t code) { return {event_kind::protocol_error, code, {}}; }

/// Calls next() until need_more (or an error, which would repeat forever) and records the events.
/// Error descriptions are dropped so tests compare only the close code.
inline void drain(frame_parser& p, std::vector<got>& out) {
    for (;;) {
        event ev = p.next();
        if (ev.kind == event_kind::need_more) return;
        if (ev.kind == event_kind::protocol_error) {
            out.push_back(error_event(ev.close_code));
            return;
        }
        out.push_back({ev.kind, ev.close_code, std::string(ev.payload)});
    }
}

/// Feeds `wire` cut at the offsets in `cuts` (ascending). Each piece lives in its own buffer that is
/// scribbled over once the parser is done with it, which proves the parser kept no reference.
inline std::vector<got> parse_pieces(std::string_view wire, const std::vector<std::size_t>& cuts,
                                     parser_limits limits = {}) {
    frame_parser p(limits);
    std::vector<got> events;
    std::size_t from = 0;
    for (std::size_t i = 0; i <= cuts.size(); ++i) {
        std::size_t to = i < cuts.size() ? cuts[i] : wire.size();
        std::string piece(wire.substr(from, to - from));
        p.feed(std::span<char>(piece));
        drain(p, events);
        std::memset(piece.data(), 0xAA, piece.size());
        from = to;
    }
    return events;
}

/// Feeds `wire` in one piece.
inline std::vector<got> parse_whole(std::string_view wire, parser_limits limits = {}) {
    return parse_pieces(wire, {}, limits);
}

}  // namespace tallyhub::ws::test
