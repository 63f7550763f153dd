// What a hostile or broken peer can send, and the exact answer: every valid frame of the reference
// truncated at every byte, counts and sizes larger than the bytes, nesting bombs, wrong
// descriptors, bad text, and a seeded mutation fuzz of every frame. Decoding never crashes (ASan
// and UBSan builds run this too) and never allocates.

#include "net/amqp/encode.hpp"
#include "net/amqp/message.hpp"
#include "tests/net/amqp_test_util.hpp"

#include <array>
#include <atomic>
#include <cstdlib>
#include <new>
#include <random>
#include <vector>

// Counts allocations while `counting` is set: the decoder must make none.
namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};
}  // namespace

// A replacement pair built on malloc/free, which GCC cannot tell apart from a mismatch.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
    if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace tallyhub::amqp::test {
namespace {

const std::vector<std::string>& valid_frames() {
    static const std::vector<std::string> frames = [] {
        std::vector<std::string> f{
            wire("00000034 02000000 005310 c02705 a10c \"raw-6402707f\" a109 \"localhost\" 7000010000 600000 7000007530"),
            wire("0000001a 02000000 005311 c00d04 40 43 7000000800 7000000800"),
            wire("00000033 02000000 005312 c02607 a107 \"rawlink\" 43 41 5000 5000 005328 c00d01 a10a \"/queue/raw\" "
                 "005329 45"),
            wire("0000001e 02000000 005313 c01107 43 7000000800 43 7000000800 43 43 52 64"),
            wire("00000016 02000000 005315 c00905 41 43 40 41 005324 45"),
            wire("0000001002000000005316c003024341"),
            wire("0000000c0200000000531845"),
            wire("00000034 02 01 0000 00 53 40 c0 27 01 e0 24 03 b3 00000009 \"ANONYMOUS\" 00000008 \"AMQPLAIN\" "
                 "00000005 \"PLAIN\""),
            wire("0000001b 02 01 0000 005341 c00e02 a309 \"ANONYMOUS\" a000"),
        };
        std::string t;
        std::byte tag[8] = {};
        std::string payload;
        const application_property props[] = {{"MessageType", "OrderCreated"}};
        encode_message(payload, outgoing_message{.durable = true, .message_id = message_id::of_string("id-1"),
                                                 .subject = "OrderCreated", .application_properties = props,
                                                 .body = bytes(std::string(40, 'b'))});
        encode_frame(t, 0, transfer{.handle = 0, .delivery_id = 1, .delivery_tag = bytes_view(tag)}, bytes(payload));
        f.push_back(t);
        return f;
    }();
    return frames;
}

// Decodes a frame's body whichever its type; the transfer's payload as a message too.
bool decode_any(const frame& f) {
    if (f.is_heartbeat()) return true;
    if (f.type == frame_type::sasl) return decode_sasl(f).ok();
    result<performative> p = decode_performative(f);
    if (!p) return false;
    if (auto* t = std::get_if<transfer>(&*p)) return decode_message(t->payload).ok();
    return true;
}

TEST(amqp_malformed, every_prefix_of_a_frame_asks_for_more) {
    for (const std::string& f : valid_frames()) {
        for (std::size_t n = 0; n < f.size(); ++n) {
            result<frame_poll> p = frame_decoder().next(bytes(f).first(n));
            ASSERT_TRUE(p.ok()) << hex(f) << " at " << n;
            EXPECT_EQ(p->need, n < 8 ? 8 - n : f.size() - n);
        }
        EXPECT_TRUE(decode_any(only_frame(f))) << hex(f);
    }
}

TEST(amqp_malformed, every_truncated_body_is_a_decode_error) {
    for (const std::string& f : valid_frames()) {
        const std::string body = f.substr(8);
        const frame_type type = frame_type(f[5]);
        const std::size_t end = type == frame_type::amqp && f[10] == 0x14 ? 0x10 : body.size();  // transfer: its list
        for (std::size_t cut = 1; cut < end; ++cut) {
            std::string t = frame_around(body.substr(0, cut), type);
            frame fr = only_frame(t);
            result<performative> p = type == frame_type::amqp ? decode_performative(fr) : result<performative>(close{});
            result<sasl_performative> s = type == frame_type::sasl ? decode_sasl(fr) : result<sasl_performative>(sasl_init{});
            const failure& why = type == frame_type::amqp ? (p.ok() ? failure{} : p.err()) : (s.ok() ? failure{} : s.err());
            ASSERT_TRUE(why.failed()) << hex(t);
            EXPECT_EQ(why.cond(), condition::decode_error) << hex(t) << ": " << why.description();
            EXPECT_FALSE(why.description().empty());
        }
    }
    // Two of them in words.
    const std::string attach = valid_frames()[2].substr(8);
    auto failure_at = [&](std::size_t cut) {
        std::string t = frame_around(attach.substr(0, cut));
        return std::string(decode_performative(only_frame(t)).err().description());
    };
    EXPECT_EQ(failure_at(2), "smallulong needs 1 bytes, 0 left");
    EXPECT_EQ(failure_at(10), "list8 size 38 exceeds the 5 bytes left");
}

TEST(amqp_malformed, a_message_cut_anywhere_fails_or_ends_at_a_section) {
    std::string payload;
    const application_property props[] = {{"k", "v"}};
    encode_message(payload, outgoing_message{.durable = true, .message_id = message_id::of_ulong(7),
                                             .subject = "s", .application_properties = props,
                                             .body = bytes(std::string(30, 'x'))});
    std::vector<std::size_t> boundaries;
    for (std::size_t cut = 0; cut <= payload.size(); ++cut) {
        result<message_view> m = decode_message(bytes(payload).first(cut));
        if (m.ok()) {
            boundaries.push_back(cut);
        } else {
            EXPECT_EQ(m.err().cond(), condition::decode_error);
        }
    }
    // Only the cuts between whole sections decode: nothing, header, +properties, +application-properties, all.
    EXPECT_EQ(boundaries.size(), 5u);
    EXPECT_EQ(boundaries.back(), payload.size());
}

struct bad_value {
    std::string bytes;
    const char* why;
};

TEST(amqp_malformed, sizes_and_counts_beyond_the_bytes) {
    for (const bad_value& b : std::vector<bad_value>{
             {wire("c0 c8 01 40"), "list8 size 200 exceeds the 2 bytes left"},
             {wire("c0 04 c8 40 40 40"), "list8 count 200 exceeds its 3 bytes of items"},
             {wire("d0 ffffffff 00000001 40"), "list32 size 4294967295 exceeds the 5 bytes left"},
             {wire("d0 00000008 ffffffff 40404040"), "list32 count 4294967295 exceeds its 4 bytes of items"},
             {wire("d1 00000008 7ffffffe 40404040"), "map32 count 2147483646 exceeds its 4 bytes of items"},
             {wire("c0 00"), "list8 size 0 is smaller than its count field"},
             {wire("f0 00000011 40000000 70 000000010000000200000003"),
              "array32 of 1073741824 uint elements exceeds its 12 bytes"},
             {wire("f0 00000006 ffffffff 40 00"), "array32 of 4294967295 null elements exceeds its 1 bytes"},
             {wire("e0 04 03 a3 05 \"x\""), "array8 of 3 sym8 elements exceeds its 2 bytes"},
             {wire("e0 06 02 a3 05 \"abc\""), "sym8 length 5 exceeds the 3 bytes left"},
             {wire("b1 7fffffff \"abc\""), "str32 length 2147483647 exceeds the 3 bytes left"},
             {wire("a0 09 0102"), "vbin8 length 9 exceeds the 2 bytes left"},
             {wire("c0 04 01 43 43 43"), "list8 has 2 bytes after its 1 items"},
             {wire("c1 03 01 40 40"), "map8 count 1 is odd"},
             {wire("98 0011"), "uuid needs 16 bytes, 2 left"},
             {wire("ff"), "unknown constructor 0xff"},
             {wire("e0 03 01 ee 00"), "array8 element constructor 0xee is unknown"},
             {wire("a1 02 c3 28"), "str8 is not valid UTF-8"},
             {wire("a3 02 c3 a9"), "sym8 is not ASCII"},
             {wire("56 02"), "boolean byte 0x02 is not 0 or 1"},
             {wire("00 70 00000001 40"), "descriptor constructor 0x70 is not a ulong or a symbol"},
             {wire("00 00 53 10 45"), "descriptor constructor 0x00 is not a ulong or a symbol"},
             {wire("00 53"), "smallulong needs 1 bytes, 0 left"},
             {wire("00 53 10"), "described value needs 1 bytes, 0 left"},
             {wire("e0 05 01 00 53 24 00"), "array8 elements with two descriptors are not supported"},
         }) {
        failure sink;
        reader r(bytes(b.bytes), sink);
        value v;
        while (r.next(v) && r.validate(v)) {
        }
        ASSERT_TRUE(sink.failed()) << b.why;
        EXPECT_EQ(sink.cond(), condition::decode_error);
        EXPECT_EQ(sink.description(), b.why);
    }
}

// `levels` lists, each the only item of the one around it, around a null.
std::string nested_lists(int levels) {
    std::string v = wire("40");
    for (int i = 0; i < levels; ++i) {
        if (v.size() + 1 <= 255) {
            v = wire("c0") + char(v.size() + 1) + char(1) + v;
        } else {
            std::string h = wire("d0 00000000 00000001");
            std::size_t size = v.size() + 4;
            for (int k = 0; k < 4; ++k) h[1 + k] = char(size >> (24 - 8 * k));
            v = h + v;
        }
    }
    return v;
}

TEST(amqp_malformed, nesting_bombs_stop_at_the_depth_limit) {
    // In an amqp-value body: 31 levels are fine, 33 are not.
    EXPECT_TRUE(decode_message(bytes(wire("00 53 77") + nested_lists(31))).ok());
    std::string deep = wire("00 53 77") + nested_lists(1000);
    result<message_view> m = decode_message(bytes(deep));
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.err().description(), "nesting deeper than 32 levels");
    // In open.properties (a map whose value nests).
    std::string deep_value = nested_lists(200);
    std::string map = wire("d1 00000000 00000002 a3 01 \"k\"") + deep_value;
    std::size_t size = map.size() - 5;
    for (int k = 0; k < 4; ++k) map[1 + k] = char(size >> (24 - 8 * k));
    std::string list = wire("d0 00000000 0000000a a100 40 40 40 40 40 40 40 40") + map;
    size = list.size() - 5;
    for (int k = 0; k < 4; ++k) list[1 + k] = char(size >> (24 - 8 * k));
    result<performative> p = decode_performative(only_frame(frame_around(wire("005310") + list), 1 << 20));
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.err().description(), "nesting deeper than 32 levels");
    // A chain of descriptors describing descriptors describing…
    std::string chain;
    for (int i = 0; i < 5000; ++i) chain += wire("00 53 01");
    chain += wire("40");
    failure sink;
    reader r(bytes(chain), sink);
    value v;
    EXPECT_FALSE(r.next(v));
    EXPECT_EQ(sink.description(), "nesting deeper than 32 levels");
}

TEST(amqp_malformed, a_frame_decoded_as_another_performative_says_so) {
    frame f = only_frame(valid_frames()[3]);  // a flow
    result<performative_view> p = read_performative(f);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(decode_open(*p).err().description(), "descriptor 0x13 is not open (0x10)");
    EXPECT_EQ(decode_transfer(*p).err().description(), "descriptor 0x13 is not transfer (0x14)");
    EXPECT_TRUE(decode_flow(*p).ok());
    EXPECT_EQ(read_performative(only_frame(wire("0000000802000000"))).err().description(),
              "an empty frame has no performative");
}

TEST(amqp_malformed, seeded_mutations_never_crash) {
    std::mt19937 rng(20261204);
    std::size_t decoded = 0, refused = 0;
    for (const std::string& original : valid_frames()) {
        for (int round = 0; round < 4000; ++round) {
            std::string f = original;
            const int edits = 1 + int(rng() % 4);
            for (int e = 0; e < edits; ++e) {
                std::size_t at = 8 + rng() % (f.size() - 8);  // keep the frame header valid
                switch (rng() % 3) {
                case 0: f[at] = char(rng()); break;
                case 1: f[at] = char(std::array<unsigned char, 8>{0x00, 0x40, 0xff, 0x7f, 0x80, 0xc0, 0xd0, 0xf0}[rng() % 8]); break;
                default: f[at] ^= char(1u << (rng() % 8)); break;
                }
            }
            (decode_any(only_frame(f)) ? decoded : refused)++;
        }
    }
    // Random garbage of every length, as frame bodies and as message payloads.
    for (int round = 0; round < 20000; ++round) {
        std::string body(rng() % 64, '\0');
        for (char& c : body) c = char(rng());
        std::string f = frame_around(body, frame_type(rng() % 2));
        (decode_any(only_frame(f)) ? decoded : refused)++;
        (decode_message(bytes(body)).ok() ? decoded : refused)++;
    }
    EXPECT_GT(refused, 0u);
    EXPECT_GT(decoded, 0u);
}

TEST(amqp_malformed, decoding_allocates_nothing) {
    std::mt19937 rng(7);
    std::vector<std::string> inputs = valid_frames();
    for (int i = 0; i < 2000; ++i) {
        std::string f = inputs[i % valid_frames().size()];
        f[8 + rng() % (f.size() - 8)] = char(rng());
        inputs.push_back(f);
    }
    allocations = 0;
    counting = true;
    for (const std::string& f : inputs) {
        result<frame_poll> p = frame_decoder().next(bytes(f));
        if (p.ok() && p->complete()) (void)decode_any(p->f);
    }
    counting = false;
    EXPECT_EQ(allocations.load(), 0);
}

}  // namespace
}  // namespace tallyhub::amqp::test
