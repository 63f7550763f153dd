#pragma once
// Helpers shared by the AMQP codec tests: wire images written the way shared/reference/amqp-1.0.md
// prints them (hex digits with "quoted ASCII" in between), and one-call frame decoding.

#include "net/amqp/frame.hpp"
#include "net/amqp/performatives.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tallyhub::amqp::test {

/// Bytes from "00000034 02 01 0000 | 00 53 40 \"ANONYMOUS\"": hex pairs, quoted text taken as is;
/// spaces and '|' separate nothing.
inline std::string wire(std::string_view spec) {
    std::string out;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    for (std::size_t i = 0; i < spec.size();) {
        char c = spec[i];
        if (c == ' ' || c == '|' || c == '\n') {
            ++i;
        } else if (c == '"') {
            std::size_t end = spec.find('"', i + 1);
            if (end == std::string_view::npos) throw std::invalid_argument("unterminated quote");
            out.append(spec.substr(i + 1, end - i - 1));
            i = end + 1;
        } else {
            if (i + 1 >= spec.size() || nibble(c) < 0 || nibble(spec[i + 1]) < 0)
                throw std::invalid_argument("bad hex in wire spec");
            out.push_back(char(nibble(c) << 4 | nibble(spec[i + 1])));
            i += 2;
        }
    }
    return out;
}

inline bytes_view bytes(const std::string& s) { return as_bytes(s); }

/// A frame around the raw bytes `body`, its size computed.
inline std::string frame_around(const std::string& body, frame_type type = frame_type::amqp,
                                std::uint16_t channel = 0) {
    std::string f(8, '\0');
    const std::size_t size = 8 + body.size();
    f[0] = char(size >> 24);
    f[1] = char(size >> 16);
    f[2] = char(size >> 8);
    f[3] = char(size);
    f[4] = 2;
    f[5] = char(type);
    f[6] = char(channel >> 8);
    f[7] = char(channel);
    return f + body;
}

/// A frame around `body_spec` (written like `wire`), its size computed.
inline std::string frame_of(std::string_view body_spec, frame_type type = frame_type::amqp, std::uint16_t channel = 0) {
    return frame_around(wire(body_spec), type, channel);
}

/// Lowercase hex of `s`, for readable mismatches.
inline std::string hex(std::string_view s) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : s) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 0xf]);
    }
    return out;
}

/// Keeps `s` for the rest of the test program, so that views decoded from it stay valid.
inline const std::string& kept(std::string s) {
    static std::deque<std::string> store;
    return store.emplace_back(std::move(s));
}

/// The single value `encoded` holds (the test fails if there is not exactly one); the bytes are
/// kept, so the value's views stay valid.
inline value only_value(std::string encoded) {
    const std::string& b = kept(std::move(encoded));
    failure sink;
    reader r(bytes(b), sink);
    value v;
    EXPECT_TRUE(r.next(v)) << sink.description();
    EXPECT_TRUE(r.at_end());
    EXPECT_FALSE(sink.failed()) << sink.description();
    return v;
}

/// The one complete frame `s` holds (asserts in the caller's test if it is not exactly one frame).
/// The bytes are kept, so the frame's views stay valid.
inline frame only_frame(std::string s, std::uint32_t max_frame_size = default_max_frame_size) {
    const std::string& b = kept(std::move(s));
    result<frame_poll> p = frame_decoder(max_frame_size).next(bytes(b));
    EXPECT_TRUE(p.ok()) << (p.ok() ? "" : std::string(p.err().description()));
    if (!p.ok()) return {};
    EXPECT_TRUE(p->complete());
    EXPECT_EQ(p->f.size, b.size());
    return p->f;
}

/// Decodes the performative of the single frame in `s` as a T.
template <typename T>
result<T> decode_as(std::string s) {
    result<performative> p = decode_performative(only_frame(std::move(s)));
    if (!p) return p.err();
    if (!std::holds_alternative<T>(*p)) return failure(condition::internal_error, "another performative");
    return std::get<T>(std::move(*p));
}

}  // namespace tallyhub::amqp::test
