#pragma once
// Encoders of the performatives, SASL frames and their composites (structs in
// net/amqp/performatives.hpp and net/amqp/sasl.hpp), and of whole frames.
//
// `encode(writer&, x)` writes x as one described list, fields as they are in the struct, trailing
// fields that are null or at their default left out (proton's habit; what every peer accepts).
// `encode_frame(out, channel, x[, payload])` appends header + performative + payload in one go to
// `out`: no intermediate buffer, the frame size is patched in at the end.

#include "net/amqp/frame.hpp"
#include "net/amqp/performatives.hpp"
#include "net/amqp/sasl.hpp"
#include "net/amqp/writer.hpp"

#include <string>

namespace tallyhub::amqp {

void encode(writer& w, const error& e);
void encode(writer& w, const delivery_state& s);
void encode(writer& w, const source& s);
void encode(writer& w, const target& t);

void encode(writer& w, const open& p);
void encode(writer& w, const begin& p);
void encode(writer& w, const attach& p);
void encode(writer& w, const flow& p);
/// The performative only; `p.payload` is not written (see encode_frame).
void encode(writer& w, const transfer& p);
void encode(writer& w, const disposition& p);
void encode(writer& w, const detach& p);
void encode(writer& w, const end& p);
void encode(writer& w, const close& p);

void encode(writer& w, const sasl_mechanisms& p);
void encode(writer& w, const sasl_init& p);
void encode(writer& w, const sasl_challenge& p);
void encode(writer& w, const sasl_response& p);
void encode(writer& w, const sasl_outcome& p);

/// The frame type a performative travels in: SASL for the sasl_* structs, AMQP for the rest.
template <typename P>
inline constexpr frame_type frame_type_of = frame_type::amqp;
template <> inline constexpr frame_type frame_type_of<sasl_mechanisms> = frame_type::sasl;
template <> inline constexpr frame_type frame_type_of<sasl_init> = frame_type::sasl;
template <> inline constexpr frame_type frame_type_of<sasl_challenge> = frame_type::sasl;
template <> inline constexpr frame_type frame_type_of<sasl_response> = frame_type::sasl;
template <> inline constexpr frame_type frame_type_of<sasl_outcome> = frame_type::sasl;

/// Appends one frame: header (type from the performative; SASL frames use channel 0), the
/// performative, then `payload` (only a transfer carries one). The caller keeps the frame within
/// the peer's max-frame-size (see encode_transfer_frames for payloads that may not fit).
template <typename P>
void encode_frame(std::string& out, std::uint16_t channel, const P& p, bytes_view payload = {}) {
    std::size_t start = begin_frame(out, frame_type_of<P>, frame_type_of<P> == frame_type::sasl ? 0 : channel);
    writer w(out);
    encode(w, p);
    out.append(as_chars(payload));
    end_frame(out, start);
}

/// Appends a SASL frame (channel 0).
template <typename P>
void encode_sasl_frame(std::string& out, const P& p) {
    static_assert(frame_type_of<P> == frame_type::sasl);
    encode_frame(out, 0, p);
}

/// Appends any AMQP performative as a frame.
void encode_frame(std::string& out, std::uint16_t channel, const performative& p, bytes_view payload = {});

/// Appends the transfer frames of one delivery, splitting `payload` so that no frame exceeds
/// `max_frame_size` (the peer's): `more` is set on all but the last frame, delivery-id and
/// delivery-tag travel on the first only. Returns the number of frames, or 0 (nothing appended)
/// when not even the performative fits.
std::size_t encode_transfer_frames(std::string& out, std::uint16_t channel, const transfer& first,
                                   bytes_view payload, std::uint32_t max_frame_size);

}  // namespace tallyhub::amqp
