// The bounded MessagePack reader and writer: every format of the spec byte-exact both ways, smallest
// encodings, and hostile input (cut at every byte, lengths past the end, nesting bombs, 0xC1, values
// of the wrong type).

#include "signalr/msgpack.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace tallyhub::signalr {
namespace {

using msgpack::errc;
using msgpack::format;

// "cd 01 00" -> the bytes.
std::string hex(std::string_view h) {
    std::string out;
    int nibble = -1;
    for (char c : h) {
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
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

template <typename Write>
std::string written(Write&& write) {
    std::string out;
    msgpack::writer w(out);
    write(w);
    return out;
}

int code_of(const error& e) { return e.code; }

TEST(Msgpack, IntegersUseTheSmallestEncodingAndReadBack) {
    struct vec {
        std::int64_t v;
        const char* bytes;
    };
    const vec cases[] = {
        {0, "00"}, {127, "7f"}, {128, "cc 80"}, {255, "cc ff"}, {256, "cd 01 00"}, {65535, "cd ff ff"},
        {65536, "ce 00 01 00 00"}, {4294967295, "ce ff ff ff ff"}, {4294967296, "cf 00 00 00 01 00 00 00 00"},
        {INT64_MAX, "cf 7f ff ff ff ff ff ff ff"}, {-1, "ff"}, {-32, "e0"}, {-33, "d0 df"}, {-128, "d0 80"},
        {-129, "d1 ff 7f"}, {-32768, "d1 80 00"}, {-32769, "d2 ff ff 7f ff"}, {INT32_MIN, "d2 80 00 00 00"},
        {std::int64_t(INT32_MIN) - 1, "d3 ff ff ff ff 7f ff ff ff"}, {INT64_MIN, "d3 80 00 00 00 00 00 00 00"},
    };
    for (const vec& c : cases) {
        const std::string b = hex(c.bytes);
        EXPECT_EQ(written([&](auto& w) { w.int_value(c.v); }), b) << c.v;
        msgpack::reader r(b);
        auto v = r.read_int64();
        ASSERT_TRUE(v.ok()) << c.bytes;
        EXPECT_EQ(*v, c.v);
        EXPECT_TRUE(r.at_end());
    }
    EXPECT_EQ(written([](auto& w) { w.uint_value(UINT64_MAX); }), hex("cf ff ff ff ff ff ff ff ff"));
}

TEST(Msgpack, EveryIntegerWidthDecodesWhateverTheSender) {
    // Non-minimal forms are valid MessagePack (other encoders use them).
    const std::pair<const char*, std::int64_t> cases[] = {
        {"cc 05", 5}, {"cd 00 05", 5}, {"ce 00 00 00 05", 5}, {"cf 00 00 00 00 00 00 00 05", 5},
        {"d0 05", 5}, {"d1 00 05", 5}, {"d2 00 00 00 05", 5}, {"d3 00 00 00 00 00 00 00 05", 5},
        {"d0 fb", -5}, {"d1 ff fb", -5}, {"d2 ff ff ff fb", -5}, {"d3 ff ff ff ff ff ff ff fb", -5},
    };
    for (auto [bytes, want] : cases) {
        const std::string b = hex(bytes);
        msgpack::reader r(b);
        auto v = r.read_int64();
        ASSERT_TRUE(v.ok()) << bytes;
        EXPECT_EQ(*v, want) << bytes;
    }
}

TEST(Msgpack, IntegerRangeChecks) {
    const std::string big = hex("cf ff ff ff ff ff ff ff ff");
    msgpack::reader r(big);
    EXPECT_EQ(code_of(r.read_int64().err()), int(errc::out_of_range));
    EXPECT_EQ(r.offset(), 0u);  // a failed read consumes nothing
    EXPECT_EQ(*r.read_uint64(), UINT64_MAX);
    const std::string neg = hex("ff");
    msgpack::reader n(neg);
    EXPECT_EQ(code_of(n.read_uint64().err()), int(errc::out_of_range));
    EXPECT_EQ(*n.read_int64(), -1);
}

TEST(Msgpack, NilBoolFloats) {
    EXPECT_EQ(written([](auto& w) { w.nil_value().bool_value(false).bool_value(true); }), hex("c0 c2 c3"));
    EXPECT_EQ(written([](auto& w) { w.double_value(1.5); }), hex("cb 3f f8 00 00 00 00 00 00"));
    EXPECT_EQ(written([](auto& w) { w.float_value(1.5f); }), hex("ca 3f c0 00 00"));
    const std::string b = hex("c0 c2 c3 cb 3f b9 99 99 99 99 99 9a ca 3d cc cc cd cb 7f f0 00 00 00 00 00 00");
    msgpack::reader r(b);
    EXPECT_TRUE(r.next_is_nil());
    EXPECT_TRUE(r.read_nil().ok());
    EXPECT_EQ(*r.read_bool(), false);
    EXPECT_EQ(*r.read_bool(), true);
    EXPECT_EQ(*r.read_double(), 0.1);
    EXPECT_EQ(*r.peek(), format::float32);
    EXPECT_EQ(*r.read_double(), double(0.1f));
    EXPECT_TRUE(std::isinf(*r.read_double()));
    EXPECT_TRUE(r.at_end());
}

TEST(Msgpack, StringsInEveryWidth) {
    const std::string s31(31, 'a'), s32(32, 'b'), s255(255, 'c'), s256(256, 'd'), s65536(65536, 'e');
    EXPECT_EQ(written([](auto& w) { w.string_value(""); }), hex("a0"));
    EXPECT_EQ(written([&](auto& w) { w.string_value(s31); }), hex("bf") + s31);
    EXPECT_EQ(written([&](auto& w) { w.string_value(s32); }), hex("d9 20") + s32);
    EXPECT_EQ(written([&](auto& w) { w.string_value(s255); }), hex("d9 ff") + s255);
    EXPECT_EQ(written([&](auto& w) { w.string_value(s256); }), hex("da 01 00") + s256);
    EXPECT_EQ(written([&](auto& w) { w.string_value(s65536); }), hex("db 00 01 00 00") + s65536);
    for (const std::string* s : {&s31, &s32, &s255, &s256, &s65536}) {
        const std::string b = written([&](auto& w) { w.string_value(*s); });
        msgpack::reader r(b);
        EXPECT_EQ(*r.read_string(), *s);
        EXPECT_TRUE(r.at_end());
    }
    const std::string nullable = hex("c0 a1 78");
    msgpack::reader r(nullable);
    EXPECT_EQ(*r.read_nullable_string(), std::nullopt);
    EXPECT_EQ(*r.read_nullable_string(), std::optional<std::string_view>("x"));
}

TEST(Msgpack, BinaryInEveryWidth) {
    const std::string b0, b255(255, '\xff'), b256(256, '\0'), b65536(65536, '\x01');
    EXPECT_EQ(written([&](auto& w) { w.binary_value(b0); }), hex("c4 00"));
    EXPECT_EQ(written([&](auto& w) { w.binary_value(b255); }), hex("c4 ff") + b255);
    EXPECT_EQ(written([&](auto& w) { w.binary_value(b256); }), hex("c5 01 00") + b256);
    EXPECT_EQ(written([&](auto& w) { w.binary_value(b65536); }), hex("c6 00 01 00 00") + b65536);
    for (const std::string* s : {&b0, &b255, &b256, &b65536}) {
        const std::string b = written([&](auto& w) { w.binary_value(*s); });
        msgpack::reader r(b);
        EXPECT_EQ(*r.read_binary(), *s);
    }
}

TEST(Msgpack, ArraysAndMapsInEveryWidth) {
    EXPECT_EQ(written([](auto& w) { w.begin_array(0).begin_array(15).begin_array(16).begin_array(65536); }),
              hex("90 9f dc 00 10 dd 00 01 00 00"));
    EXPECT_EQ(written([](auto& w) { w.begin_map(0).begin_map(15).begin_map(16).begin_map(65536); }),
              hex("80 8f de 00 10 df 00 01 00 00"));
    const std::string b = hex("dc 00 02 01 02 de 00 01 a1 6b c3 dd 00 00 00 00 df 00 00 00 00");
    msgpack::reader r(b);
    EXPECT_EQ(*r.read_array_header(), 2u);
    EXPECT_EQ(*r.read_int64(), 1);
    EXPECT_EQ(*r.read_int64(), 2);
    EXPECT_EQ(*r.read_map_header(), 1u);
    EXPECT_EQ(*r.read_string(), "k");
    EXPECT_EQ(*r.read_bool(), true);
    EXPECT_EQ(*r.read_array_header(), 0u);
    EXPECT_EQ(*r.read_map_header(), 0u);
    EXPECT_TRUE(r.at_end());
}

TEST(Msgpack, ExtInEveryWidthIsReadAndSkipped) {
    const std::pair<std::size_t, const char*> cases[] = {
        {1, "d4 05"}, {2, "d5 05"}, {4, "d6 05"}, {8, "d7 05"}, {16, "d8 05"}, {3, "c7 03 05"}, {0, "c7 00 05"},
        {256, "c8 01 00 05"}, {65536, "c9 00 01 00 00 05"},
    };
    for (auto [n, head] : cases) {
        const std::string data(n, 'x');
        const std::string b = written([&](auto& w) { w.ext_value(5, data); });
        EXPECT_EQ(b, hex(head) + data) << n;
        msgpack::reader r(b);
        auto e = r.read_ext();
        ASSERT_TRUE(e.ok());
        EXPECT_EQ(e->type, 5);
        EXPECT_EQ(e->data, data);
        msgpack::reader s(b);
        EXPECT_EQ(*s.skip(), b);
    }
}

TEST(Msgpack, SkipReturnsTheExactBytesOfNestedValues) {
    const std::string value = hex("82 a1 61 93 01 c0 81 a1 62 92 ca 00 00 00 00 c4 01 ff a1 63 d6 ff 00 00 00 01");
    const std::string b = value + hex("2a");
    msgpack::reader r(b);
    EXPECT_EQ(*r.skip(), value);
    EXPECT_EQ(*r.read_int64(), 42);
}

TEST(Msgpack, TruncatedAtEveryByteIsAnErrorNeverARead) {
    const std::string whole = hex(
        "dc 00 0d c0 c3 cc 80 cd 01 00 ce 00 01 00 00 cf 00 00 00 01 00 00 00 00 d3 80 00 00 00 00 00 00 00"
        " ca 3f c0 00 00 cb 3f f8 00 00 00 00 00 00 d9 03 61 62 63 c5 00 02 01 02 de 00 01 a1 6b 91 c0"
        " c7 02 01 aa bb");
    ASSERT_TRUE(msgpack::reader(whole).skip().ok());
    for (std::size_t n = 0; n < whole.size(); ++n) {
        msgpack::reader r(std::string_view(whole).substr(0, n));
        auto s = r.skip();
        ASSERT_FALSE(s.ok()) << n;
        EXPECT_EQ(s.err().code, int(errc::truncated)) << n;
        EXPECT_EQ(r.offset(), 0u);
    }
}

TEST(Msgpack, LengthsPastTheEndAreRejectedBeforeUse) {
    // Each announces far more than is there: a reader that trusted them would read out of bounds or
    // allocate gigabytes.
    for (const char* bytes : {"db ff ff ff ff 61", "c6 ff ff ff ff 00", "c9 ff ff ff ff 01 00", "dd ff ff ff ff c0",
                              "df ff ff ff ff c0 c0", "bf 61", "d8 01 00", "9f c0 c0", "8f c0 c0"}) {
        const std::string b = hex(bytes);
        msgpack::reader r(b);
        auto s = r.skip();
        ASSERT_FALSE(s.ok()) << bytes;
        EXPECT_EQ(s.err().code, int(errc::truncated)) << bytes;
    }
    const std::string arr = hex("dd ff ff ff ff c0");
    EXPECT_EQ(msgpack::reader(arr).read_array_header().err().code, int(errc::truncated));
    const std::string map = hex("81 c0");  // one pair needs two bytes
    EXPECT_EQ(msgpack::reader(map).read_map_header().err().code, int(errc::truncated));
}

TEST(Msgpack, NestingDeeperThanTheLimitIsRejected) {
    std::string ok(msgpack::max_depth, '\x91');
    ok.push_back('\xc0');
    EXPECT_TRUE(msgpack::reader(ok).skip().ok());
    EXPECT_EQ(msgpack::reader(ok).skip(2).err().code, int(errc::too_deep));  // one level down already
    std::string bomb(1 << 20, '\x91');  // a megabyte of [[[[...
    bomb.push_back('\xc0');
    EXPECT_EQ(msgpack::reader(bomb).skip().err().code, int(errc::too_deep));
    std::string maps;
    for (int i = 0; i <= msgpack::max_depth; ++i) maps += hex("81 a0");
    maps.push_back('\xc0');
    EXPECT_EQ(msgpack::reader(maps).skip().err().code, int(errc::too_deep));
}

TEST(Msgpack, NeverUsedByteAndWrongTypes) {
    const std::string c1 = hex("c1");
    EXPECT_EQ(msgpack::reader(c1).skip().err().code, int(errc::invalid_byte));
    EXPECT_EQ(msgpack::reader(c1).peek().err().code, int(errc::invalid_byte));
    const std::string nested = hex("92 01 c1");
    EXPECT_EQ(msgpack::reader(nested).skip().err().code, int(errc::invalid_byte));
    const std::string str = hex("a1 78");
    msgpack::reader r(str);
    EXPECT_EQ(r.read_int64().err().code, int(errc::wrong_type));
    EXPECT_EQ(r.read_bool().err().code, int(errc::wrong_type));
    EXPECT_EQ(r.read_nil().err().code, int(errc::wrong_type));
    EXPECT_EQ(r.read_double().err().code, int(errc::wrong_type));
    EXPECT_EQ(r.read_binary().err().code, int(errc::wrong_type));
    EXPECT_EQ(r.read_array_header().err().code, int(errc::wrong_type));
    EXPECT_EQ(r.read_map_header().err().code, int(errc::wrong_type));
    EXPECT_EQ(r.read_ext().err().code, int(errc::wrong_type));
    EXPECT_EQ(r.offset(), 0u);
    EXPECT_EQ(*r.read_string(), "x");
    const std::string one = hex("01");
    EXPECT_EQ(msgpack::reader(one).read_string().err().code, int(errc::wrong_type));
    EXPECT_EQ(msgpack::reader(one).read_nullable_string().err().code, int(errc::wrong_type));
    EXPECT_EQ(msgpack::reader(one).read_double().err().code, int(errc::wrong_type));  // no silent int->float
    EXPECT_EQ(msgpack::reader("").read().err().code, int(errc::truncated));
}

TEST(Msgpack, PeekNamesEveryFamily) {
    const std::pair<const char*, format> cases[] = {
        {"00", format::integer}, {"e0", format::integer}, {"d3", format::integer}, {"cf", format::integer},
        {"c0", format::nil}, {"c2", format::boolean}, {"ca", format::float32}, {"cb", format::float64},
        {"a0", format::string}, {"db", format::string}, {"c4", format::binary}, {"c6", format::binary},
        {"90", format::array}, {"dd", format::array}, {"80", format::map}, {"df", format::map},
        {"d4", format::ext}, {"c9", format::ext},
    };
    for (auto [bytes, want] : cases) {
        const std::string b = hex(bytes);
        EXPECT_EQ(*msgpack::reader(b).peek(), want) << bytes;  // the code byte alone is enough
    }
}

TEST(Msgpack, RawValueIsVerbatimAndEmptyIsNil) {
    EXPECT_EQ(written([](auto& w) { w.begin_array(2).raw_value(hex("92 01 02")).raw_value(""); }),
              hex("92 92 01 02 c0"));
}

}  // namespace
}  // namespace tallyhub::signalr
