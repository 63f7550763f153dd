// The journal's bytes: CRC, file headers, records, snapshots and file names.

#include <gtest/gtest.h>

#include "store/journal_format.hpp"

namespace tallyhub::store::format {
namespace {

TEST(journal_format, crc32_is_zlibs_iso_hdlc_crc) {
    EXPECT_EQ(crc32("123456789"), 0xCBF43926u);  // the standard check value
    EXPECT_EQ(crc32(""), 0u);
    EXPECT_EQ(crc32("6789", crc32("12345")), 0xCBF43926u);  // continues
}

TEST(journal_format, record_layout_is_crc_len_seq_payload_little_endian) {
    std::string out;
    append_record(out, 0x0102030405060708ull, "abc");
    ASSERT_EQ(out.size(), record_header_size + 3);
    EXPECT_EQ(out.substr(4, 4), std::string("\x03\x00\x00\x00", 4));
    EXPECT_EQ(out.substr(8, 8), std::string("\x08\x07\x06\x05\x04\x03\x02\x01", 8));
    EXPECT_EQ(out.substr(16), "abc");
    std::uint32_t crc = crc32(std::string_view(out).substr(4));
    std::string le(4, '\0');
    for (int i = 0; i < 4; ++i) le[std::size_t(i)] = char(crc >> (8 * i));
    EXPECT_EQ(out.substr(0, 4), le);
}

TEST(journal_format, records_parse_back_in_order) {
    std::string out;
    append_record(out, 7, "first");
    append_record(out, 8, "");
    append_record(out, 9, std::string(1000, 'z'));
    std::string_view rest = out;
    for (std::uint64_t seq : {7u, 8u, 9u}) {
        record_view r = parse_record(rest);
        ASSERT_EQ(r.status, record_status::ok);
        EXPECT_EQ(r.seq, seq);
        rest.remove_prefix(r.size);
    }
    EXPECT_TRUE(rest.empty());
}

TEST(journal_format, every_cut_is_incomplete_and_every_bit_flip_fails_the_crc) {
    std::string rec;
    append_record(rec, 42, "payload bytes");
    for (std::size_t n = 0; n < rec.size(); ++n)
        EXPECT_EQ(parse_record(std::string_view(rec).substr(0, n)).status, record_status::incomplete) << n;
    for (std::size_t bit = 0; bit < rec.size() * 8; ++bit) {
        std::string bad = rec;
        bad[bit / 8] = char(bad[bit / 8] ^ (1 << (bit % 8)));
        record_view r = parse_record(bad + std::string(64, '\0'));  // room for a grown length
        EXPECT_NE(r.status, record_status::ok) << "bit " << bit;
    }
}

TEST(journal_format, intact_record_within_finds_a_record_at_any_offset) {
    std::string rec;
    append_record(rec, 10, "later record");
    EXPECT_TRUE(intact_record_within("garbage" + rec, 5));
    EXPECT_FALSE(intact_record_within("garbage" + rec, 11));  // seq below the minimum: not ours
    EXPECT_FALSE(intact_record_within(std::string(200, '\0'), 1));
    EXPECT_FALSE(intact_record_within(rec.substr(0, rec.size() - 1), 1));
}

TEST(journal_format, file_headers_check_magic_crc_version_and_kind) {
    std::string h;
    append_file_header(h, file_kind::segment, 123);
    ASSERT_EQ(h.size(), file_header_size);
    EXPECT_EQ(h.substr(0, 8), "THJOURNL");
    std::uint64_t seq = 0;
    EXPECT_EQ(check_file_header(h, file_kind::segment, seq), nullptr);
    EXPECT_EQ(seq, 123u);
    EXPECT_STREQ(check_file_header(h, file_kind::snapshot, seq), "not a snapshot (wrong magic)");
    EXPECT_STREQ(check_file_header(h.substr(0, 23), file_kind::segment, seq), "file header cut short");
    std::string flipped = h;
    flipped[17] ^= 1;
    EXPECT_STREQ(check_file_header(flipped, file_kind::segment, seq), "file header CRC mismatch");
}

TEST(journal_format, snapshots_round_trip_and_detect_damage) {
    std::string state = "the whole state";
    std::string file = snapshot_prefix(99, state) + state;
    std::uint64_t seq = 0;
    std::string_view back;
    ASSERT_EQ(parse_snapshot(file, seq, back), nullptr);
    EXPECT_EQ(seq, 99u);
    EXPECT_EQ(back, state);
    std::string flipped = file;
    flipped.back() ^= 0x10;
    EXPECT_STREQ(parse_snapshot(flipped, seq, back), "snapshot CRC mismatch");
    EXPECT_STREQ(parse_snapshot(file.substr(0, file.size() - 1), seq, back), "snapshot length does not match the file size");
    std::string empty = snapshot_prefix(0, "");
    EXPECT_EQ(parse_snapshot(empty, seq, back), nullptr);
    EXPECT_TRUE(back.empty());
}

TEST(journal_format, names_carry_twenty_digits_and_parse_back) {
    EXPECT_EQ(segment_name(42), "journal-00000000000000000042.log");
    EXPECT_EQ(snapshot_name(7), "snapshot-00000000000000000007.snap");
    EXPECT_EQ(snapshot_temp_name(7), "snapshot-00000000000000000007.tmp");
    EXPECT_EQ(parse_segment_name(segment_name(UINT64_MAX)), UINT64_MAX);
    EXPECT_EQ(parse_snapshot_name("snapshot-00000000000000000007.snap"), 7u);
    EXPECT_EQ(parse_snapshot_temp_name("snapshot-00000000000000000007.tmp"), 7u);
    EXPECT_FALSE(parse_segment_name("journal-42.log"));
    EXPECT_FALSE(parse_segment_name("journal-0000000000000000004x.log"));
    EXPECT_FALSE(parse_segment_name("journal-00000000000000000042.log.dropped-1"));
    EXPECT_FALSE(parse_snapshot_name(segment_name(1)));
}

}  // namespace
}  // namespace tallyhub::store::format
