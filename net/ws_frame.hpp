#pragma once
// WebSocket framing (RFC 6455 §5), sans-I/O. `frame_parser` turns the bytes a client sends into
// messages and control events; the encoders below build the frames a server (or a test client) sends.
// No extensions are negotiated, so RSV1-3 must be zero.

#include "net/ws_close.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace tallyhub::ws {

/// Frame opcodes (RFC 6455 §5.2); every other value is reserved.
enum class opcode : std::uint8_t {
    continuation = 0x0,
    text = 0x1,
    binary = 0x2,
    close = 0x8,
    ping = 0x9,
    pong = 0xA,
};

/// Largest payload a control frame (close, ping, pong) may carry.
inline constexpr std::size_t max_control_payload = 125;

/// What `frame_parser::next()` found.
enum class event_kind : std::uint8_t {
    need_more,       ///< all fed bytes are consumed; feed more
    text,            ///< a complete text message, valid UTF-8
    binary,          ///< a complete binary message
    ping,            ///< a ping; answer with `encode_pong(payload)`
    pong,            ///< a pong
    close,           ///< the peer's Close; `close_code` is 1005 if it carried none
    protocol_error,  ///< the peer broke the protocol; send `encode_close(close_code)` and drop the connection
};

/// One parser output. `payload` is the message, ping or pong payload, the close reason, or for
/// `protocol_error` a short static description that fits in a close reason.
struct event {
    event_kind kind = event_kind::need_more;
    std::uint16_t close_code = 0;  ///< close: the peer's code; protocol_error: the code to send back
    std::string_view payload;
};

/// Limits of one parser.
struct parser_limits {
    /// Largest message accepted, summed over its fragments; larger ones fail with 1009. This also
    /// caps internal buffering: the parser never holds more than this plus 125 + 14 bytes.
    std::size_t max_message_size = 32 * 1024;
    /// Assembly buffer capacity kept after a large message is done, so idle connections stay small.
    std::size_t retained_capacity = 4 * 1024;
};

// Server-side parser of client frames (which must be masked).
//
// Use: `feed(bytes)`, then call `next()` until it returns `need_more`; then feed the next read.
// Buffer contract:
//   * `feed` keeps a view of the caller's bytes and unmasks payloads IN PLACE in that buffer. The
//     buffer must stay alive and untouched until `next()` returns `need_more`; after that the parser
//     holds no reference to it and the caller may reuse it.
//   * An event's `payload` points into the caller's buffer when the whole frame (an unfragmented
//     message or a control frame) arrived in one feed: zero copy. Otherwise (fragmented messages,
//     frames split across reads) it points into the parser's own buffers. Either way it is valid until
//     the next call to `next()` or `feed()`.
//   * After `close` the parser ignores further input (RFC 6455 §5.5.1: nothing follows a Close).
//     After `protocol_error` it returns the same error forever.
class frame_parser {
public:
    explicit frame_parser(parser_limits limits = {});

    /// Hands over the next bytes read from the socket; call only after `next()` returned `need_more`.
    void feed(std::span<char> bytes) noexcept;
    /// Same, for byte buffers.
    void feed(std::span<std::byte> bytes) noexcept;

    /// Parses until one event is complete or the fed bytes run out.
    event next();

    /// True while a fragmented message has started and not finished.
    bool in_fragmented_message() const noexcept { return in_message_; }
    /// Between frames, holding no part of a frame or message, nothing fed left: dropping this parser
    /// and building a fresh one with the same limits changes nothing (an idle connection keeps none).
    bool at_rest() const noexcept { return state_ == state::header && header_have_ == 0 && !in_message_ && in_left_ == 0; }

private:
    enum class state : std::uint8_t { header, payload, closed, failed };

    bool read_header();
    bool check_header();
    bool reject(std::uint16_t code, std::string_view why);
    event read_control_payload();
    event read_data_payload();
    event finish_control(std::string_view payload);
    event finish_message(std::string_view payload);
    event fail(std::uint16_t code, std::string_view why);
    void consume_masked(char* dst, std::size_t n);

    parser_limits limits_;
    state state_ = state::header;

    char* in_ = nullptr;  // unconsumed part of the fed buffer
    std::size_t in_left_ = 0;

    // The frame being parsed.
    std::array<unsigned char, 14> header_{};
    std::uint8_t header_have_ = 0;
    opcode op_ = opcode::continuation;
    bool fin_ = false;
    std::uint64_t remaining_ = 0;  // payload bytes of this frame not yet consumed
    std::array<std::uint8_t, 4> mask_{};
    std::uint8_t mask_phase_ = 0;

    // Message assembly: fragmented messages and frames split across reads.
    bool in_message_ = false;
    opcode message_op_ = opcode::text;
    bool release_message_ = false;  // message_ was handed out; clear it on the next call
    std::string message_;
    std::string control_;  // a control payload split across reads (a string: no 125 bytes per idle parser)
    std::uint8_t control_have_ = 0;

    event error_;
};

/// A server frame header: 2, 4 or 10 bytes, ready for writev(header, payload).
struct frame_header {
    std::array<std::byte, 10> bytes{};
    std::uint8_t size = 0;

    /// The meaningful bytes.
    std::string_view view() const noexcept { return {reinterpret_cast<const char*>(bytes.data()), size}; }
};

/// Header of an unmasked server frame carrying `payload_size` bytes; the length uses the minimal form.
frame_header server_frame_header(opcode op, std::uint64_t payload_size, bool fin = true) noexcept;

/// Appends a complete unmasked server frame (header and payload) to `out`.
void append_server_frame(std::string& out, opcode op, std::string_view payload, bool fin = true);

/// A Close frame with `code` and a UTF-8 `reason`, cut at a character boundary to fit in 123 bytes.
/// `code` must satisfy `is_valid_close_code`.
std::string encode_close(std::uint16_t code, std::string_view reason = {});
/// A Close frame with no payload (the peer will report 1005).
std::string encode_close_empty();
/// A Ping frame; payloads longer than 125 bytes are cut to 125.
std::string encode_ping(std::string_view payload = {});
/// A Pong frame, normally echoing a ping's payload; longer than 125 bytes is cut to 125.
std::string encode_pong(std::string_view payload = {});

/// Appends a masked client frame with the given mask key (for tests and the load generator).
void append_client_frame(std::string& out, opcode op, std::string_view payload,
                         std::array<std::uint8_t, 4> mask_key, bool fin = true);
/// A masked client frame.
std::string encode_client_frame(opcode op, std::string_view payload, std::array<std::uint8_t, 4> mask_key,
                                bool fin = true);

/// XORs `n` bytes from `src` into `dst` (may be equal) with `key` starting at key offset `phase`
/// (0-3); returns the phase after the last byte, for continuing in a later buffer.
std::uint8_t apply_mask(char* dst, const char* src, std::size_t n, const std::array<std::uint8_t, 4>& key,
                        std::uint8_t phase) noexcept;

}  // namespace tallyhub::ws
