// The AMQP 1.0 type system through the reader and the writer: every constructor of types.bare.xml
// decoded from its bytes, descriptors numeric and symbolic, arrays (of sym32, of described
// elements, empty), and the writer's choice of the smallest encoding at every size boundary.

#include "net/amqp/writer.hpp"
#include "tests/net/amqp_test_util.hpp"

#include <vector>

namespace tallyhub::amqp::test {
namespace {

value one(std::string encoded) { return only_value(std::move(encoded)); }

template <typename Write>
std::string written(Write&& write) {
    std::string out;
    writer w(out);
    write(w);
    return hex(out);
}

TEST(amqp_types, fixed_width_scalars) {
    EXPECT_TRUE(one(wire("40")).is_null());
    EXPECT_EQ(one(wire("41")).u, 1u);
    EXPECT_EQ(one(wire("42")).u, 0u);
    EXPECT_EQ(one(wire("56 01")).u, 1u);
    EXPECT_EQ(one(wire("56 00")).type, kind::boolean);
    EXPECT_EQ(one(wire("50 fe")).u, 0xfeu);
    EXPECT_EQ(one(wire("51 fe")).i, -2);
    EXPECT_EQ(one(wire("60 ab cd")).u, 0xabcdu);
    EXPECT_EQ(one(wire("61 ff fe")).i, -2);
    EXPECT_EQ(one(wire("70 01 02 03 04")).u, 0x01020304u);
    EXPECT_EQ(one(wire("52 07")).u, 7u);
    EXPECT_EQ(one(wire("52 07")).type, kind::uint);
    EXPECT_EQ(one(wire("43")).type, kind::uint);
    EXPECT_EQ(one(wire("80 01 02 03 04 05 06 07 08")).u, 0x0102030405060708u);
    EXPECT_EQ(one(wire("53 ff")).u, 255u);
    EXPECT_EQ(one(wire("44")).type, kind::ulong);
    EXPECT_EQ(one(wire("71 ff ff ff fe")).i, -2);
    EXPECT_EQ(one(wire("54 80")).i, -128);
    EXPECT_EQ(one(wire("54 80")).type, kind::int_);
    EXPECT_EQ(one(wire("81 ff ff ff ff ff ff ff fe")).i, -2);
    EXPECT_EQ(one(wire("55 00")).type, kind::long_);  // proton's Python ints
    EXPECT_EQ(one(wire("55 ff")).i, -1);
    EXPECT_EQ(one(wire("72 3f c0 00 00")).f, 1.5);
    EXPECT_EQ(one(wire("82 40 09 21 fb 54 44 2d 18")).f, 3.141592653589793);
    EXPECT_EQ(one(wire("73 00 01 f6 00")).u, 0x1f600u);  // char: UTF-32BE
    EXPECT_EQ(one(wire("83 00 00 01 8c 2b 5f 8c 00")).i, 0x18c2b5f8c00);
    EXPECT_EQ(one(wire("83 00 00 01 8c 2b 5f 8c 00")).type, kind::timestamp);
}

TEST(amqp_types, raw_decimals_and_uuid) {
    value d32 = one(wire("74 22 50 00 01"));
    EXPECT_EQ(d32.type, kind::decimal32);
    EXPECT_EQ(hex(as_chars(d32.bytes)), "22500001");
    EXPECT_EQ(one(wire("84 01 02 03 04 05 06 07 08")).bytes.size(), 8u);
    EXPECT_EQ(one(wire("94" + std::string(32, '0'))).type, kind::decimal128);
    value u = one(wire("98 00112233445566778899aabbccddeeff"));
    EXPECT_EQ(u.type, kind::uuid);
    EXPECT_EQ(hex(as_chars(u.bytes)), "00112233445566778899aabbccddeeff");
}

TEST(amqp_types, variable_width_both_sizes) {
    EXPECT_EQ(one(wire("a0 03 010203")).bytes.size(), 3u);
    EXPECT_EQ(one(wire("b0 00000002 ffff")).type, kind::binary);
    EXPECT_EQ(one(wire("a1 05 \"héé\"")).text(), "h\xc3\xa9\xc3\xa9");
    EXPECT_EQ(one(wire("b1 00000003 \"abc\"")).text(), "abc");
    EXPECT_EQ(one(wire("a3 04 \"PLAI\"")).type, kind::symbol);
    EXPECT_EQ(one(wire("b3 00000005 \"PLAIN\"")).text(), "PLAIN");
    EXPECT_EQ(one(wire("a1 00")).text(), "");
}

TEST(amqp_types, compounds_are_handed_out_unopened_then_entered) {
    value l = one(wire("c0 06 03 43 41 a1 01 \"x\""));
    EXPECT_EQ(l.type, kind::list);
    EXPECT_EQ(l.count, 3u);
    failure sink;
    reader r = reader::over(l, sink);
    value item;
    ASSERT_TRUE(r.next(item));
    EXPECT_EQ(item.type, kind::uint);
    ASSERT_TRUE(r.next(item));
    EXPECT_EQ(item.u, 1u);
    ASSERT_TRUE(r.next(item));
    EXPECT_EQ(item.text(), "x");
    EXPECT_FALSE(r.next(item));
    EXPECT_FALSE(sink.failed());

    EXPECT_EQ(one(wire("45")).count, 0u);
    EXPECT_EQ(one(wire("d0 00000006 00000001 52 09")).count, 1u);
    EXPECT_EQ(one(wire("c1 05 02 a3 01 \"k\" 41")).type, kind::map);
    EXPECT_EQ(one(wire("d1 00000008 00000002 a1 01 \"k\" 40")).count, 2u);
}

TEST(amqp_types, arrays_share_one_element_constructor) {
    // RabbitMQ's sasl-server-mechanisms: array8 of sym32.
    value a = one(wire("e0 18 02 b3 00000009 \"ANONYMOUS\" 00000005 \"PLAIN\""));
    EXPECT_EQ(a.type, kind::array);
    EXPECT_EQ(a.element_constructor, ctor::sym32);
    failure sink;
    reader r = reader::over(a, sink);
    value s;
    std::vector<std::string_view> got;
    while (r.next(s)) got.push_back(s.text());
    EXPECT_EQ(got, (std::vector<std::string_view>{"ANONYMOUS", "PLAIN"}));
    EXPECT_FALSE(sink.failed());

    value ints = one(wire("f0 00000011 00000003 70 00000001 00000002 00000003"));
    reader ri = reader::over(ints, sink);
    std::uint64_t sum = 0;
    while (ri.next(s)) sum += s.u;
    EXPECT_EQ(sum, 6u);
    EXPECT_FALSE(sink.failed());

    EXPECT_EQ(one(wire("e0 02 00 40")).count, 0u);
    EXPECT_EQ(one(wire("e0 01 00")).count, 0u);  // empty, no element constructor: tolerated
}

TEST(amqp_types, array_of_described_elements) {
    // Two accepted outcomes as an array: element constructor 00 53 24 45 (list0).
    value a = one(wire("e0 05 02 00 53 24 45"));
    EXPECT_TRUE(a.element_described);
    EXPECT_EQ(a.u, code::accepted);
    failure sink;
    reader r = reader::over(a, sink);
    value e;
    int n = 0;
    while (r.next(e)) {
        EXPECT_TRUE(e.is(code::accepted));
        EXPECT_EQ(e.type, kind::list);
        ++n;
    }
    EXPECT_EQ(n, 2);
    EXPECT_FALSE(sink.failed());
}

TEST(amqp_types, descriptors_numeric_long_and_symbolic_map_to_one_code) {
    for (const char* spec : {"00 53 24 45", "00 80 0000000000000024 45", "00 a3 12 \"amqp:accepted:list\" 45",
                             "00 b3 00000012 \"amqp:accepted:list\" 45"}) {
        value v = one(wire(spec));
        EXPECT_TRUE(v.is(code::accepted)) << spec;
        EXPECT_EQ(v.type, kind::list) << spec;
    }
    value vendor = one(wire("00 a3 21 \"apache.org:selector-filter:string\" a1 00"));
    EXPECT_TRUE(vendor.described);
    EXPECT_EQ(vendor.descriptor, code::unknown);
    EXPECT_EQ(vendor.descriptor_symbol, "apache.org:selector-filter:string");
    EXPECT_EQ(one(wire("00 80 0000468c00000004 a1 00")).descriptor, 0x0000468c00000004u);
    EXPECT_EQ(one(wire("00 44 40")).descriptor, 0u);
}

TEST(amqp_types, every_symbolic_descriptor_name_round_trips) {
    for (std::uint64_t c = 0; c <= 0x78; ++c) {
        std::string_view name = descriptor_symbol_of(c);
        if (!name.empty()) {
            EXPECT_EQ(descriptor_code_of(name), c) << name;
        }
    }
    EXPECT_EQ(descriptor_code_of("amqp:transfer:list"), code::transfer);
    EXPECT_EQ(descriptor_code_of("amqp:nothing:list"), code::unknown);
}

TEST(amqp_types, writer_picks_the_smallest_integer_encodings) {
    EXPECT_EQ(written([](writer& w) { w.uint(0); }), "43");
    EXPECT_EQ(written([](writer& w) { w.uint(255); }), "52ff");
    EXPECT_EQ(written([](writer& w) { w.uint(256); }), "7000000100");
    EXPECT_EQ(written([](writer& w) { w.ulong(0); }), "44");
    EXPECT_EQ(written([](writer& w) { w.ulong(0x24); }), "5324");
    EXPECT_EQ(written([](writer& w) { w.ulong(0x100); }), "800000000000000100");
    EXPECT_EQ(written([](writer& w) { w.int_(-128); }), "5480");
    EXPECT_EQ(written([](writer& w) { w.int_(128); }), "7100000080");
    EXPECT_EQ(written([](writer& w) { w.long_(127); }), "557f");
    EXPECT_EQ(written([](writer& w) { w.long_(-129); }), "81ffffffffffffff7f");
    EXPECT_EQ(written([](writer& w) { w.ushort(0); }), "600000");
    EXPECT_EQ(written([](writer& w) { w.ubyte(2); }), "5002");
    EXPECT_EQ(written([](writer& w) { w.boolean(true); }), "41");
    EXPECT_EQ(written([](writer& w) { w.boolean(false); }), "42");
    EXPECT_EQ(written([](writer& w) { w.byte(-1); }), "51ff");
    EXPECT_EQ(written([](writer& w) { w.short_(-2); }), "61fffe");
    EXPECT_EQ(written([](writer& w) { w.float_(1.5f); }), "723fc00000");
    EXPECT_EQ(written([](writer& w) { w.double_(-0.0); }), "828000000000000000");
    EXPECT_EQ(written([](writer& w) { w.char_(U'A'); }), "7300000041");
    EXPECT_EQ(written([](writer& w) { w.timestamp(1); }), "830000000000000001");
}

TEST(amqp_types, writer_switches_to_32_bit_lengths_past_255) {
    std::string s255(255, 'a'), s256(256, 'a');
    EXPECT_EQ(written([&](writer& w) { w.string(s255); }).substr(0, 4), "a1ff");
    EXPECT_EQ(written([&](writer& w) { w.string(s256); }).substr(0, 10), "b100000100");
    EXPECT_EQ(written([&](writer& w) { w.symbol(s256); }).substr(0, 10), "b300000100");
    EXPECT_EQ(written([&](writer& w) { w.binary(as_bytes(s255)); }).substr(0, 4), "a0ff");
    EXPECT_EQ(written([&](writer& w) { w.binary(as_bytes(s256)); }).substr(0, 10), "b000000100");
}

TEST(amqp_types, lists_are_backpatched_list0_list8_or_list32) {
    EXPECT_EQ(written([](writer& w) { w.end_list(w.begin_list()); }), "45");
    EXPECT_EQ(written([](writer& w) {
                  auto l = w.begin_list();
                  w.uint(1);
                  w.null();
                  w.end_list(l, false);
              }),
              "c004025201" "40");
    // A 252-character str8 is 254 bytes of items, 255 with the count: still list8. One more widens
    // the header in place to list32.
    std::string fits(252, 'x'), widens(253, 'x');
    EXPECT_EQ(written([&](writer& w) {
                  auto l = w.begin_list();
                  w.string(fits);
                  w.end_list(l);
              }).substr(0, 6),
              "c0ff01");
    std::string l32;
    writer w(l32);
    auto l = w.begin_list();
    w.string(widens);
    w.end_list(l);
    EXPECT_EQ(hex(l32).substr(0, 22), "d00000010300000001a1fd");
    value v = one(l32);
    EXPECT_EQ(v.count, 1u);
    EXPECT_EQ(v.constructor, ctor::list32);
}

TEST(amqp_types, shortened_lists_drop_trailing_nulls_and_defaults) {
    EXPECT_EQ(written([](writer& w) {
                  auto l = w.begin_list();
                  w.uint(7);
                  w.null();
                  w.as_default().boolean(false);
                  w.null();
                  w.end_list(l);
              }),
              "c003015207");
    // A default in the middle stays: only the tail is cut.
    EXPECT_EQ(written([](writer& w) {
                  auto l = w.begin_list();
                  w.as_default().ubyte(0);
                  w.uint(7);
                  w.end_list(l);
              }),
              "c00502500052" "07");
    // Nested: the inner list shortens first, then counts as a present item of the outer one.
    EXPECT_EQ(written([](writer& w) {
                  auto outer = w.begin_list();
                  w.descriptor(code::target);
                  auto inner = w.begin_list();
                  w.null();
                  w.end_list(inner);
                  w.null();
                  w.end_list(outer);
              }),
              "c0050100532945");
}

TEST(amqp_types, maps_and_symbol_arrays) {
    EXPECT_EQ(written([](writer& w) {
                  auto m = w.begin_map();
                  w.symbol("k");
                  w.uint(1);
                  w.end_map(m);
              }),
              "c10602a3016b5201");
    EXPECT_EQ(written([](writer& w) { w.end_map(w.begin_map()); }), "c10100");
    std::string_view names[] = {"a", "bc"};
    EXPECT_EQ(written([&](writer& w) { w.symbols(symbol_array(names)); }), "e00702a3016102" "6263");
    EXPECT_EQ(written([](writer& w) { w.symbols({}); }), "40");
    std::string big(300, 's');
    std::string_view one_big[] = {big};
    EXPECT_EQ(written([&](writer& w) { w.symbols(symbol_array(one_big)); }).substr(0, 20), "f00000013500000001b3");
}

TEST(amqp_types, copy_reencodes_any_decoded_value) {
    for (const char* spec :
         {"40", "41", "56 01", "50 07", "60 0102", "70 01020304", "80 0102030405060708", "51 ff", "61 fffe",
          "71 fffffffe", "81 fffffffffffffffe", "72 3fc00000", "82 4009 21fb 5444 2d18", "74 01020304",
          "84 0102030405060708", "73 00000041", "83 0000018c2b5f8c00", "98 00112233445566778899aabbccddeeff",
          "a0 02 0102", "a1 02 \"hi\"", "a3 02 \"ok\"", "c0 03 02 43 41", "c1 04 02 a3 00 40",
          "e0 05 02 a3 01 \"x\" 00", "00 53 24 45", "00 a3 03 \"x:y\" a1 00"}) {
        std::string in = wire(spec);
        value v = one(in);
        std::string out;
        writer w(out);
        w.copy(v);
        value again = one(out);
        EXPECT_EQ(again.type, v.type) << spec;
        EXPECT_EQ(again.u, v.u) << spec;
        EXPECT_EQ(again.i, v.i) << spec;
        EXPECT_EQ(again.descriptor, v.descriptor) << spec;
        EXPECT_EQ(hex(as_chars(again.bytes)), hex(as_chars(v.bytes))) << spec;
        EXPECT_EQ(again.f, v.f) << spec;
    }
}

TEST(amqp_types, validate_walks_nested_values_to_the_depth_limit) {
    // [[["deep"]]] : three levels, fine.
    value v = one(wire("c0 0b 01 c0 08 01 c0 05 01 a1 02 \"ok\""));
    failure sink;
    reader top(bytes_view{}, sink);
    EXPECT_TRUE(top.validate(v));
    // With a limit of 2 the third level is refused.
    failure tight;
    std::string b = wire("c0 0b 01 c0 08 01 c0 05 01 a1 02 \"ok\"");
    reader r(bytes(b), tight, 2);
    value w;
    ASSERT_TRUE(r.next(w));
    EXPECT_FALSE(r.validate(w));
    EXPECT_EQ(tight.cond(), condition::decode_error);
    EXPECT_EQ(tight.description(), "nesting deeper than 2 levels");
}

}  // namespace
}  // namespace tallyhub::amqp::test
