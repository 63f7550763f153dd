// Message sections: the message proton sent and RabbitMQ delivered (§4 of the reference), every
// body kind (one or several data sections, amqp-value string or binary, amqp-sequence), message-id
// kinds and their dedup keys, annotations and footer, the section order rules, and the producer's
// encoder, also through a multi-frame transfer.

#include "net/amqp/encode.hpp"
#include "net/amqp/message.hpp"
#include "tests/net/amqp_test_util.hpp"

#include <vector>

namespace tallyhub::amqp::test {
namespace {

const std::string json72 = [] {
    std::string s = R"({"type": "OrderCreated", "seq": 0, "amount": "12.50", "currency": "EUR"})";
    s.resize(72, ' ');
    return s;
}();

// What proton's sender produced (durable, id, subject, content-type, two application properties
// in a map32, a data section).
const std::string proton_message =
    wire("00 53 70 c0 02 01 41") +
    wire("00 53 73 c0 4b 07 a1 24 \"6034e8c3-55b1-4a2e-9a51-0d1f3c0e6123\" 40 40 a1 0c \"OrderCreated\" 40 40 "
         "a3 10 \"application/json\"") +
    wire("00 53 74 d1 00000024 00000004 a1 09 \"eventType\" a1 0c \"OrderCreated\" a1 03 \"seq\" 55 00") +
    wire("00 53 75 a0 48") + json72;

// Decodes `payload`, kept for the rest of the program so that the views stay valid.
result<message_view> decode(std::string payload) { return decode_message(bytes(kept(std::move(payload)))); }

TEST(amqp_message, proton_message_as_rabbitmq_delivered_it) {
    result<message_view> m = decode_message(bytes(proton_message));
    ASSERT_TRUE(m.ok()) << m.err().description();
    ASSERT_TRUE(m->header);
    EXPECT_TRUE(m->header->durable);
    EXPECT_EQ(m->header->priority, 4);
    ASSERT_TRUE(m->properties);
    EXPECT_EQ(m->properties->message_id.kind, message_id_kind::string);
    EXPECT_EQ(m->properties->message_id.key(), "s:6034e8c3-55b1-4a2e-9a51-0d1f3c0e6123");
    EXPECT_EQ(m->properties->subject, "OrderCreated");
    EXPECT_EQ(m->properties->content_type, "application/json");
    EXPECT_TRUE(m->properties->to.empty());
    EXPECT_EQ(m->application_property("eventType"), "OrderCreated");
    EXPECT_FALSE(m->application_property("seq").has_value());  // a long, not a string
    ASSERT_TRUE(m->application_properties.find("seq"));
    EXPECT_EQ(m->application_properties.find("seq")->i, 0);
    EXPECT_FALSE(m->application_property("MessageType").has_value());
    EXPECT_EQ(m->body, body_kind::data);
    std::optional<bytes_view> body = m->body_view();
    ASSERT_TRUE(body);
    EXPECT_EQ(as_chars(*body), json72);
    // Zero copy: the view points into the payload.
    EXPECT_EQ(as_chars(*body).data(), proton_message.data() + proton_message.size() - 72);
}

TEST(amqp_message, rabbitmq_reencoded_header_and_redelivery) {
    result<message_view> first = decode(wire("00 53 70 c0 06 05 41 40 40 41 40 00 53 75 a0 00"));
    ASSERT_TRUE(first.ok()) << first.err().description();
    EXPECT_TRUE(first->header->first_acquirer);
    EXPECT_EQ(first->header->delivery_count, 0u);
    result<message_view> again = decode(wire("00 53 70 c0 08 05 41 40 52 10 42 52 02 00 53 75 a0 00"));
    ASSERT_TRUE(again.ok()) << again.err().description();
    EXPECT_FALSE(again->header->first_acquirer);
    EXPECT_EQ(again->header->ttl, 16u);
    EXPECT_EQ(again->header->delivery_count, 2u);
}

TEST(amqp_message, amqp_value_string_and_binary_bodies) {
    result<message_view> s = decode(wire("00 53 77 a1 07") + "{\"a\":1}");
    ASSERT_TRUE(s.ok()) << s.err().description();
    EXPECT_EQ(s->body, body_kind::amqp_value);
    EXPECT_EQ(s->amqp_value.type, kind::string);
    EXPECT_EQ(as_chars(*s->body_view()), "{\"a\":1}");

    result<message_view> b = decode(wire("00 53 77 b0 00000002 7b7d"));
    ASSERT_TRUE(b.ok()) << b.err().description();
    EXPECT_EQ(as_chars(*b->body_view()), "{}");

    result<message_view> list = decode(wire("00 53 77 c0 03 02 43 41"));
    ASSERT_TRUE(list.ok()) << list.err().description();
    EXPECT_FALSE(list->body_view().has_value());
    std::string out;
    EXPECT_FALSE(list->append_body(out));
    EXPECT_EQ(list->amqp_value.type, kind::list);
}

TEST(amqp_message, several_data_sections_are_concatenated_on_request) {
    result<message_view> m = decode(wire("00 53 75 a0 03 \"abc\" 00 53 75 a0 00 00 53 75 b0 00000002 \"de\""));
    ASSERT_TRUE(m.ok()) << m.err().description();
    EXPECT_EQ(m->body, body_kind::data);
    EXPECT_EQ(m->body_sections, 3u);
    EXPECT_EQ(as_chars(m->data), "abc");  // the first section
    EXPECT_FALSE(m->body_view().has_value());
    std::string scratch = "old";
    EXPECT_EQ(as_chars(*m->body_bytes(scratch)), "abcde");
    std::string out = ">";
    EXPECT_TRUE(m->append_body(out));
    EXPECT_EQ(out, ">abcde");
}

TEST(amqp_message, amqp_sequence_bodies_are_recognised) {
    result<message_view> m = decode(wire("00 53 76 c0 03 01 a1 00 00 53 76 45"));
    ASSERT_TRUE(m.ok()) << m.err().description();
    EXPECT_EQ(m->body, body_kind::amqp_sequence);
    EXPECT_EQ(m->body_sections, 2u);
    EXPECT_EQ(m->body_region.size(), 12u);
    std::string s;
    EXPECT_FALSE(m->body_bytes(s).has_value());
}

TEST(amqp_message, message_ids_of_every_kind_have_distinct_stable_keys) {
    struct id_case {
        const char* encoded;
        message_id_kind kind;
        const char* key;
    };
    for (const id_case& c : std::vector<id_case>{
             {"53 05", message_id_kind::ulong, "u:5"},
             {"44", message_id_kind::ulong, "u:0"},
             {"80 ffffffffffffffff", message_id_kind::ulong, "u:18446744073709551615"},
             {"98 00112233445566778899aabbccddeeff", message_id_kind::uuid, "g:00112233-4455-6677-8899-aabbccddeeff"},
             {"a0 02 beef", message_id_kind::binary, "b:beef"},
             {"a1 01 \"5\"", message_id_kind::string, "s:5"},
         }) {
        // properties [message-id=id, 4 nulls, correlation-id=id]: the list8 size is the count byte + items.
        const std::string id = wire(c.encoded);
        const std::string payload =
            wire("00 53 73 c0") + char(1 + 2 * id.size() + 4) + char(6) + id + wire("40 40 40 40") + id;
        result<message_view> m = decode(payload);
        ASSERT_TRUE(m.ok()) << c.key << ": " << m.err().description();
        EXPECT_EQ(m->properties->message_id.kind, c.kind) << c.key;
        EXPECT_EQ(m->properties->message_id.key(), c.key);
        EXPECT_EQ(m->properties->correlation_id.key(), c.key);
        EXPECT_EQ(m->body, body_kind::none);
    }
    EXPECT_EQ(message_id{}.key(), "");
    result<message_view> bad = decode(wire("00 53 73 c0 02 01 41"));
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.err().description(), "properties: field 'message-id' is a boolean, expected ulong, uuid, binary or string");
}

TEST(amqp_message, annotations_and_footer_are_maps_keyed_by_symbols) {
    std::string payload = wire("00 53 71 c1 09 02 a3 04 \"hops\" 52 01") +
                          wire("00 53 72 c1 1f 02 a3 13 \"x-opt-enqueued-time\" 83 0000018c2b5f8c00") +
                          wire("00 53 75 a0 01 \"x\"") + wire("00 53 78 c1 0b 02 a3 04 \"hash\" a0 02 0102");
    result<message_view> m = decode(payload);
    ASSERT_TRUE(m.ok()) << m.err().description();
    EXPECT_EQ(m->delivery_annotations.find("hops")->u, 1u);
    std::optional<value> t = m->message_annotations.find("x-opt-enqueued-time");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->type, kind::timestamp);
    EXPECT_EQ(m->footer.size(), 1u);
    int entries = 0;
    for (const map_entry& e : m->message_annotations) {
        EXPECT_EQ(e.key.text(), "x-opt-enqueued-time");
        ++entries;
    }
    EXPECT_EQ(entries, 1);
}

TEST(amqp_message, sections_out_of_order_or_mixed_are_refused) {
    struct bad {
        const char* payload;
        const char* why;
    };
    for (const bad& b : std::vector<bad>{
             {"00 53 74 c1 01 00 00 53 73 45", "message: properties section out of order"},
             {"00 53 70 45 00 53 70 45", "message: two header sections"},
             {"00 53 75 a0 00 00 53 77 40", "message: amqp-value section after data"},
             {"00 53 77 40 00 53 77 40", "message: amqp-value section after amqp-value"},
             {"00 53 76 45 00 53 75 a0 00", "message: data section after amqp-sequence"},
             {"00 53 78 c1 01 00 00 53 75 a0 00", "message: data section out of order"},
             {"00 53 79 45", "message: section descriptor 0x79 is unknown"},
             {"a1 01 \"x\"", "message: a string where a section was expected"},
             {"00 53 70 c1 01 00", "message: header section is a map, expected a list"},
             {"00 53 75 a1 01 \"x\"", "message: data section is a string, expected a binary"},
             {"00 53 74 c0 01 00", "application-properties is a list, expected a map"},
             {"00 53 74 c1 03 01 a1 00", "map8 count 1 is odd"},
         }) {
        result<message_view> m = decode(wire(b.payload));
        ASSERT_FALSE(m.ok()) << b.why;
        EXPECT_EQ(m.err().cond(), condition::decode_error) << b.why;
        EXPECT_EQ(m.err().description(), b.why);
    }
}

TEST(amqp_message, producer_encoding_round_trips) {
    const application_property props[] = {{"MessageType", "OrderCreated"}, {"source", "pos-7"}};
    outgoing_message out{.durable = true, .message_id = message_id::of_string("ord-1"), .subject = "OrderCreated",
                         .content_type = "application/json", .application_properties = props,
                         .body = bytes(json72)};
    std::string payload;
    encode_message(payload, out);
    EXPECT_EQ(hex(payload.substr(0, 7)), hex(wire("00 53 70 c0 02 01 41")));
    EXPECT_EQ(hex(payload.substr(7, 49)),
              hex(wire("00 53 73 c0 2c 07 a1 05 \"ord-1\" 40 40 a1 0c \"OrderCreated\" 40 40 a3 10 \"application/json\"")));
    result<message_view> m = decode(payload);
    ASSERT_TRUE(m.ok()) << m.err().description();
    EXPECT_TRUE(m->header->durable);
    EXPECT_EQ(m->properties->message_id.key(), "s:ord-1");
    EXPECT_EQ(m->properties->subject, "OrderCreated");
    EXPECT_EQ(m->properties->content_type, "application/json");
    EXPECT_EQ(m->application_property("MessageType"), "OrderCreated");
    EXPECT_EQ(m->application_property("source"), "pos-7");
    EXPECT_EQ(as_chars(*m->body_view()), json72);

    // The bare minimum: a data section only.
    std::string minimal;
    encode_message(minimal, outgoing_message{.body = bytes(std::string("{}"))});
    EXPECT_EQ(hex(minimal), "005375a0027b7d");
}

TEST(amqp_message, a_large_message_split_into_transfers_reassembles) {
    std::string body(3000, 'j');
    std::string payload;
    encode_message(payload, outgoing_message{.message_id = message_id::of_ulong(42), .body = bytes(body)});
    std::string frames;
    std::byte tag[1] = {std::byte{'7'}};
    ASSERT_EQ(encode_transfer_frames(frames, 0, transfer{.handle = 0, .delivery_id = 1, .delivery_tag = bytes_view(tag)},
                                     bytes(payload), 1024),
              4u);
    std::string joined;
    bytes_view rest = bytes(frames);
    while (!rest.empty()) {
        frame f = frame_decoder(1024).next(rest)->f;
        joined.append(as_chars(decode_transfer(*read_performative(f))->payload));
        rest = rest.subspan(f.size);
    }
    result<message_view> m = decode(joined);
    ASSERT_TRUE(m.ok()) << m.err().description();
    EXPECT_EQ(m->properties->message_id.key(), "u:42");
    EXPECT_EQ(m->body_view()->size(), 3000u);
}

}  // namespace
}  // namespace tallyhub::amqp::test
