// WebSocket framing: the RFC 6455 §5.7 examples byte for byte, message reassembly, interleaved
// control frames, every split point of a multi-frame stream, zero copy, and the server encoders.

#include "net/ws_frame.hpp"
#include "tests/net/ws_frame_test_util.hpp"

#include <gtest/gtest.h>

#include <random>

namespace tallyhub::ws::test {
namespace {

TEST(ws_frame, rfc_single_unmasked_text_hello) {
    std::string out;
    append_server_frame(out, opcode::text, "Hello");
    EXPECT_EQ(out, bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}));
}

TEST(ws_frame, rfc_single_masked_text_hello) {
    std::string wire = bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
    EXPECT_EQ(masked(opcode::text, "Hello"), wire);

    frame_parser p;
    p.feed(std::span<char>(wire));
    event ev = p.next();
    ASSERT_EQ(ev.kind, event_kind::text);
    EXPECT_EQ(ev.payload, "Hello");
    // Whole frame in one buffer: the payload is unmasked in place and handed out without a copy.
    EXPECT_EQ(ev.payload.data(), wire.data() + 6);
    EXPECT_EQ(p.next().kind, event_kind::need_more);
}

TEST(ws_frame, rfc_fragmented_unmasked_text) {
    std::string out;
    append_server_frame(out, opcode::text, "Hel", false);
    append_server_frame(out, opcode::continuation, "lo");
    EXPECT_EQ(out, bytes({0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f}));
}

TEST(ws_frame, fragmented_message_is_reassembled_into_own_buffer) {
    std::string wire = masked(opcode::text, "Hel", false) + masked(opcode::continuation, "lo");
    frame_parser p;
    p.feed(std::span<char>(wire));
    event ev = p.next();
    ASSERT_EQ(ev.kind, event_kind::text);
    EXPECT_EQ(ev.payload, "Hello");
    EXPECT_TRUE(ev.payload.data() < wire.data() || ev.payload.data() >= wire.data() + wire.size());
    EXPECT_FALSE(p.in_fragmented_message());
}

TEST(ws_frame, rfc_ping_and_its_pong) {
    EXPECT_EQ(encode_ping("Hello"), bytes({0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}));
    EXPECT_EQ(masked(opcode::pong, "Hello"),
              bytes({0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}));

    std::string wire = masked(opcode::ping, "Hello");
    frame_parser p;
    p.feed(std::span<char>(wire));
    event ev = p.next();
    ASSERT_EQ(ev.kind, event_kind::ping);
    EXPECT_EQ(ev.payload, "Hello");
    EXPECT_EQ(encode_pong(ev.payload), bytes({0x8a, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}));

    EXPECT_EQ(parse_whole(masked(opcode::pong, "Hello")), (std::vector<got>{{event_kind::pong, 0, "Hello"}}));
}

TEST(ws_frame, rfc_256_byte_and_64k_binary_lengths) {
    EXPECT_EQ(server_frame_header(opcode::binary, 256).view(), bytes({0x82, 0x7E, 0x01, 0x00}));
    EXPECT_EQ(server_frame_header(opcode::binary, 65536).view(),
              bytes({0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00}));

    std::string payload256(256, 'a'), payload64k(65536, 'b');
    EXPECT_EQ(masked(opcode::binary, payload256).substr(0, 4), bytes({0x82, 0xFE, 0x01, 0x00}));
    EXPECT_EQ(parse_whole(masked(opcode::binary, payload256)), (std::vector<got>{binary_msg(payload256)}));
    EXPECT_EQ(parse_whole(masked(opcode::binary, payload64k), {.max_message_size = 65536}),
              (std::vector<got>{binary_msg(payload64k)}));
}

TEST(ws_frame, header_uses_minimal_length_form) {
    EXPECT_EQ(server_frame_header(opcode::text, 0).view(), bytes({0x81, 0x00}));
    EXPECT_EQ(server_frame_header(opcode::text, 125).view(), bytes({0x81, 0x7D}));
    EXPECT_EQ(server_frame_header(opcode::text, 126).view(), bytes({0x81, 0x7E, 0x00, 0x7E}));
    EXPECT_EQ(server_frame_header(opcode::text, 65535).view(), bytes({0x81, 0x7E, 0xFF, 0xFF}));
    EXPECT_EQ(server_frame_header(opcode::binary, 200, false).view(), bytes({0x02, 0x7E, 0x00, 0xC8}));
    EXPECT_EQ(server_frame_header(opcode::binary, 100, false).view(), bytes({0x02, 0x64}));
}

TEST(ws_frame, non_minimal_lengths_are_accepted) {
    std::string k = bytes({0x37, 0xfa, 0x21, 0x3d});
    std::string body = bytes({0x7f, 0x9f, 0x4d, 0x51, 0x58});  // "Hello" masked
    std::string len16 = bytes({0x81, 0xFE, 0x00, 0x05}) + k + body;
    std::string len64 = bytes({0x81, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0x05}) + k + body;
    EXPECT_EQ(parse_whole(len16), (std::vector<got>{text_msg("Hello")}));
    EXPECT_EQ(parse_whole(len64), (std::vector<got>{text_msg("Hello")}));
}

TEST(ws_frame, control_frames_inside_a_fragmented_message_are_delivered) {
    std::string wire = masked(opcode::text, "Hel", false) + masked(opcode::ping, "p1") +
                       masked(opcode::continuation, "l", false) + masked(opcode::pong, "") +
                       masked(opcode::continuation, "o");
    std::vector<got> want{{event_kind::ping, 0, "p1"}, {event_kind::pong, 0, ""}, text_msg("Hello")};
    EXPECT_EQ(parse_whole(wire), want);
}

TEST(ws_frame, empty_messages_and_empty_fragments) {
    std::string wire = masked(opcode::text, "") + masked(opcode::binary, "", false) +
                       masked(opcode::continuation, "", false) + masked(opcode::continuation, "");
    EXPECT_EQ(parse_whole(wire), (std::vector<got>{text_msg(""), binary_msg("")}));
}

TEST(ws_frame, close_with_code_and_reason) {
    std::string payload = bytes({0x03, 0xE8}) + "bye";
    EXPECT_EQ(parse_whole(masked(opcode::close, payload)), (std::vector<got>{{event_kind::close, 1000, "bye"}}));
    EXPECT_EQ(parse_whole(masked(opcode::close, "")),
              (std::vector<got>{{event_kind::close, close_code::no_status, ""}}));
}

TEST(ws_frame, input_after_close_is_ignored) {
    std::string wire = masked(opcode::close, bytes({0x03, 0xE9})) + masked(opcode::text, "late") + "\xff\xff";
    EXPECT_EQ(parse_whole(wire), (std::vector<got>{{event_kind::close, 1001, ""}}));
}

// A stream with every kind of frame: whole messages, a fragmented one with a ping inside, a 16-bit
// length, and a close at the end.
std::string mixed_stream() {
    return masked(opcode::text, "Hello") + masked(opcode::binary, "ab", false) + masked(opcode::ping, "hi") +
           masked(opcode::continuation, "cd") + masked(opcode::binary, std::string(300, 'z')) +
           masked(opcode::text, "\xc3\xa9t\xc3", false) + masked(opcode::continuation, "\xa9") +
           masked(opcode::close, bytes({0x03, 0xE8}) + "done");
}

std::vector<got> mixed_events() {
    return {text_msg("Hello"), {event_kind::ping, 0, "hi"}, binary_msg("abcd"),
            binary_msg(std::string(300, 'z')), text_msg("\xc3\xa9t\xc3\xa9"), {event_kind::close, 1000, "done"}};
}

TEST(ws_frame, every_single_split_point_gives_the_same_events) {
    const std::string wire = mixed_stream();
    for (std::size_t cut = 0; cut <= wire.size(); ++cut)
        ASSERT_EQ(parse_pieces(wire, {cut}), mixed_events()) << "split at " << cut;
}

TEST(ws_frame, every_pair_of_split_points_in_the_first_frames) {
    const std::string wire = mixed_stream();
    const std::size_t span = 40;  // covers the first four frames, headers and payloads
    for (std::size_t a = 0; a <= span; ++a)
        for (std::size_t b = a; b <= span; ++b)
            ASSERT_EQ(parse_pieces(wire, {a, b}), mixed_events()) << "split at " << a << "," << b;
}

TEST(ws_frame, one_byte_at_a_time) {
    const std::string wire = mixed_stream();
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < wire.size(); ++i) cuts.push_back(i);
    EXPECT_EQ(parse_pieces(wire, cuts), mixed_events());
}

TEST(ws_frame, random_round_trips_through_the_client_encoder) {
    std::mt19937 rng(6455);
    for (int round = 0; round < 200; ++round) {
        std::size_t size = std::uniform_int_distribution<std::size_t>(0, 70000)(rng);
        std::string payload(size, '\0');
        for (char& c : payload) c = char(rng());
        std::array<std::uint8_t, 4> key{std::uint8_t(rng()), std::uint8_t(rng()), std::uint8_t(rng()),
                                        std::uint8_t(rng())};
        std::string wire = encode_client_frame(opcode::binary, payload, key);
        std::size_t cut = std::uniform_int_distribution<std::size_t>(0, wire.size())(rng);
        ASSERT_EQ(parse_pieces(wire, {cut}, {.max_message_size = 70000}), (std::vector<got>{binary_msg(payload)}))
            << "size " << size << " cut " << cut;
    }
}

TEST(ws_frame, encode_close_codes_and_reasons) {
    EXPECT_EQ(encode_close(close_code::normal), bytes({0x88, 0x02, 0x03, 0xE8}));
    EXPECT_EQ(encode_close(close_code::message_too_big, "too big"), bytes({0x88, 0x09, 0x03, 0xF1}) + "too big");
    EXPECT_EQ(encode_close_empty(), bytes({0x88, 0x00}));
}

TEST(ws_frame, encode_close_cuts_long_reason_on_a_character_boundary) {
    std::string reason;
    for (int i = 0; i < 100; ++i) reason += "\xc3\xa9";  // 200 bytes of "é"
    std::string frame = encode_close(close_code::policy_violation, reason);
    // 123 bytes are available for the reason; 61 whole characters (122 bytes) fit.
    EXPECT_EQ(frame.substr(0, 4), bytes({0x88, 124, 0x03, 0xF0}));
    EXPECT_EQ(frame.substr(4), reason.substr(0, 122));
}

TEST(ws_frame, ping_and_pong_payloads_are_capped_at_125_bytes) {
    std::string big(200, 'x');
    EXPECT_EQ(encode_ping(big), bytes({0x89, 125}) + std::string(125, 'x'));
    EXPECT_EQ(encode_pong(big).size(), 127u);
}

TEST(ws_frame, apply_mask_continues_across_buffers) {
    std::string data = "The quick brown fox jumps";
    std::string whole(data.size(), '\0'), parts(data.size(), '\0');
    apply_mask(whole.data(), data.data(), data.size(), rfc_key, 0);
    std::uint8_t phase = apply_mask(parts.data(), data.data(), 7, rfc_key, 0);
    apply_mask(parts.data() + 7, data.data() + 7, data.size() - 7, rfc_key, phase);
    EXPECT_EQ(parts, whole);
    EXPECT_EQ(masked(opcode::text, data).substr(6), whole);
}

}  // namespace
}  // namespace tallyhub::ws::test
