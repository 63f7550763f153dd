// WebSocket framing violations: each one yields the exact close code a server must send (RFC 6455
// §5, §7.4), UTF-8 edge cases, and the message size limit at its exact boundary.

#include "net/ws_frame.hpp"
#include "tests/net/ws_frame_test_util.hpp"

#include <gtest/gtest.h>

namespace tallyhub::ws::test {
namespace {

using events = std::vector<got>;

// A masked frame with a hand-set first byte (FIN, RSV and opcode bits).
std::string frame_with_first_byte(unsigned first, std::string_view payload) {
    std::string f = masked(opcode::text, payload);
    f[0] = char(first);
    return f;
}

TEST(ws_frame_errors, unmasked_client_frame_is_1002) {
    EXPECT_EQ(parse_whole(bytes({0x81, 0x05}) + "Hello"), events{error_event(1002)});
}

TEST(ws_frame_errors, reserved_bits_are_1002) {
    for (unsigned rsv : {0x40u, 0x20u, 0x10u})
        EXPECT_EQ(parse_whole(frame_with_first_byte(0x81 | rsv, "x")), events{error_event(1002)}) << rsv;
}

TEST(ws_frame_errors, reserved_opcodes_are_1002) {
    for (unsigned op : {0x3u, 0x4u, 0x5u, 0x6u, 0x7u, 0xBu, 0xCu, 0xDu, 0xEu, 0xFu})
        EXPECT_EQ(parse_whole(frame_with_first_byte(0x80 | op, "x")), events{error_event(1002)}) << op;
}

TEST(ws_frame_errors, control_frame_over_125_bytes_is_1002) {
    EXPECT_EQ(parse_whole(masked(opcode::ping, std::string(125, 'p'))),
              (events{{event_kind::ping, 0, std::string(125, 'p')}}));
    EXPECT_EQ(parse_whole(masked(opcode::ping, std::string(126, 'p'))), events{error_event(1002)});
    EXPECT_EQ(parse_whole(masked(opcode::close, bytes({0x03, 0xE8}) + std::string(124, 'r'))),
              events{error_event(1002)});
}

TEST(ws_frame_errors, fragmented_control_frame_is_1002) {
    EXPECT_EQ(parse_whole(masked(opcode::ping, "p", false)), events{error_event(1002)});
}

TEST(ws_frame_errors, continuation_without_a_message_is_1002) {
    EXPECT_EQ(parse_whole(masked(opcode::continuation, "x")), events{error_event(1002)});
    // A finished message does not leave a fragmented one open.
    EXPECT_EQ(parse_whole(masked(opcode::text, "a") + masked(opcode::continuation, "b")),
              (events{text_msg("a"), error_event(1002)}));
}

TEST(ws_frame_errors, new_data_frame_inside_a_fragmented_message_is_1002) {
    EXPECT_EQ(parse_whole(masked(opcode::text, "a", false) + masked(opcode::binary, "b")), events{error_event(1002)});
    EXPECT_EQ(parse_whole(masked(opcode::binary, "a", false) + masked(opcode::text, "b", false)),
              events{error_event(1002)});
}

TEST(ws_frame_errors, length_with_the_high_bit_set_is_1002) {
    std::string f = bytes({0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0x01, 0x37, 0xfa, 0x21, 0x3d});
    EXPECT_EQ(parse_whole(f), events{error_event(1002)});
}

TEST(ws_frame_errors, message_size_limit_at_the_exact_boundary) {
    const std::string max(32 * 1024, 'm');
    EXPECT_EQ(parse_whole(masked(opcode::binary, max)), events{binary_msg(max)});
    EXPECT_EQ(parse_whole(masked(opcode::binary, max + "!")), events{error_event(1009)});

    const std::string half(16 * 1024, 'h');
    std::string two_halves = masked(opcode::text, half, false) + masked(opcode::continuation, half);
    EXPECT_EQ(parse_whole(two_halves), events{text_msg(half + half)});
    std::string one_more = masked(opcode::text, half, false) + masked(opcode::continuation, half, false) +
                           masked(opcode::continuation, "!");
    EXPECT_EQ(parse_whole(one_more), events{error_event(1009)});
}

TEST(ws_frame_errors, message_size_limit_is_configurable) {
    parser_limits ten{.max_message_size = 10};
    EXPECT_EQ(parse_whole(masked(opcode::text, "0123456789"), ten), events{text_msg("0123456789")});
    EXPECT_EQ(parse_whole(masked(opcode::text, "0123456789a"), ten), events{error_event(1009)});
    EXPECT_EQ(parse_whole(masked(opcode::text, "01234", false) + masked(opcode::continuation, "567890"), ten),
              events{error_event(1009)});
    // Control frames do not count toward the limit of the message they interrupt.
    EXPECT_EQ(parse_whole(masked(opcode::text, "01234", false) + masked(opcode::ping, "0123456789") +
                              masked(opcode::continuation, "56789"),
                          ten),
              (events{{event_kind::ping, 0, "0123456789"}, text_msg("0123456789")}));
}

TEST(ws_frame_errors, oversized_message_is_refused_from_its_header_alone) {
    // Only the 8-byte header of a 1 MiB frame arrives; the parser must not wait for the payload.
    std::string header = masked(opcode::binary, std::string(1 << 20, 'x')).substr(0, 14);
    frame_parser p;
    p.feed(std::span<char>(header));
    event ev = p.next();
    EXPECT_EQ(ev.kind, event_kind::protocol_error);
    EXPECT_EQ(ev.close_code, close_code::message_too_big);
}

TEST(ws_frame_errors, errors_are_sticky) {
    std::string bad = bytes({0x81, 0x00});  // unmasked
    frame_parser p;
    p.feed(std::span<char>(bad));
    EXPECT_EQ(p.next().close_code, 1002);
    std::string good = masked(opcode::text, "ok");
    p.feed(std::span<char>(good));
    event again = p.next();
    EXPECT_EQ(again.kind, event_kind::protocol_error);
    EXPECT_EQ(again.close_code, 1002);
}

TEST(ws_frame_errors, close_payload_of_one_byte_is_1002) {
    EXPECT_EQ(parse_whole(masked(opcode::close, bytes({0x03}))), events{error_event(1002)});
}

TEST(ws_frame_errors, invalid_close_codes_are_1002) {
    for (unsigned code : {0u, 999u, 1004u, 1005u, 1006u, 1015u, 1016u, 1100u, 2000u, 2999u, 5000u, 65535u}) {
        std::string payload = bytes({code >> 8, code & 0xFF});
        EXPECT_EQ(parse_whole(masked(opcode::close, payload)), events{error_event(1002)}) << code;
    }
    for (unsigned code : {1000u, 1001u, 1002u, 1003u, 1007u, 1008u, 1009u, 1010u, 1011u, 1012u, 3000u, 4999u}) {
        std::string payload = bytes({code >> 8, code & 0xFF});
        EXPECT_EQ(parse_whole(masked(opcode::close, payload)), (events{{event_kind::close, std::uint16_t(code), ""}}))
            << code;
    }
}

TEST(ws_frame_errors, close_reason_must_be_utf8) {
    EXPECT_EQ(parse_whole(masked(opcode::close, bytes({0x03, 0xE8, 0xC3}))), events{error_event(1007)});
    EXPECT_EQ(parse_whole(masked(opcode::close, bytes({0x03, 0xE8}) + "\xc3\xa9")),
              (events{{event_kind::close, 1000, "\xc3\xa9"}}));
}

TEST(ws_frame_errors, close_code_validity_table) {
    EXPECT_FALSE(is_valid_close_code(999));
    EXPECT_TRUE(is_valid_close_code(close_code::normal));
    EXPECT_TRUE(is_valid_close_code(close_code::internal_error));
    EXPECT_FALSE(is_valid_close_code(close_code::no_status));
    EXPECT_FALSE(is_valid_close_code(close_code::abnormal));
    EXPECT_FALSE(is_valid_close_code(close_code::tls_handshake));
    EXPECT_FALSE(is_valid_close_code(2999));
    EXPECT_TRUE(is_valid_close_code(3000));
    EXPECT_TRUE(is_valid_close_code(4999));
    EXPECT_FALSE(is_valid_close_code(5000));
}

struct utf8_case {
    const char* name;
    std::string text;
    bool valid;
};

TEST(ws_frame_errors, utf8_edge_cases_in_text_messages) {
    const utf8_case cases[] = {
        {"ascii", "plain", true},
        {"two byte e-acute", "\xc3\xa9", true},
        {"three byte euro", "\xe2\x82\xac", true},
        {"four byte emoji", "\xf0\x9f\x98\x80", true},
        {"last before surrogates U+D7FF", "\xed\x9f\xbf", true},
        {"U+FFFF", "\xef\xbf\xbf", true},
        {"max U+10FFFF", "\xf4\x8f\xbf\xbf", true},
        {"overlong slash 2 bytes", "\xc0\xaf", false},
        {"overlong slash 3 bytes", "\xe0\x80\xaf", false},
        {"overlong NUL 4 bytes", "\xf0\x80\x80\x80", false},
        {"high surrogate U+D800", "\xed\xa0\x80", false},
        {"low surrogate U+DFFF", "\xed\xbf\xbf", false},
        {"above U+10FFFF", "\xf4\x90\x80\x80", false},
        {"lone continuation byte", "a\x80", false},
        {"0xFF byte", "\xff", false},
        {"truncated 2-byte at end", "ok\xc3", false},
        {"truncated 3-byte at end", "ok\xe2\x82", false},
        {"truncated 4-byte at end", "ok\xf0\x9f\x98", false},
    };
    for (const auto& c : cases) {
        events want = c.valid ? events{text_msg(c.text)} : events{error_event(1007)};
        EXPECT_EQ(parse_whole(masked(opcode::text, c.text)), want) << c.name;
        // Binary messages carry any bytes.
        EXPECT_EQ(parse_whole(masked(opcode::binary, c.text)), events{binary_msg(c.text)}) << c.name;
    }
}

TEST(ws_frame_errors, utf8_is_judged_on_the_whole_reassembled_message) {
    // The euro sign split across three fragments is valid; a message ending mid-character is not.
    std::string split = masked(opcode::text, "\xe2", false) + masked(opcode::continuation, "\x82", false) +
                        masked(opcode::continuation, "\xac");
    EXPECT_EQ(parse_whole(split), events{text_msg("\xe2\x82\xac")});
    std::string truncated = masked(opcode::text, "ok", false) + masked(opcode::continuation, "\xe2\x82");
    EXPECT_EQ(parse_whole(truncated), events{error_event(1007)});
}

}  // namespace
}  // namespace tallyhub::ws::test
