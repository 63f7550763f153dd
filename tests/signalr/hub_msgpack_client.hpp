#pragma once
// The MessagePack side of the hub test client (tests/signalr/hub_test_client.hpp): records written
// as hex with their length prefix, binary frames, and the server's records split back apart.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "signalr/msgpack_protocol.hpp"
#include "tests/signalr/hub_test_client.hpp"

namespace tallyhub::signalr::test_support {

inline constexpr std::string_view handshake_messagepack = "{\"protocol\":\"messagepack\",\"version\":1}\x1e";

inline std::string hex(std::string_view h) {
    std::string out;
    int nibble = -1;
    for (char c : h) {
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0) continue;
        if (nibble < 0) {
            nibble = v;
        } else {
            out.push_back(static_cast<char>(nibble << 4 | v));
            nibble = -1;
        }
    }
    return out;
}

// The hex of a string's bytes.
inline std::string hex_of(std::string_view s) {
    std::string h;
    for (unsigned char ch : s) h += fmt::format("{:02x} ", ch);
    return h;
}

// One record: its length prefix, then the body given in hex.
inline std::string mp(std::string_view body_hex) {
    const std::string body = hex(body_hex);
    std::string out;
    msgpack_protocol::append_length_prefix(out, std::uint32_t(body.size()));
    return out + body;
}

inline std::vector<std::string> split_msgpack(std::string_view payload) {
    std::vector<std::string> out;
    while (!payload.empty()) {
        auto lp = msgpack_protocol::read_length_prefix(payload);
        if (!lp || !lp->complete || payload.size() < lp->size + lp->length) {
            out.emplace_back(payload);  // not a whole record: the test will show it
            break;
        }
        out.emplace_back(payload.substr(0, lp->size + lp->length));
        payload.remove_prefix(lp->size + lp->length);
    }
    return out;
}

inline task<void> send_binary(test_client& c, std::string payload) {
    co_await c.send_raw(test_client::frame(payload, ws::opcode::binary));
}

inline task<void> mp_handshake(test_client& c) {
    co_await c.send_text(std::string(handshake_messagepack));
    auto f = co_await c.next_frame();
    CO_ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->op, ws::opcode::binary);
    EXPECT_EQ(f->payload, "{}\x1e");
}

// The records of the next binary frames, until there are at least `n`.
inline task<std::vector<std::string>> mp_records(test_client& c, std::size_t n) {
    std::vector<std::string> out;
    while (out.size() < n) {
        auto f = co_await c.next_frame();
        if (!f) break;
        if (f->op != ws::opcode::binary) {
            ADD_FAILURE() << "expected a binary frame, got opcode " << int(f->op) << ": " << f->payload;
            break;
        }
        for (auto& r : split_msgpack(f->payload)) out.push_back(std::move(r));
    }
    co_return out;
}

// Reads until the server's Close frame: its code, the MessagePack records before it in `before`.
inline task<int> mp_close_code(test_client& c, std::vector<std::string>& before) {
    for (;;) {
        auto f = co_await c.next_frame();
        if (!f) co_return 0;
        if (f->op == ws::opcode::close) co_return f->close_code();
        EXPECT_EQ(f->op, ws::opcode::binary);
        for (auto& r : split_msgpack(f->payload)) before.push_back(std::move(r));
    }
}

// A Completion's error text, decoded.
inline std::string completion_error(const std::string& record) {
    msgpack_protocol::parser p;
    auto s = p.next(record);
    if (!s || s->kind != msgpack_protocol::step_kind::message) return "<not a record>";
    const auto* m = std::get_if<completion_message>(&s->message);
    return m && m->error ? std::string(*m->error) : "<no error>";
}

}  // namespace tallyhub::signalr::test_support
