#include "net/ws_frame.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cassert>
#include <cstring>

namespace tallyhub::ws {

namespace {

constexpr bool is_control(opcode op) noexcept { return (static_cast<std::uint8_t>(op) & 0x8) != 0; }

constexpr bool is_known_opcode(std::uint8_t op) noexcept {
    return op <= 0x2 || (op >= 0x8 && op <= 0xA);
}

bool is_utf8(std::string_view s) noexcept { return simdjson::validate_utf8(s.data(), s.size()); }

}  // namespace

std::uint8_t apply_mask(char* dst, const char* src, std::size_t n, const std::array<std::uint8_t, 4>& key,
                        std::uint8_t phase) noexcept {
    // The key rotated to `phase`, twice: XOR eight bytes at a time, then finish byte by byte.
    unsigned char k[8];
    for (std::size_t i = 0; i < 8; ++i) k[i] = key[(phase + i) & 3];
    std::uint64_t k64;
    std::memcpy(&k64, k, 8);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, src + i, 8);
        w ^= k64;
        std::memcpy(dst + i, &w, 8);
    }
    for (; i < n; ++i) dst[i] = char(static_cast<unsigned char>(src[i]) ^ k[i & 7]);
    return std::uint8_t((phase + n) & 3);
}

frame_parser::frame_parser(parser_limits limits) : limits_(limits) {}

void frame_parser::feed(std::span<char> bytes) noexcept {
    assert(in_left_ == 0 && "feed() before next() returned need_more");
    in_ = bytes.data();
    in_left_ = bytes.size();
}

void frame_parser::feed(std::span<std::byte> bytes) noexcept {
    feed(std::span<char>(reinterpret_cast<char*>(bytes.data()), bytes.size()));
}

event frame_parser::next() {
    if (release_message_) {
        release_message_ = false;
        message_.clear();
        if (message_.capacity() > limits_.retained_capacity) std::string().swap(message_);
    }
    for (;;) {
        switch (state_) {
        case state::failed:
            in_left_ = 0;
            return error_;
        case state::closed:
            in_left_ = 0;
            return {};
        case state::header:
            if (!read_header()) return {};
            if (!check_header()) return error_;
            state_ = state::payload;
            [[fallthrough]];
        case state::payload: {
            event ev = is_control(op_) ? read_control_payload() : read_data_payload();
            // need_more with the frame finished means a non-final fragment: go on with the next frame.
            if (ev.kind != event_kind::need_more || state_ == state::payload) return ev;
            break;
        }
        }
    }
}

// Collects the 2-14 header bytes (they may arrive one at a time) and decodes them.
// Returns false when more input is needed.
bool frame_parser::read_header() {
    for (;;) {
        std::size_t need = 2;
        if (header_have_ >= 2) {
            std::uint8_t len7 = header_[1] & 0x7F;
            need += (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((header_[1] & 0x80) ? 4 : 0);
        }
        if (header_have_ >= need) break;
        if (in_left_ == 0) return false;
        std::size_t take = std::min<std::size_t>(need - header_have_, in_left_);
        std::memcpy(header_.data() + header_have_, in_, take);
        header_have_ = std::uint8_t(header_have_ + take);
        in_ += take;
        in_left_ -= take;
    }
    header_have_ = 0;
    fin_ = (header_[0] & 0x80) != 0;
    op_ = static_cast<opcode>(header_[0] & 0x0F);
    std::uint64_t len = header_[1] & 0x7F;
    std::size_t pos = 2;
    if (len == 126) {
        len = (std::uint64_t(header_[2]) << 8) | header_[3];
        pos = 4;
    } else if (len == 127) {
        len = 0;
        for (std::size_t i = 0; i < 8; ++i) len = (len << 8) | header_[2 + i];
        pos = 10;
    }
    if (header_[1] & 0x80) std::memcpy(mask_.data(), header_.data() + pos, 4);
    remaining_ = len;
    mask_phase_ = 0;
    return true;
}

// Checks the decoded header against RFC 6455 §5 for a server with no extensions.
bool frame_parser::check_header() {
    using namespace close_code;
    if (header_[0] & 0x70) return reject(protocol_error, "reserved bits set");
    if (!is_known_opcode(header_[0] & 0x0F)) return reject(protocol_error, "reserved opcode");
    if (!(header_[1] & 0x80)) return reject(protocol_error, "client frame not masked");
    if (remaining_ >> 63) return reject(protocol_error, "frame length has the high bit set");
    if (is_control(op_)) {
        if (!fin_) return reject(protocol_error, "fragmented control frame");
        if (remaining_ > max_control_payload) return reject(protocol_error, "control frame too long");
        control_have_ = 0;
        return true;
    }
    if (op_ == opcode::continuation && !in_message_)
        return reject(protocol_error, "continuation frame without a message");
    if (op_ != opcode::continuation && in_message_)
        return reject(protocol_error, "new message inside a fragmented message");
    // Judged on the declared length, before a single payload byte is buffered.
    if (remaining_ > limits_.max_message_size - message_.size()) return reject(message_too_big, "message too big");
    if (op_ != opcode::continuation) {
        message_op_ = op_;
        in_message_ = !fin_;
    }
    return true;
}

bool frame_parser::reject(std::uint16_t code, std::string_view why) {
    fail(code, why);
    return false;
}

void frame_parser::consume_masked(char* dst, std::size_t n) {
    mask_phase_ = apply_mask(dst, in_, n, mask_, mask_phase_);
    in_ += n;
    in_left_ -= n;
    remaining_ -= n;
}

event frame_parser::read_control_payload() {
    if (control_have_ == 0 && in_left_ >= remaining_) {  // whole payload at hand: unmask in place
        char* p = in_;
        std::size_t n = std::size_t(remaining_);
        consume_masked(p, n);
        state_ = state::header;
        return finish_control({p, n});
    }
    std::size_t take = std::size_t(std::min<std::uint64_t>(in_left_, remaining_));
    control_.resize(control_have_ + take);  // a control frame split across reads: rare, so not inline
    consume_masked(control_.data() + control_have_, take);
    control_have_ = std::uint8_t(control_have_ + take);
    if (remaining_ > 0) return {};
    state_ = state::header;
    std::string_view payload(control_.data(), control_have_);
    control_have_ = 0;
    return finish_control(payload);
}

// Zero copy for an unfragmented message whose payload is all in the fed buffer; otherwise the
// payload is appended to message_, which the declared-length check has already bounded.
event frame_parser::read_data_payload() {
    const bool whole_message = fin_ && op_ != opcode::continuation;
    if (whole_message && message_.empty() && in_left_ >= remaining_) {
        char* p = in_;
        std::size_t n = std::size_t(remaining_);
        consume_masked(p, n);
        state_ = state::header;
        return finish_message({p, n});
    }
    std::size_t take = std::size_t(std::min<std::uint64_t>(in_left_, remaining_));
    std::size_t old = message_.size();
    std::size_t want = old + std::size_t(remaining_);
    if (want > message_.capacity())
        message_.reserve(std::max(want, std::min(2 * message_.capacity(), limits_.max_message_size)));
    message_.resize(old + take);
    consume_masked(message_.data() + old, take);
    if (remaining_ > 0) return {};
    state_ = state::header;
    if (!fin_) return {};
    in_message_ = false;
    release_message_ = true;
    return finish_message(message_);
}

event frame_parser::finish_control(std::string_view payload) {
    switch (op_) {
    case opcode::ping: return {event_kind::ping, 0, payload};
    case opcode::pong: return {event_kind::pong, 0, payload};
    default: break;
    }
    if (payload.empty()) {
        state_ = state::closed;
        return {event_kind::close, close_code::no_status, {}};
    }
    if (payload.size() == 1) return fail(close_code::protocol_error, "close payload of one byte");
    auto code = std::uint16_t((std::uint8_t(payload[0]) << 8) | std::uint8_t(payload[1]));
    if (!is_valid_close_code(code)) return fail(close_code::protocol_error, "invalid close code");
    std::string_view reason = payload.substr(2);
    if (!is_utf8(reason)) return fail(close_code::invalid_payload, "close reason is not UTF-8");
    state_ = state::closed;
    return {event_kind::close, code, reason};
}

event frame_parser::finish_message(std::string_view payload) {
    if (message_op_ == opcode::text) {
        if (!is_utf8(payload)) return fail(close_code::invalid_payload, "text message is not UTF-8");
        return {event_kind::text, 0, payload};
    }
    return {event_kind::binary, 0, payload};
}

event frame_parser::fail(std::uint16_t code, std::string_view why) {
    error_ = {event_kind::protocol_error, code, why};
    state_ = state::failed;
    in_left_ = 0;
    return error_;
}

}  // namespace tallyhub::ws
