// Every performative and SASL frame encoded with all of its fields and decoded back; proton's
// shortened lists; descriptors written as ulong and as symbols; a single symbol where an array is
// allowed; delivery states; and the failures a peer gets for missing or mistyped fields.

#include "net/amqp/encode.hpp"
#include "tests/net/amqp_test_util.hpp"

#include <vector>

namespace tallyhub::amqp::test {
namespace {

// A map_view over `encoded` (a map), kept alive for the whole test program.
map_view map_of(std::string encoded) {
    failure sink;
    reader top(bytes_view{}, sink);
    map_view m;
    EXPECT_TRUE(map_view::from(top, only_value(std::move(encoded)), m, "test map")) << sink.description();
    return m;
}

// The frame of `p`, kept for the rest of the program: decoded views into it stay valid.
template <typename P>
const std::string& framed(const P& p, std::uint16_t channel = 0) {
    std::string out;
    encode_frame(out, channel, p);
    return kept(std::move(out));
}

std::vector<std::string_view> list(const symbol_array& a) { return {a.begin(), a.end()}; }

const std::string_view caps[] = {"shared", "ANONYMOUS-RELAY"};
const std::string_view locales[] = {"en-US"};

TEST(amqp_performative, open_round_trip_with_every_field) {
    std::string f = framed(open{.container_id = "tallyhub-1", .hostname = "vhost:prod", .max_frame_size = 4096,
                                .channel_max = 31, .idle_time_out = 60000, .outgoing_locales = locales,
                                .incoming_locales = locales, .offered_capabilities = caps,
                                .desired_capabilities = caps, .properties = map_of(wire("c1 0d 02 a3 07 \"product\" a1 01 \"t\""))});
    result<open> o = decode_as<open>(f);
    ASSERT_TRUE(o.ok()) << o.err().description();
    EXPECT_EQ(o->container_id, "tallyhub-1");
    EXPECT_EQ(o->hostname, "vhost:prod");
    EXPECT_EQ(o->max_frame_size, 4096u);
    EXPECT_EQ(o->channel_max, 31);
    EXPECT_EQ(o->idle_time_out, 60000u);
    EXPECT_EQ(list(o->outgoing_locales), (std::vector<std::string_view>{"en-US"}));
    EXPECT_EQ(list(o->desired_capabilities), (std::vector<std::string_view>{"shared", "ANONYMOUS-RELAY"}));
    EXPECT_EQ(o->properties.find_string("product"), "t");
    EXPECT_EQ(hex(framed(*o)), hex(f));
}

TEST(amqp_performative, defaults_fill_what_a_shortened_list_leaves_out) {
    // proton's server open: container-id "" and nothing else.
    result<open> o = decode_as<open>(wire("00000010 02000000 005310 c00301 a100"));
    ASSERT_TRUE(o.ok()) << o.err().description();
    EXPECT_EQ(o->container_id, "");
    EXPECT_EQ(o->max_frame_size, 0xffffffffu);
    EXPECT_EQ(o->channel_max, 0xffff);
    EXPECT_FALSE(o->idle_time_out.has_value());
    EXPECT_EQ(hex(framed(open{})), "00000010" "02000000" "005310" "c00301" "a100");
}

TEST(amqp_performative, begin_round_trip) {
    begin b{.remote_channel = 2, .next_outgoing_id = 77, .incoming_window = 2147483647, .outgoing_window = 5,
            .handle_max = 1023, .offered_capabilities = caps, .properties = map_of(wire("c1 05 02 a3 01 \"k\" 41"))};
    result<begin> d = decode_as<begin>(framed(b, 2));
    ASSERT_TRUE(d.ok()) << d.err().description();
    EXPECT_EQ(d->remote_channel, 2);
    EXPECT_EQ(d->next_outgoing_id, 77u);
    EXPECT_EQ(d->incoming_window, 2147483647u);
    EXPECT_EQ(d->handle_max, 1023u);
    EXPECT_TRUE(d->offered_capabilities.contains("shared"));
    EXPECT_EQ(d->properties.size(), 1u);
}

TEST(amqp_performative, attach_round_trip_with_full_source_and_target) {
    const std::string_view outcomes[] = {"amqp:accepted:list", "amqp:rejected:list", "amqp:released:list"};
    attach a{.name = "orders-link", .handle = 3, .role = role::sender,
             .snd_settle_mode = sender_settle_mode::settled, .rcv_settle_mode = receiver_settle_mode::second,
             .source = source{.address = "/amq/queue/orders", .durable = terminus_durability::unsettled_state,
                              .expiry_policy = "never", .timeout = 30, .dynamic = true,
                              .distribution_mode = "move",
                              .filter = map_of(wire("c1 10 02 a3 08 \"selector\" a1 03 \"a=1\"")),
                              .default_outcome = delivery_state::released(), .outcomes = outcomes,
                              .capabilities = caps},
             .target = target{.address = "events", .durable = terminus_durability::configuration,
                              .capabilities = caps},
             .incomplete_unsettled = true, .initial_delivery_count = 0, .max_message_size = 1 << 20,
             .desired_capabilities = caps};
    std::string f = framed(a, 1);
    result<attach> d = decode_as<attach>(f);
    ASSERT_TRUE(d.ok()) << d.err().description();
    EXPECT_EQ(d->name, "orders-link");
    EXPECT_EQ(d->role, role::sender);
    EXPECT_EQ(d->snd_settle_mode, sender_settle_mode::settled);
    EXPECT_EQ(d->rcv_settle_mode, receiver_settle_mode::second);
    ASSERT_TRUE(d->source && d->target);
    EXPECT_EQ(d->source->address, "/amq/queue/orders");
    EXPECT_EQ(d->source->durable, terminus_durability::unsettled_state);
    EXPECT_EQ(d->source->expiry_policy, "never");
    EXPECT_EQ(d->source->timeout, 30u);
    EXPECT_TRUE(d->source->dynamic);
    EXPECT_EQ(d->source->distribution_mode, "move");
    EXPECT_EQ(d->source->filter.find_string("selector"), "a=1");
    ASSERT_TRUE(d->source->default_outcome);
    EXPECT_EQ(d->source->default_outcome->kind, delivery_state_kind::released);
    EXPECT_EQ(list(d->source->outcomes).size(), 3u);
    EXPECT_TRUE(d->source->outcomes.contains("amqp:rejected:list"));
    EXPECT_EQ(d->target->address, "events");
    EXPECT_EQ(d->target->durable, terminus_durability::configuration);
    EXPECT_TRUE(d->incomplete_unsettled);
    EXPECT_EQ(d->initial_delivery_count, 0u);
    EXPECT_EQ(d->max_message_size, 1u << 20);
    EXPECT_EQ(hex(framed(*d, 1)), hex(f));
}

TEST(amqp_performative, refused_attach_has_null_terminus_and_coordinator_targets_are_told_apart) {
    result<attach> refused = decode_as<attach>(framed(attach{.name = "x", .handle = 0, .role = role::receiver}));
    ASSERT_TRUE(refused.ok()) << refused.err().description();
    EXPECT_FALSE(refused->source.has_value());
    EXPECT_FALSE(refused->target.has_value());

    result<attach> txn = decode_as<attach>(framed(attach{.name = "txn", .handle = 1, .role = role::sender,
                                                         .target = target{.coordinator = true},
                                                         .initial_delivery_count = 0}));
    ASSERT_TRUE(txn.ok()) << txn.err().description();
    ASSERT_TRUE(txn->target.has_value());
    EXPECT_TRUE(txn->target->coordinator);
}

TEST(amqp_performative, flow_round_trip) {
    flow fl{.next_incoming_id = 10, .incoming_window = 100, .next_outgoing_id = 3, .outgoing_window = 4,
            .handle = 2, .delivery_count = 50, .link_credit = 1000, .available = 7, .drain = true, .echo = true};
    result<flow> d = decode_as<flow>(framed(fl));
    ASSERT_TRUE(d.ok()) << d.err().description();
    EXPECT_EQ(d->next_incoming_id, 10u);
    EXPECT_EQ(d->link_credit, 1000u);
    EXPECT_EQ(d->available, 7u);
    EXPECT_TRUE(d->drain);
    EXPECT_TRUE(d->echo);
    // A session-only flow: no handle, no link fields.
    result<flow> session = decode_as<flow>(framed(flow{.incoming_window = 1, .outgoing_window = 1}));
    ASSERT_TRUE(session.ok());
    EXPECT_FALSE(session->handle.has_value());
    EXPECT_FALSE(session->next_incoming_id.has_value());
}

TEST(amqp_performative, transfer_round_trip_every_field) {
    std::byte tag[16] = {std::byte{0xde}, std::byte{0xad}};
    transfer t{.handle = 4, .delivery_id = 4000000000u, .delivery_tag = bytes_view(tag), .message_format = 0,
               .settled = true, .more = true, .rcv_settle_mode = receiver_settle_mode::second,
               .state = delivery_state{.kind = delivery_state_kind::received, .section_number = 2,
                                       .section_offset = 300},
               .resume = true, .aborted = true, .batchable = true};
    result<transfer> d = decode_as<transfer>(framed(t));
    ASSERT_TRUE(d.ok()) << d.err().description();
    EXPECT_EQ(d->delivery_id, 4000000000u);
    EXPECT_EQ(d->delivery_tag->size(), 16u);
    EXPECT_TRUE(d->settled && d->more && d->resume && d->aborted && d->batchable);
    EXPECT_EQ(d->rcv_settle_mode, receiver_settle_mode::second);
    ASSERT_TRUE(d->state);
    EXPECT_EQ(d->state->kind, delivery_state_kind::received);
    EXPECT_EQ(d->state->section_offset, 300u);
}

TEST(amqp_performative, proton_four_field_transfer_and_rabbitmq_eleven) {
    // proton: [handle=0, delivery-id=0, delivery-tag="1", message-format=0] then the payload.
    result<transfer> p = decode_as<transfer>(frame_of("005314 c00704 43 43 a00131 43 005377a100"));
    ASSERT_TRUE(p.ok()) << p.err().description();
    EXPECT_EQ(p->delivery_id, 0u);
    EXPECT_EQ(as_chars(*p->delivery_tag), "1");
    EXPECT_FALSE(p->settled);
    EXPECT_FALSE(p->more);
    EXPECT_FALSE(p->rcv_settle_mode.has_value());
    EXPECT_EQ(hex(as_chars(p->payload)), "005377a100");
    // RabbitMQ: all eleven, trailing ones false or null.
    result<transfer> r = decode_as<transfer>(
        frame_of("005314 c0160b 43 5201 a008 0000000000000001 43 42 42 40 40 42 42 42"));
    ASSERT_TRUE(r.ok()) << r.err().description();
    EXPECT_EQ(r->delivery_id, 1u);
    EXPECT_EQ(r->delivery_tag->size(), 8u);
    EXPECT_TRUE(r->payload.empty());
}

TEST(amqp_performative, delivery_states_round_trip_in_dispositions) {
    std::vector<delivery_state> states{
        delivery_state::accepted(), delivery_state::released(), delivery_state::rejected(),
        delivery_state::rejected(error{.condition = "com.microsoft:dead-letter", .description = "bad json",
                                       .info = map_of(wire("c1 15 02 a1 10 \"DeadLetterReason\" a1 00"))}),
        delivery_state::modified(true, false), delivery_state::modified(true, true),
        delivery_state{.kind = delivery_state_kind::received, .section_number = 1, .section_offset = 9}};
    for (const delivery_state& s : states) {
        disposition d{.role = role::receiver, .first = 10, .last = 20, .settled = true, .state = s,
                      .batchable = true};
        result<disposition> back = decode_as<disposition>(framed(d));
        ASSERT_TRUE(back.ok()) << back.err().description();
        EXPECT_EQ(back->last_id(), 20u);
        ASSERT_TRUE(back->state);
        EXPECT_EQ(back->state->kind, s.kind);
        EXPECT_EQ(back->state->delivery_failed, s.delivery_failed);
        EXPECT_EQ(back->state->undeliverable_here, s.undeliverable_here);
        EXPECT_EQ(back->state->section_offset, s.section_offset);
        EXPECT_EQ(back->state->error.has_value(), s.error.has_value());
        if (s.error && back->state->error) {
            EXPECT_EQ(back->state->error->condition, "com.microsoft:dead-letter");
            EXPECT_EQ(back->state->error->description, "bad json");
            EXPECT_EQ(back->state->error->info.size(), 1u);
        }
    }
    EXPECT_EQ(hex(framed(disposition{.first = 3, .settled = true, .state = delivery_state::modified(true, false)})),
              "0000001a" "02000000" "005315" "c00d05" "41" "5203" "40" "41" "005327c00201" "41");
}

TEST(amqp_performative, detach_end_close_carry_errors) {
    error e{.condition = "amqp:link:detach-forced", .description = "idle timeout"};
    result<detach> d = decode_as<detach>(framed(detach{.handle = 5, .closed = true, .error = e}));
    ASSERT_TRUE(d.ok()) << d.err().description();
    ASSERT_TRUE(d->error);
    EXPECT_EQ(d->error->condition, "amqp:link:detach-forced");
    EXPECT_EQ(d->error->description, "idle timeout");
    result<end> en = decode_as<end>(framed(end{.error = error{.condition = "amqp:not-found"}}));
    ASSERT_TRUE(en.ok() && en->error);
    EXPECT_TRUE(en->error->description.empty());
    failure why(condition::framing_error, "frame size 70000 exceeds max-frame-size 65536");
    result<close> c = decode_as<close>(framed(close{.error = error::from(why)}));
    ASSERT_TRUE(c.ok() && c->error);
    EXPECT_EQ(c->error->condition, "amqp:connection:framing-error");
    EXPECT_EQ(c->error->description, "frame size 70000 exceeds max-frame-size 65536");
}

TEST(amqp_performative, symbolic_and_ulong_descriptors_decode_like_smallulong) {
    result<close> sym = decode_as<close>(frame_of("00 a3 0f \"amqp:close:list\" 45"));
    ASSERT_TRUE(sym.ok()) << sym.err().description();
    result<detach> ul = decode_as<detach>(frame_of("00 80 0000000000000016 c0 03 02 43 41"));
    ASSERT_TRUE(ul.ok()) << ul.err().description();
    EXPECT_TRUE(ul->closed);
    result<disposition> nested = decode_as<disposition>(
        frame_of("005315 c0 1b 05 41 43 40 41 00 a3 12 \"amqp:accepted:list\" 45"));
    ASSERT_TRUE(nested.ok()) << nested.err().description();
    EXPECT_EQ(nested->state->kind, delivery_state_kind::accepted);
}

TEST(amqp_performative, a_single_symbol_stands_for_an_array_of_one) {
    // source.outcomes and capabilities as bare symbols.
    std::string f = frame_of("005312 c0 23 06 a1 01 \"l\" 43 41 40 40 005328 c0 16 0a 40 40 40 40 40 40 40 40 40 "
                             "a3 0a \"amqp:ac:li\"");
    result<attach> a = decode_as<attach>(f);
    ASSERT_TRUE(a.ok()) << a.err().description();
    EXPECT_EQ(list(a->source->outcomes), (std::vector<std::string_view>{"amqp:ac:li"}));
}

TEST(amqp_performative, sasl_frames_round_trip) {
    const std::string_view mechs[] = {"ANONYMOUS", "PLAIN"};
    std::string out;
    encode_sasl_frame(out, sasl_mechanisms{.mechanisms = mechs});
    const std::string plain = std::string("\0guest\0secret", 13);
    encode_sasl_frame(out, sasl_init{.mechanism = "PLAIN", .initial_response = bytes(plain), .hostname = "h"});
    encode_sasl_frame(out, sasl_challenge{.challenge = bytes(std::string("c"))});
    encode_sasl_frame(out, sasl_response{.response = bytes(plain)});
    encode_sasl_frame(out, sasl_outcome{.code = sasl_code::auth, .additional_data = bytes(std::string("no"))});
    std::vector<std::size_t> kinds;
    bytes_view rest = bytes(out);
    while (!rest.empty()) {
        frame f = frame_decoder().next(rest)->f;
        result<sasl_performative> p = decode_sasl(f);
        ASSERT_TRUE(p.ok()) << p.err().description();
        kinds.push_back(p->index());
        if (auto* i = std::get_if<sasl_init>(&*p)) {
            std::optional<sasl_plain> creds = parse_sasl_plain(*i->initial_response);
            ASSERT_TRUE(creds);
            EXPECT_EQ(creds->authzid, "");
            EXPECT_EQ(creds->authcid, "guest");
            EXPECT_EQ(creds->password, "secret");
            EXPECT_EQ(i->hostname, "h");
        }
        if (auto* o = std::get_if<sasl_outcome>(&*p)) {
            EXPECT_EQ(o->code, sasl_code::auth);
        }
        rest = rest.subspan(f.size);
    }
    EXPECT_EQ(kinds, (std::vector<std::size_t>{0, 1, 2, 3, 4}));
    EXPECT_FALSE(parse_sasl_plain(bytes(std::string("guest"))));
    EXPECT_FALSE(parse_sasl_plain(bytes(std::string("\0\0pw", 4))));
    EXPECT_TRUE(parse_sasl_plain(bytes(std::string("admin\0guest\0", 12))));
}

struct refusal {
    std::string frame;
    condition cond;
    std::string_view description;
};

TEST(amqp_performative, missing_and_mistyped_fields_are_refused_with_their_names) {
    for (const refusal& r : std::vector<refusal>{
             {frame_of("005312 45"), condition::invalid_field, "attach: field 'name' is mandatory"},
             {frame_of("005312 c00301 a100"), condition::invalid_field, "attach: field 'handle' is mandatory"},
             {frame_of("005312 c00503 a100 43 40"), condition::invalid_field, "attach: field 'role' is mandatory"},
             {frame_of("005312 c00503 a100 43 42"), condition::invalid_field,
              "attach: field 'initial-delivery-count' is mandatory for a sender"},
             {frame_of("005312 c00704 a100 43 41 5007"), condition::invalid_field,
              "attach: field 'snd-settle-mode' is above 2 (mixed)"},
             {frame_of("005312 c00b04 a100 43 41 a104 \"mode\""), condition::decode_error,
              "attach: field 'snd-settle-mode' is a string, expected ubyte"},
             {frame_of("005313 c00201 40"), condition::invalid_field, "flow: field 'incoming-window' is mandatory"},
             {frame_of("005313 c00702 43 a103 \"two\""), condition::decode_error,
              "flow: field 'incoming-window' is a string, expected uint"},
             {frame_of("005314 c00201 40"), condition::invalid_field, "transfer: field 'handle' is mandatory"},
             {frame_of("005314 c02603 43 43 a021 " + std::string(66, '0')), condition::invalid_field,
              "transfer: field 'delivery-tag' is longer than 32 bytes"},
             {frame_of("005315 c00201 41"), condition::invalid_field, "disposition: field 'first' is mandatory"},
             {frame_of("005315 c00301 a100"), condition::decode_error,
              "disposition: field 'role' is a string, expected boolean"},
             {frame_of("005315 c00503 41 43 a100"), condition::decode_error,
              "disposition: field 'last' is a string, expected uint"},
             {frame_of("005315 c00a05 41 43 40 41 005375 a000"), condition::decode_error,
              "disposition: field 'state' is a described binary, expected a delivery state"},
             {frame_of("005315 c00905 41 43 40 41 005329 45"), condition::decode_error,
              "disposition: field 'state' has descriptor 0x29, expected a delivery state (0x23-0x27, 0x33, 0x34)"},
             {frame_of("005318 c00701 00531d c00100"), condition::invalid_field,
              "error: field 'condition' is mandatory"},
             {frame_of("005318 c00501 005328 45"), condition::decode_error,
              "close: field 'error' has descriptor 0x28, expected error (0x1d)"},
             {frame_of("005310 c00201 70"), condition::decode_error, "uint needs 4 bytes, 0 left"},
             {frame_of("005310 c00903 a100 40 7000000100"), condition::invalid_field,
              "open: field 'max-frame-size' is below 512"},
             {frame_of("005319 c00201 40"), condition::decode_error, "descriptor 0x19 is not an AMQP performative"},
             {frame_of("005340 45"), condition::decode_error, "descriptor 0x40 is not an AMQP performative"},
             {frame_of("005318 45 ff"), condition::decode_error, "close has 1 bytes after the performative"},
             {frame_of("a1 03 \"abc\""), condition::decode_error, "frame body is a string, expected a described list"},
             {frame_of("005318 a1 02 \"xy\""), condition::decode_error,
              "frame body is a described string, expected a described list"},
             {frame_of("005316 c00402 43 5602"), condition::decode_error, "boolean byte 0x02 is not 0 or 1"},
         }) {
        result<performative> p = decode_performative(only_frame(r.frame));
        ASSERT_FALSE(p.ok()) << r.description;
        EXPECT_EQ(p.err().cond(), r.cond) << r.description;
        EXPECT_EQ(p.err().description(), r.description);
    }
}

TEST(amqp_performative, sasl_refusals) {
    auto sasl_error = [](std::string_view body) {
        return std::string(decode_sasl(only_frame(frame_of(body, frame_type::sasl))).err().description());
    };
    EXPECT_EQ(sasl_error("005340 45"), "sasl-mechanisms: field 'sasl-server-mechanisms' is mandatory");
    EXPECT_EQ(sasl_error("005340 c00201 43"), "sasl-mechanisms: field 'sasl-server-mechanisms' is a uint, expected symbol[]");
    EXPECT_EQ(sasl_error("005341 45"), "sasl-init: field 'mechanism' is mandatory");
    EXPECT_EQ(sasl_error("005344 c0030150 09"), "sasl-outcome: field 'code' is above 4 (sys-temp)");
    EXPECT_EQ(sasl_error("005318 45"), "descriptor 0x18 is not a SASL frame");
}

}  // namespace
}  // namespace tallyhub::amqp::test
