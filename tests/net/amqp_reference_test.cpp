// The frames of shared/reference/amqp-1.0.md §1.3 and §3.1, byte for byte: what RabbitMQ 3.10 sent
// (sasl-mechanisms as an array8 of sym32) and what our raw client sent and RabbitMQ accepted.
// Each is decoded to the fields the reference lists, and encoded back from those fields to the
// same bytes.

#include "net/amqp/encode.hpp"
#include "tests/net/amqp_test_util.hpp"

#include <vector>

namespace tallyhub::amqp::test {
namespace {

const std::string open_frame = wire(
    "00000034 02000000 005310 c02705 a10c \"raw-6402707f\" a109 \"localhost\" 7000010000 600000 7000007530");
const std::string begin_frame_bytes = wire("0000001a 02000000 005311 c00d04 40 43 7000000800 7000000800");
const std::string attach_frame = wire(
    "00000033 02000000 005312 c02607 a107 \"rawlink\" 43 41 5000 5000 005328 c00d01 a10a \"/queue/raw\" 005329 45");
const std::string flow_frame = wire("0000001e 02000000 005313 c01107 43 7000000800 43 7000000800 43 43 52 64");
const std::string disposition_frame = wire("00000016 02000000 005315 c00905 41 43 40 41 005324 45");
const std::string detach_frame = wire("0000001002000000005316c003024341");
const std::string close_frame = wire("0000000c0200000000531845");
const std::string rabbit_mechanisms = wire(
    "00000034 02 01 0000 | 00 53 40 | c0 27 01 | e0 24 03 b3 | 00000009 \"ANONYMOUS\" 00000008 \"AMQPLAIN\" "
    "00000005 \"PLAIN\"");
const std::string anonymous_init = wire("0000001b 02 01 0000 005341 c00e02 a309 \"ANONYMOUS\" a000");

template <typename P>
std::string framed(const P& p, std::uint16_t channel = 0) {
    std::string out;
    encode_frame(out, channel, p);
    return out;
}

TEST(amqp_reference, open_from_our_client) {
    result<open> o = decode_as<open>(open_frame);
    ASSERT_TRUE(o.ok()) << o.err().description();
    EXPECT_EQ(o->container_id, "raw-6402707f");
    EXPECT_EQ(o->hostname, "localhost");
    EXPECT_EQ(o->max_frame_size, 65536u);
    EXPECT_EQ(o->channel_max, 0);
    EXPECT_EQ(o->idle_time_out, 30000u);
    EXPECT_TRUE(o->offered_capabilities.empty());
    EXPECT_TRUE(o->properties.empty());
    EXPECT_EQ(hex(framed(*o)), hex(open_frame));
}

TEST(amqp_reference, begin_with_null_remote_channel) {
    result<begin> b = decode_as<begin>(begin_frame_bytes);
    ASSERT_TRUE(b.ok()) << b.err().description();
    EXPECT_FALSE(b->remote_channel.has_value());
    EXPECT_EQ(b->next_outgoing_id, 0u);
    EXPECT_EQ(b->incoming_window, 2048u);
    EXPECT_EQ(b->outgoing_window, 2048u);
    EXPECT_EQ(b->handle_max, 0xffffffffu);  // shortened list: the default
    EXPECT_EQ(hex(framed(*b)), hex(begin_frame_bytes));
}

TEST(amqp_reference, attach_receiver_with_source_and_empty_target) {
    result<attach> a = decode_as<attach>(attach_frame);
    ASSERT_TRUE(a.ok()) << a.err().description();
    EXPECT_EQ(a->name, "rawlink");
    EXPECT_EQ(a->handle, 0u);
    EXPECT_EQ(a->role, role::receiver);
    EXPECT_EQ(a->snd_settle_mode, sender_settle_mode::unsettled);
    EXPECT_EQ(a->rcv_settle_mode, receiver_settle_mode::first);
    ASSERT_TRUE(a->source.has_value());
    EXPECT_EQ(a->source->address, "/queue/raw");
    EXPECT_EQ(a->source->durable, terminus_durability::none);
    EXPECT_EQ(a->source->expiry_policy, "session-end");
    ASSERT_TRUE(a->target.has_value());
    EXPECT_TRUE(a->target->address.empty());
    EXPECT_FALSE(a->initial_delivery_count.has_value());
    EXPECT_EQ(hex(framed(*a)), hex(attach_frame));
}

TEST(amqp_reference, flow_granting_credit) {
    result<flow> f = decode_as<flow>(flow_frame);
    ASSERT_TRUE(f.ok()) << f.err().description();
    EXPECT_EQ(f->next_incoming_id, 0u);
    EXPECT_EQ(f->incoming_window, 2048u);
    EXPECT_EQ(f->next_outgoing_id, 0u);
    EXPECT_EQ(f->outgoing_window, 2048u);
    EXPECT_EQ(f->handle, 0u);
    EXPECT_EQ(f->delivery_count, 0u);
    EXPECT_EQ(f->link_credit, 100u);
    EXPECT_FALSE(f->available.has_value());
    EXPECT_FALSE(f->drain);
    EXPECT_EQ(hex(framed(*f)), hex(flow_frame));
}

TEST(amqp_reference, disposition_accepting_one_delivery) {
    result<disposition> d = decode_as<disposition>(disposition_frame);
    ASSERT_TRUE(d.ok()) << d.err().description();
    EXPECT_EQ(d->role, role::receiver);
    EXPECT_EQ(d->first, 0u);
    EXPECT_FALSE(d->last.has_value());
    EXPECT_EQ(d->last_id(), 0u);
    EXPECT_TRUE(d->settled);
    ASSERT_TRUE(d->state.has_value());
    EXPECT_EQ(d->state->kind, delivery_state_kind::accepted);
    EXPECT_EQ(hex(framed(*d)), hex(disposition_frame));
}

TEST(amqp_reference, detach_closed_and_close_empty) {
    result<detach> d = decode_as<detach>(detach_frame);
    ASSERT_TRUE(d.ok()) << d.err().description();
    EXPECT_EQ(d->handle, 0u);
    EXPECT_TRUE(d->closed);
    EXPECT_FALSE(d->error.has_value());
    EXPECT_EQ(hex(framed(*d)), hex(detach_frame));

    result<close> c = decode_as<close>(close_frame);
    ASSERT_TRUE(c.ok()) << c.err().description();
    EXPECT_FALSE(c->error.has_value());
    EXPECT_EQ(hex(framed(close{})), hex(close_frame));
}

TEST(amqp_reference, rabbitmq_sasl_mechanisms_array8_of_sym32) {
    frame f = only_frame(rabbit_mechanisms);
    EXPECT_EQ(f.type, frame_type::sasl);
    result<sasl_performative> p = decode_sasl(f);
    ASSERT_TRUE(p.ok()) << p.err().description();
    const auto& m = std::get<sasl_mechanisms>(*p);
    std::vector<std::string_view> names(m.mechanisms.begin(), m.mechanisms.end());
    EXPECT_EQ(names, (std::vector<std::string_view>{"ANONYMOUS", "AMQPLAIN", "PLAIN"}));
    EXPECT_TRUE(m.mechanisms.contains("PLAIN"));
    EXPECT_FALSE(m.mechanisms.contains("EXTERNAL"));

    // Encoded back in the smallest form: sym8 elements instead of RabbitMQ's sym32.
    std::string ours;
    encode_sasl_frame(ours, m);
    EXPECT_EQ(hex(ours), hex(wire("0000002b 02 01 0000 005340 c01e01 e0 1b 03 a3 09 \"ANONYMOUS\" 08 \"AMQPLAIN\" "
                                  "05 \"PLAIN\"")));
    result<sasl_performative> again = decode_sasl(only_frame(ours));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(std::get<sasl_mechanisms>(*again).mechanisms.size(), 3u);
}

TEST(amqp_reference, our_sasl_init_anonymous) {
    result<sasl_performative> p = decode_sasl(only_frame(anonymous_init));
    ASSERT_TRUE(p.ok()) << p.err().description();
    const auto& i = std::get<sasl_init>(*p);
    EXPECT_EQ(i.mechanism, "ANONYMOUS");
    ASSERT_TRUE(i.initial_response.has_value());
    EXPECT_TRUE(i.initial_response->empty());
    EXPECT_TRUE(i.hostname.empty());

    std::string ours;
    encode_sasl_frame(ours, sasl_init{.mechanism = "ANONYMOUS", .initial_response = bytes_view{}});
    EXPECT_EQ(hex(ours), hex(anonymous_init));
}

TEST(amqp_reference, rabbitmq_reencoded_header_section) {
    // §4: RabbitMQ re-encodes the header on delivery: [durable=true, 3 nulls, first-acquirer=true].
    std::string header = wire("00 53 70 c0 06 05 41 40 40 41 40");
    failure sink;
    reader r(bytes(header), sink);
    value v;
    ASSERT_TRUE(r.next(v));
    EXPECT_TRUE(v.is(code::header));
    EXPECT_EQ(v.count, 5u);
}

}  // namespace
}  // namespace tallyhub::amqp::test
