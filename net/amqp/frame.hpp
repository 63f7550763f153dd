#pragma once
// AMQP 1.0 transport framing, sans-I/O (AMQP 1.0 part 2 §2.2-§2.3): the 8-byte protocol headers
// that open each layer (TLS, SASL, AMQP), and the frames that follow them.
//
// Reading: `recognize_protocol_header` on the first bytes of a connection, then `frame_decoder::next`
// on the read buffer, again and again: it never copies or buffers; it says "need N more bytes" or
// hands out one complete frame that points into the caller's buffer; the caller drops `frame.size`
// bytes and calls it again.
// Writing: `begin_frame` / `end_frame` around an encoded performative (and payload) build a frame in
// place in the output buffer; `encode_frame` in net/amqp/encode.hpp wraps them.

#include "net/amqp/failure.hpp"
#include "net/amqp/types.hpp"

#include <array>
#include <cstdint>
#include <string>

namespace tallyhub::amqp {

/// The protocol id byte of a protocol header.
enum class protocol_id : std::uint8_t { amqp = 0, tls = 2, sasl = 3 };

inline constexpr std::size_t protocol_header_size = 8;

/// "AMQP" id 1 0 0.
std::array<std::byte, protocol_header_size> protocol_header(protocol_id id) noexcept;
/// Appends "AMQP" id 1 0 0 to `out`.
void encode_protocol_header(std::string& out, protocol_id id);

/// What the first bytes of a connection are.
enum class header_kind : std::uint8_t {
    need_more,    ///< fewer than 8 bytes, all of them a possible start of an AMQP 1.0 header
    amqp,         ///< AMQP 0 1 0 0
    tls,          ///< AMQP 2 1 0 0
    sasl,         ///< AMQP 3 1 0 0
    unsupported,  ///< "AMQP" with another protocol id or version (AMQP 0-9-1 is "AMQP" 0 0 9 1)
    not_amqp,     ///< does not start with "AMQP" (an HTTP request, TLS ClientHello, noise)
};

/// Classifies the protocol header at the start of `bytes`; decides as soon as a byte rules AMQP out.
header_kind recognize_protocol_header(bytes_view bytes) noexcept;

/// The layers a listener accepts at this point of a connection: before SASL, typically SASL (and
/// plain AMQP if authentication is optional); after the SASL outcome, only AMQP.
struct header_policy {
    bool sasl = true;
    bool amqp = false;
    bool tls = false;
};

/// How to answer a peer's protocol header (AMQP 1.0 §2.2): echo an accepted header and go on; for
/// anything else write the header this side would accept (SASL first, then AMQP, then TLS) and close.
struct header_answer {
    protocol_id reply = protocol_id::sasl;
    bool accepted = false;  ///< false: write `reply`, then close the connection
};
header_answer answer_protocol_header(header_kind got, header_policy policy) noexcept;

/// Frame types (AMQP 1.0 §2.3).
enum class frame_type : std::uint8_t { amqp = 0, sasl = 1 };

inline constexpr std::size_t frame_header_size = 8;
/// The largest frame every peer must accept, and the limit until `open` has been exchanged.
inline constexpr std::uint32_t min_max_frame_size = 512;
/// What this server advertises unless told otherwise.
inline constexpr std::uint32_t default_max_frame_size = 64 * 1024;

/// One complete frame, pointing into the caller's buffer.
struct frame {
    frame_type type = frame_type::amqp;
    std::uint16_t channel = 0;  ///< AMQP: the session's channel; SASL: ignored
    bytes_view body;            ///< after the extended header: the performative and, for transfer, the payload
    std::uint32_t size = 0;     ///< bytes of the whole frame, header included: what to consume

    /// An empty frame: a heartbeat, valid any time after the AMQP header; ignore it.
    bool is_heartbeat() const noexcept { return body.empty(); }
};

/// The outcome of `frame_decoder::next`: a frame, or how many more bytes are needed at least.
struct frame_poll {
    std::size_t need = 0;
    frame f;

    bool complete() const noexcept { return need == 0; }
};

/// Finds frames in a byte stream and checks their headers against this side's max-frame-size.
class frame_decoder {
public:
    /// `max_frame_size` is this side's receive limit (what its `open` advertises); at least 512.
    explicit frame_decoder(std::uint32_t max_frame_size = default_max_frame_size) noexcept {
        set_max_frame_size(max_frame_size);
    }

    void set_max_frame_size(std::uint32_t n) noexcept { max_ = n < min_max_frame_size ? min_max_frame_size : n; }
    std::uint32_t max_frame_size() const noexcept { return max_; }

    /// Looks at the frame starting at `bytes[0]`. Fails with amqp:connection:framing-error when its
    /// header is impossible (SIZE < 8, SIZE > max-frame-size, DOFF < 2, DOFF beyond SIZE, TYPE not
    /// 0 or 1) — judged on the 8 header bytes, before the rest of the frame has to arrive.
    result<frame_poll> next(bytes_view bytes) const noexcept;

private:
    std::uint32_t max_;
};

/// Appends an 8-byte frame header with a placeholder size; returns where the frame starts, for `end_frame`.
std::size_t begin_frame(std::string& out, frame_type type, std::uint16_t channel);
/// Sets the size of the frame started at `start` to everything appended since.
void end_frame(std::string& out, std::size_t start) noexcept;
/// Appends an empty frame (a heartbeat).
void encode_heartbeat(std::string& out);

}  // namespace tallyhub::amqp
