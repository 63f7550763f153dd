// Recovery of damaged data directories: torn tails, bit flips, gaps, bad snapshots, skip_corrupt.
// The files are built byte by byte (store/journal_format.hpp), so every case is exact.

#include <sys/stat.h>

#include <fmt/format.h>

#include "store/journal.hpp"
#include "tests/store/journal_test_util.hpp"

namespace tallyhub::store {
namespace {

using namespace tallyhub::store::testing;
using format::segment_name;
using format::snapshot_name;

const std::vector<std::string> five = {"alpha", "bravo", "charlie", "delta", "echo-echo-echo"};

struct journal_recovery : ::testing::Test {
    temp_dir dir;
    void SetUp() override { std::filesystem::create_directories(dir.path); }
    void put(const std::string& name, const std::string& bytes) { write_file(dir.file(name), bytes); }
    std::string seg1() const { return dir.file(segment_name(1)); }
    // Opens expecting a journal_error; returns its message.
    std::string open_fails(const journal_options& o) {
        recovered r;
        try {
            auto j = reopen(o, r);
        } catch (const journal_error& e) {
            EXPECT_EQ(e.code(), EBADMSG);
            return e.what();
        }
        ADD_FAILURE() << "open() succeeded";
        return {};
    }
};

TEST_F(journal_recovery, a_torn_last_record_is_dropped_at_every_length) {
    const std::string whole = segment_bytes(1, five);
    const std::size_t last = record_offset(five, 4);
    for (std::size_t keep = 0; keep < whole.size() - last; ++keep) {
        put(segment_name(1), whole.substr(0, last + keep));
        recovered r;
        recovery_report rep;
        auto j = reopen(options_for(dir), r, &rep);
        EXPECT_EQ(r.payloads(), std::vector<std::string>(five.begin(), five.begin() + 4)) << keep;
        EXPECT_EQ(rep.next_seq, 5u);
        EXPECT_EQ(rep.torn_bytes, keep);
        EXPECT_EQ(size_of(seg1()), last) << "truncated to the good prefix";
        if (keep == 0) {
            EXPECT_TRUE(rep.warnings.empty());
        } else {
            ASSERT_EQ(rep.warnings.size(), 1u) << keep;
            EXPECT_EQ(rep.warnings[0], fmt::format("{}: record 5 at offset {}: cut short, and nothing intact follows: a torn "
                                                   "write, dropped; truncated the file to {} bytes (cut off {})",
                                                   seg1(), last, last, keep));
        }
    }
}

TEST_F(journal_recovery, a_last_record_failing_its_crc_is_a_torn_write) {
    std::string bytes = segment_bytes(1, five);
    bytes[bytes.size() - 3] ^= 0x04;
    put(segment_name(1), bytes);
    recovered r;
    recovery_report rep;
    auto j = reopen(options_for(dir), r, &rep);
    EXPECT_EQ(r.records.size(), 4u);
    ASSERT_EQ(rep.warnings.size(), 1u);
    EXPECT_NE(rep.warnings[0].find("record 5 at offset 110: CRC mismatch, and nothing intact follows"), std::string::npos)
        << rep.warnings[0];
}

TEST_F(journal_recovery, a_torn_batch_of_several_records_and_zeros_is_dropped) {
    // The last write held records 3..5; the crash left half of record 4 and then zeros.
    std::string bytes = segment_bytes(1, five).substr(0, record_offset(five, 3) + 7) + std::string(300, '\0');
    put(segment_name(1), bytes);
    recovered r;
    recovery_report rep;
    auto j = reopen(options_for(dir), r, &rep);
    EXPECT_EQ(r.payloads(), std::vector<std::string>(five.begin(), five.begin() + 3));
    EXPECT_EQ(rep.warnings.size(), 1u);
    EXPECT_EQ(size_of(seg1()), record_offset(five, 3));
}

TEST_F(journal_recovery, a_bit_flip_in_a_middle_record_stops_start_up) {
    for (std::size_t bit : {0u, 40u, 70u, 130u, 150u}) {  // crc, len, seq, payload of record 3
        std::string bytes = segment_bytes(1, five);
        std::size_t at = record_offset(five, 2) + bit / 8;
        bytes[at] = char(bytes[at] ^ (1 << (bit % 8)));
        put(segment_name(1), bytes);
        std::string msg = open_fails(options_for(dir));
        EXPECT_TRUE(msg.starts_with(fmt::format("{}: record 3 at offset {}: ", seg1(), record_offset(five, 2)))) << msg;
        EXPECT_TRUE(msg.ends_with("; start with --recover-skip-corrupt to drop it and everything after it")) << msg;
        EXPECT_EQ(read_file(seg1()), bytes) << "nothing changes on disk";
    }
    std::string bytes = segment_bytes(1, five);
    bytes[record_offset(five, 2) + 20] ^= 0x01;
    put(segment_name(1), bytes);
    EXPECT_EQ(open_fails(options_for(dir)),
              seg1() + ": record 3 at offset 66: CRC mismatch; start with --recover-skip-corrupt to drop it and everything after it");
}

TEST_F(journal_recovery, skip_corrupt_drops_the_bad_record_and_everything_after_it) {
    std::string bytes = segment_bytes(1, five);
    const std::size_t bad = record_offset(five, 2);
    bytes[bad + 20] ^= 0x01;
    put(segment_name(1), bytes);
    put(segment_name(6), segment_bytes(6, {"foxtrot"}));
    auto o = options_for(dir);
    o.skip_corrupt = true;
    recovered r;
    recovery_report rep;
    auto j = reopen(o, r, &rep);
    EXPECT_EQ(r.payloads(), (std::vector<std::string>{"alpha", "bravo"}));
    EXPECT_EQ(rep.next_seq, 3u);
    EXPECT_EQ(rep.dropped_bytes, bytes.size() - bad + segment_bytes(6, {"foxtrot"}).size());
    ASSERT_EQ(rep.dropped_files.size(), 2u);
    ASSERT_FALSE(rep.warnings.empty());
    EXPECT_NE(rep.warnings[0].find("record 3 at offset 66: CRC mismatch; --recover-skip-corrupt: dropped it and everything after it"),
              std::string::npos);
    EXPECT_EQ(size_of(seg1()), bad);
    EXPECT_EQ(read_file(dir.file(rep.dropped_files[0])), bytes.substr(bad)) << "the cut-off bytes are kept";
    EXPECT_TRUE(std::filesystem::exists(dir.file(rep.dropped_files[1])));
    EXPECT_FALSE(std::filesystem::exists(dir.file(segment_name(6))));
    EXPECT_EQ(*j->append("new"), 3u);
    j.reset();
    recovered again;
    j = reopen(options_for(dir), again, &rep);  // clean now, without the flag
    EXPECT_EQ(again.records.size(), 2u);
    EXPECT_TRUE(rep.warnings.empty());
}

TEST_F(journal_recovery, damage_at_the_end_of_an_earlier_segment_is_not_a_torn_tail) {
    std::string first = segment_bytes(1, five);
    first[first.size() - 2] ^= 0x40;
    put(segment_name(1), first);
    put(segment_name(6), segment_bytes(6, {"foxtrot"}));
    std::string msg = open_fails(options_for(dir));
    EXPECT_NE(msg.find("record 5 at offset 110: CRC mismatch"), std::string::npos) << msg;
}

TEST_F(journal_recovery, missing_records_between_segments_stop_start_up) {
    put(segment_name(1), segment_bytes(1, {"a", "b", "c"}));
    put(segment_name(5), segment_bytes(5, {"e"}));
    EXPECT_EQ(open_fails(options_for(dir)),
              dir.file(segment_name(5)) + ": starts at record 5, but records 4..4 are missing; start with "
                                          "--recover-skip-corrupt to drop this segment and everything after it");
}

TEST_F(journal_recovery, a_record_out_of_sequence_stops_start_up) {
    std::string bytes;
    format::append_file_header(bytes, format::file_kind::segment, 1);
    format::append_record(bytes, 1, "a");
    format::append_record(bytes, 2, "b");
    format::append_record(bytes, 4, "d");
    put(segment_name(1), bytes);
    EXPECT_EQ(open_fails(options_for(dir)), seg1() + ": record 3 at offset 58: holds record 4 (out of sequence); start with "
                                                     "--recover-skip-corrupt to drop it and everything after it");
}

TEST_F(journal_recovery, a_bad_segment_header_stops_start_up) {
    std::string bytes = segment_bytes(1, five);
    bytes[0] = 'X';
    put(segment_name(1), bytes);
    EXPECT_NE(open_fails(options_for(dir)).find(seg1() + ": not a journal segment (wrong magic)"), std::string::npos);
}

TEST_F(journal_recovery, an_unfinished_last_segment_is_removed) {
    put(segment_name(1), segment_bytes(1, {"a", "b"}));
    put(segment_name(3), segment_bytes(3, {}).substr(0, 10));
    recovered r;
    recovery_report rep;
    auto j = reopen(options_for(dir), r, &rep);
    EXPECT_EQ(r.records.size(), 2u);
    EXPECT_EQ(rep.warnings.size(), 1u);
    EXPECT_EQ(journal_files(dir.path), std::vector<std::string>{segment_name(1)});
}

TEST_F(journal_recovery, the_snapshot_is_the_base_and_covered_records_are_skipped) {
    // A crash after the snapshot's rename, before its new segment: records 1..5 still in journal-1.
    put(segment_name(1), segment_bytes(1, five));
    std::string state = "state after 3";
    put(snapshot_name(3), format::snapshot_prefix(3, state) + state);
    put(snapshot_name(1), format::snapshot_prefix(1, "old") + "old");
    put(format::snapshot_temp_name(9), "half a snapshot");
    recovered r;
    auto j = reopen(options_for(dir), r);
    EXPECT_EQ(r.snapshot, state);
    EXPECT_EQ(r.records, (std::vector<std::pair<std::uint64_t, std::string>>{{4, "delta"}, {5, "echo-echo-echo"}}));
    EXPECT_EQ(journal_files(dir.path), (std::vector<std::string>{segment_name(1), snapshot_name(3)}));
}

TEST_F(journal_recovery, a_log_that_ends_before_the_snapshot_gets_a_new_segment) {
    put(segment_name(1), segment_bytes(1, {"a", "b"}));
    put(snapshot_name(5), format::snapshot_prefix(5, "S") + "S");
    recovered r;
    auto j = reopen(options_for(dir), r);
    EXPECT_TRUE(r.records.empty());
    EXPECT_EQ(j->next_seq(), 6u);
    EXPECT_TRUE(std::filesystem::exists(dir.file(segment_name(6))));
}

TEST_F(journal_recovery, a_corrupt_snapshot_stops_start_up_or_is_set_aside) {
    put(segment_name(4), segment_bytes(4, {"d"}));
    std::string good = format::snapshot_prefix(3, "S3") + "S3";
    std::string bad = good;
    bad.back() ^= 0x01;
    put(snapshot_name(3), bad);
    std::string msg = open_fails(options_for(dir));
    EXPECT_TRUE(msg.starts_with(dir.file(snapshot_name(3)) + ": snapshot CRC mismatch; start with --recover-skip-corrupt")) << msg;

    auto o = options_for(dir);
    o.skip_corrupt = true;
    recovered r;
    recovery_report rep;
    auto j = reopen(o, r, &rep);  // no older snapshot: the log does not continue from nothing
    EXPECT_FALSE(r.snapshot_seq);
    EXPECT_TRUE(r.records.empty());
    EXPECT_EQ(rep.dropped_files.size(), 2u);
    EXPECT_EQ(j->next_seq(), 1u);
}

TEST_F(journal_recovery, a_record_the_caller_rejects_stops_start_up) {
    put(segment_name(1), segment_bytes(1, {"a", "b"}));
    recovery_visitor v;
    v.record = [](std::uint64_t seq, std::string_view) -> result<void> {
        if (seq == 2) return error{EINVAL, "unknown record type"};
        return {};
    };
    try {
        journal::open(options_for(dir), v);
        ADD_FAILURE() << "open() succeeded";
    } catch (const journal_error& e) {
        EXPECT_EQ(std::string(e.what()), seg1() + ": record 2 at offset 41: rejected: unknown record type");
    }
}

TEST_F(journal_recovery, a_second_journal_on_the_same_directory_is_refused) {
    recovered r;
    auto j = reopen(options_for(dir), r);
    try {
        recovered other;
        reopen(options_for(dir), other);
        ADD_FAILURE() << "second open() succeeded";
    } catch (const journal_error& e) {
        EXPECT_EQ(e.code(), EBUSY);
        EXPECT_NE(std::string(e.what()).find("is in use by another tallyhub"), std::string::npos);
    }
}

}  // namespace
}  // namespace tallyhub::store
