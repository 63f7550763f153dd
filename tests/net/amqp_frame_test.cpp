// AMQP 1.0 framing: protocol header recognition and the answer a listener gives (RabbitMQ's
// observed behaviour, §1.1 of the reference), the frame decoder over partial input, heartbeats,
// extended headers, every header violation with its framing-error, and frame encoding including
// transfers split to the peer's max-frame-size.

#include "net/amqp/encode.hpp"
#include "tests/net/amqp_test_util.hpp"

#include <vector>

namespace tallyhub::amqp::test {
namespace {

header_kind kind_of(const std::string& s) { return recognize_protocol_header(bytes(s)); }

TEST(amqp_frame, protocol_headers_are_recognised) {
    EXPECT_EQ(kind_of(wire("414d5150 00010000")), header_kind::amqp);
    EXPECT_EQ(kind_of(wire("414d5150 02010000")), header_kind::tls);
    EXPECT_EQ(kind_of(wire("414d5150 03010000")), header_kind::sasl);
    EXPECT_EQ(kind_of(wire("414d5150 01010000")), header_kind::unsupported);
    EXPECT_EQ(kind_of(wire("414d5150 00000901")), header_kind::unsupported);  // AMQP 0-9-1
    EXPECT_EQ(kind_of(wire("414d5150 00010001")), header_kind::unsupported);
    EXPECT_EQ(kind_of("GET / HTTP/1.1\r\n"), header_kind::not_amqp);
    EXPECT_EQ(kind_of(wire("16 03 01")), header_kind::not_amqp);  // a TLS ClientHello, decided at once
    EXPECT_EQ(kind_of(""), header_kind::need_more);
    EXPECT_EQ(kind_of("AMQ"), header_kind::need_more);
    EXPECT_EQ(kind_of(wire("414d5150 0301")), header_kind::need_more);
    EXPECT_EQ(kind_of("AMX"), header_kind::not_amqp);
}

TEST(amqp_frame, listener_echoes_what_it_accepts_and_otherwise_offers_its_own) {
    header_policy before_sasl;  // SASL only
    EXPECT_EQ(answer_protocol_header(header_kind::sasl, before_sasl).accepted, true);
    EXPECT_EQ(answer_protocol_header(header_kind::sasl, before_sasl).reply, protocol_id::sasl);
    header_answer plain = answer_protocol_header(header_kind::amqp, before_sasl);
    EXPECT_FALSE(plain.accepted);
    EXPECT_EQ(plain.reply, protocol_id::sasl);
    EXPECT_FALSE(answer_protocol_header(header_kind::not_amqp, before_sasl).accepted);
    EXPECT_FALSE(answer_protocol_header(header_kind::tls, before_sasl).accepted);

    header_policy after_sasl{.sasl = false, .amqp = true};
    EXPECT_TRUE(answer_protocol_header(header_kind::amqp, after_sasl).accepted);
    EXPECT_EQ(answer_protocol_header(header_kind::unsupported, after_sasl).reply, protocol_id::amqp);

    header_policy either{.sasl = true, .amqp = true};
    EXPECT_TRUE(answer_protocol_header(header_kind::amqp, either).accepted);
    EXPECT_EQ(answer_protocol_header(header_kind::unsupported, either).reply, protocol_id::sasl);

    std::string out;
    encode_protocol_header(out, protocol_id::sasl);
    encode_protocol_header(out, protocol_id::amqp);
    EXPECT_EQ(hex(out), "414d515003010000" "414d515000010000");
}

TEST(amqp_frame, decoder_asks_for_exactly_what_is_missing) {
    const std::string f = wire("0000001002000000005316c003024341");  // the reference detach
    frame_decoder d;
    for (std::size_t n = 0; n < f.size(); ++n) {
        result<frame_poll> p = d.next(bytes(f).first(n));
        ASSERT_TRUE(p.ok()) << n << ": " << p.err().description();
        EXPECT_FALSE(p->complete()) << n;
        EXPECT_EQ(p->need, n < 8 ? 8 - n : f.size() - n) << n;
    }
    result<frame_poll> p = d.next(bytes(f));
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE(p->complete());
    EXPECT_EQ(p->f.size, 16u);
    EXPECT_EQ(p->f.type, frame_type::amqp);
    EXPECT_EQ(p->f.body.size(), 8u);
}

TEST(amqp_frame, frames_are_taken_one_at_a_time_from_a_pipelined_read) {
    std::string stream;
    encode_heartbeat(stream);
    encode_frame(stream, 3, begin{.remote_channel = 3, .next_outgoing_id = 1, .incoming_window = 10,
                                  .outgoing_window = 10});
    encode_frame(stream, 3, close{});
    frame_decoder d;
    std::vector<std::size_t> sizes;
    bytes_view rest = bytes(stream);
    std::vector<bool> heartbeats;
    while (!rest.empty()) {
        result<frame_poll> p = d.next(rest);
        ASSERT_TRUE(p.ok() && p->complete());
        sizes.push_back(p->f.size);
        heartbeats.push_back(p->f.is_heartbeat());
        rest = rest.subspan(p->f.size);
    }
    EXPECT_EQ(sizes.size(), 3u);
    EXPECT_EQ(heartbeats, (std::vector<bool>{true, false, false}));
    EXPECT_EQ(hex(stream.substr(0, 8)), "0000000802000000");
}

TEST(amqp_frame, channel_and_extended_header) {
    // DOFF 3: four bytes of extended header (ignored) before the body.
    const std::string f = wire("00000010 03 00 0007 deadbeef 00531845");
    frame fr = only_frame(f);
    EXPECT_EQ(fr.channel, 7);
    EXPECT_EQ(hex(as_chars(fr.body)), "00531845");
    EXPECT_TRUE(decode_as<close>(f).ok());
    // The extended header alone, no body: a heartbeat.
    EXPECT_TRUE(only_frame(wire("0000000c 03 00 0000 00000000")).is_heartbeat());
}

TEST(amqp_frame, impossible_headers_are_framing_errors) {
    struct bad {
        const char* frame;
        const char* why;
    };
    for (const bad& b : std::vector<bad>{
             {"00000004 02000000", "frame size 4 is smaller than its 8-byte header"},
             {"00010001 02000000", "frame size 65537 exceeds max-frame-size 65536"},
             {"ffffffff 02000000", "frame size 4294967295 exceeds max-frame-size 65536"},
             {"00000010 01000000", "frame data offset 1 is below 2"},
             {"00000010 00000000", "frame data offset 0 is below 2"},
             {"00000010 05000000", "frame data offset 5 (20 bytes) exceeds the frame size 16"},
             {"00000010 02020000", "frame type 0x02 is neither AMQP (0) nor SASL (1)"},
         }) {
        // Judged on the header alone: the rest of the frame need not have arrived.
        result<frame_poll> p = frame_decoder().next(bytes(wire(b.frame)));
        ASSERT_FALSE(p.ok()) << b.frame;
        EXPECT_EQ(p.err().cond(), condition::framing_error) << b.frame;
        EXPECT_EQ(p.err().symbol(), "amqp:connection:framing-error");
        EXPECT_EQ(p.err().description(), b.why) << b.frame;
    }
}

TEST(amqp_frame, the_limit_is_ours_and_never_below_512) {
    std::string big = wire("00001000 02000000") + std::string(0x1000 - 8, '\0');
    EXPECT_TRUE(frame_decoder(0x1000).next(bytes(big)).ok());
    EXPECT_FALSE(frame_decoder(0xfff).next(bytes(big)).ok());
    frame_decoder d(100);
    EXPECT_EQ(d.max_frame_size(), min_max_frame_size);
    d.set_max_frame_size(1 << 20);
    EXPECT_EQ(d.max_frame_size(), 1u << 20);
}

TEST(amqp_frame, sasl_frames_use_type_1_and_channel_0) {
    std::string out;
    encode_frame(out, 9, sasl_outcome{.code = sasl_code::ok});
    EXPECT_EQ(hex(out), "00000010" "02010000" "005344" "c0030150" "00");
    frame f = only_frame(out);
    EXPECT_EQ(f.type, frame_type::sasl);
    EXPECT_FALSE(decode_performative(f).ok());  // not an AMQP frame
    EXPECT_EQ(decode_performative(f).err().cond(), condition::framing_error);
    EXPECT_FALSE(decode_sasl(only_frame(wire("0000000c0200000000531845"))).ok());
}

TEST(amqp_frame, transfer_payload_follows_the_performative_in_one_buffer) {
    std::string out = "prefix";
    const std::string payload = wire("00 53 75 a0 03 \"abc\"");
    std::byte tag[1] = {std::byte{'1'}};
    encode_frame(out, 2,
                 transfer{.handle = 0, .delivery_id = 5, .delivery_tag = bytes_view(tag), .message_format = 0},
                 bytes(payload));
    EXPECT_EQ(out.substr(0, 6), "prefix");
    std::string f = out.substr(6);
    // Proton's shape: trailing fields left out (settled=false and more=false are defaults).
    EXPECT_EQ(hex(f), "0000001d" "02000002" "005314" "c00804" "43" "5205" "a00131" "43" "005375a003616263");
    result<transfer> t = decode_as<transfer>(f);
    ASSERT_TRUE(t.ok()) << t.err().description();
    EXPECT_EQ(t->delivery_id, 5u);
    EXPECT_EQ(hex(as_chars(t->payload)), hex(payload));
}

TEST(amqp_frame, transfers_split_to_the_peer_frame_size) {
    std::string payload(1300, 'p');
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = char('a' + i % 26);
    std::byte tag[8] = {};
    transfer first{.handle = 1, .delivery_id = 9, .delivery_tag = bytes_view(tag), .message_format = 0};
    std::string out;
    EXPECT_EQ(encode_transfer_frames(out, 4, first, bytes(payload), 512), 3u);

    std::string joined;
    std::vector<bool> more;
    bytes_view rest = bytes(out);
    frame_decoder d(512);
    while (!rest.empty()) {
        result<frame_poll> p = d.next(rest);
        ASSERT_TRUE(p.ok() && p->complete());
        EXPECT_LE(p->f.size, 512u);
        EXPECT_EQ(p->f.channel, 4);
        result<transfer> t = decode_transfer(*read_performative(p->f));
        ASSERT_TRUE(t.ok()) << t.err().description();
        EXPECT_EQ(t->handle, 1u);
        EXPECT_EQ(t->delivery_id.has_value(), more.empty());  // id and tag on the first frame only
        more.push_back(t->more);
        joined.append(as_chars(t->payload));
        rest = rest.subspan(p->f.size);
    }
    EXPECT_EQ(more, (std::vector<bool>{true, true, false}));
    EXPECT_EQ(joined, payload);

    std::string small;
    EXPECT_EQ(encode_transfer_frames(small, 0, first, bytes(std::string(10, 'x')), 512), 1u);
    EXPECT_FALSE(decode_as<transfer>(small)->more);
    std::string none = "keep";
    EXPECT_EQ(encode_transfer_frames(none, 0, first, bytes(payload), 20), 0u);  // not even the performative fits
    EXPECT_EQ(none, "keep");
}

}  // namespace
}  // namespace tallyhub::amqp::test
