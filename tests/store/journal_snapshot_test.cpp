// Snapshots and failures of the journal on a real reactor, on both backends.

#include <fcntl.h>
#include <unistd.h>

#include "core/io.hpp"
#include "store/journal.hpp"
#include "tests/core/reactor_harness.hpp"
#include "tests/store/journal_test_util.hpp"

namespace tallyhub::store {
namespace {

using namespace tallyhub::store::testing;
using tallyhub::testing::run_on_reactor;

class journal_snapshot_test : public ::testing::TestWithParam<std::string> {
protected:
    backend_kind kind() const { return tallyhub::testing::backend_param(GetParam()); }
    temp_dir dir;
};

// Appends the '|'-separated records of `recs` ("" for none) and commits. (A braced list would put an
// array in the coroutine frame, which g++ 12 cannot compile.)
task<void> append_commit(journal* j, std::string recs, bool expect_ok = true) {
    for (std::size_t at = 0; at < recs.size();) {
        std::size_t bar = std::min(recs.find('|', at), recs.size());
        EXPECT_TRUE(j->append(std::string_view(recs).substr(at, bar - at)).ok());
        at = bar + 1;
    }
    result<void> r = co_await j->commit();
    EXPECT_EQ(r.ok(), expect_ok) << (r.ok() ? "" : r.err().reason) << " " << j->last_error();
}

task<void> take_snapshot(journal* j, std::string state, bool expect_ok = true) {
    result<void> r = co_await j->snapshot(std::move(state));
    EXPECT_EQ(r.ok(), expect_ok) << (r.ok() ? "" : r.err().reason) << " " << j->last_error();
}

task<void> ticks_snapshot_ticks(journal* j) {
    co_await append_commit(j, "r1|r2|r3");
    co_await take_snapshot(j, "state after 3");
    co_await append_commit(j, "r4|r5");
}

TEST_P(journal_snapshot_test, recovery_is_the_snapshot_then_the_later_records) {
    recovered r;
    auto j = reopen(options_for(dir), r);
    run_on_reactor(kind(), [&] { return ticks_snapshot_ticks(j.get()); });
    EXPECT_EQ(j->stats().snapshots, 1u);
    // The first segment held only records the snapshot covers: gone.
    EXPECT_EQ(journal_files(dir.path),
              (std::vector<std::string>{"journal-00000000000000000004.log", "snapshot-00000000000000000003.snap"}));
    j.reset();

    recovered back;
    recovery_report rep;
    j = reopen(options_for(dir), back, &rep);
    EXPECT_EQ(back.snapshot_seq, 3u);
    EXPECT_EQ(back.snapshot, "state after 3");
    EXPECT_EQ(back.records, (std::vector<std::pair<std::uint64_t, std::string>>{{4, "r4"}, {5, "r5"}}));
    EXPECT_EQ(rep.next_seq, 6u);
    EXPECT_TRUE(rep.warnings.empty());
}

task<void> two_snapshots(journal* j) {
    co_await append_commit(j, "a");
    co_await take_snapshot(j, "S1");
    co_await append_commit(j, "b|c");
    co_await take_snapshot(j, "S3");
    co_await take_snapshot(j, "S3 again");  // nothing new: no new segment, same file replaced
}

TEST_P(journal_snapshot_test, a_new_snapshot_deletes_the_old_one_and_its_segments) {
    recovered r;
    auto j = reopen(options_for(dir), r);
    run_on_reactor(kind(), [&] { return two_snapshots(j.get()); });
    EXPECT_EQ(journal_files(dir.path),
              (std::vector<std::string>{"journal-00000000000000000004.log", "snapshot-00000000000000000003.snap"}));
    j.reset();
    recovered back;
    j = reopen(options_for(dir), back);
    EXPECT_EQ(back.snapshot, "S3 again");
    EXPECT_TRUE(back.records.empty());
    EXPECT_EQ(j->next_seq(), 4u);
}

task<void> snapshot_uncommitted(journal* j) {
    (void)j->append("never written");
    (void)j->append("nor this");
    co_await take_snapshot(j, "covers 2");
    co_await append_commit(j, "after");
}

TEST_P(journal_snapshot_test, uncommitted_records_are_covered_by_the_snapshot_and_never_logged) {
    recovered r;
    auto j = reopen(options_for(dir), r);
    run_on_reactor(kind(), [&] { return snapshot_uncommitted(j.get()); });
    EXPECT_EQ(j->stats().bytes_written, format::record_header_size + 5);  // only "after"
    EXPECT_EQ(j->durable_seq(), 3u);
    j.reset();
    recovered back;
    j = reopen(options_for(dir), back);
    EXPECT_EQ(back.snapshot_seq, 2u);
    EXPECT_EQ(back.records, (std::vector<std::pair<std::uint64_t, std::string>>{{3, "after"}}));
}

TEST_P(journal_snapshot_test, wants_a_snapshot_past_snapshot_every_bytes) {
    auto o = options_for(dir);
    o.snapshot_every_bytes = 1000;
    recovered r;
    auto j = reopen(o, r);
    EXPECT_FALSE(j->wants_snapshot());
    run_on_reactor(kind(), [&] { return append_commit(j.get(), std::string(500, 'a')); });
    EXPECT_FALSE(j->wants_snapshot());
    run_on_reactor(kind(), [&] { return append_commit(j.get(), std::string(500, 'b')); });
    EXPECT_TRUE(j->wants_snapshot());
    j.reset();
    recovered back;
    j = reopen(o, back);
    EXPECT_TRUE(j->wants_snapshot()) << "the log size counts across restarts";
    run_on_reactor(kind(), [&] { return take_snapshot(j.get(), "state"); });
    EXPECT_FALSE(j->wants_snapshot());
}

// A commit holds the turn while a snapshot waits; a record appended meanwhile (after the snapshot
// was called, so not in its state) reaches the old segment and must survive the snapshot.
struct actor {
    static task<void> commit(journal* j) { co_await append_commit(j, ""); }
    static task<void> snapshot(journal* j) { co_await take_snapshot(j, "state after 1"); }
    static task<void> append(journal* j, const char* rec) {
        EXPECT_TRUE(j->append(rec).ok());
        co_return;
    }
};

task<void> snapshot_behind_a_commit(journal* j) {
    (void)j->append("a");
    reactor::current().spawn(actor::commit(j));
    reactor::current().spawn(actor::commit(j));
    reactor::current().spawn(actor::snapshot(j));
    reactor::current().spawn(actor::append(j, "b"));
    while (reactor::current().live_tasks() > 1) co_await io::sleep(std::chrono::milliseconds(1));
    co_await append_commit(j, "");
}

TEST_P(journal_snapshot_test, records_after_the_snapshot_call_survive_it) {
    recovered r;
    auto j = reopen(options_for(dir), r);
    run_on_reactor(kind(), [&] { return snapshot_behind_a_commit(j.get()); });
    j.reset();
    recovered back;
    j = reopen(options_for(dir), back);
    EXPECT_EQ(back.snapshot, "state after 1");
    EXPECT_EQ(back.records, (std::vector<std::pair<std::uint64_t, std::string>>{{2, "b"}}));
}

// Writes fail with ENOSPC (/dev/full), then EBADF (a read-only descriptor); the batch is kept and
// written again at the same offset once the real descriptor is back.
task<void> failing_writes(journal* j) {
    int real = journal_testing::segment_fd(*j);
    co_await append_commit(j, "one");
    int full = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
    journal_testing::segment_fd(*j) = full;
    (void)j->append("two");
    result<void> r = co_await j->commit();
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.ok() ? 0 : r.err().code, ENOSPC);
    EXPECT_NE(j->last_error().find("journal-00000000000000000001.log: write of 19 bytes at offset 43 failed"), std::string::npos)
        << j->last_error();
    EXPECT_FALSE(j->failed());
    std::string path = j->options().dir + "/journal-00000000000000000001.log";
    int ro = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    journal_testing::segment_fd(*j) = ro;
    (void)j->append("three");
    r = co_await j->commit();
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.ok() ? 0 : r.err().code, EBADF);
    journal_testing::segment_fd(*j) = real;
    ::close(full);
    ::close(ro);
    co_await append_commit(j, "four");
    EXPECT_EQ(j->stats().errors, 2u);
}

TEST_P(journal_snapshot_test, a_failed_write_returns_the_error_and_is_retried_by_the_next_commit) {
    recovered r;
    auto j = reopen(options_for(dir), r);
    run_on_reactor(kind(), [&] { return failing_writes(j.get()); });
    j.reset();
    recovered back;
    recovery_report rep;
    j = reopen(options_for(dir), back, &rep);
    EXPECT_EQ(back.payloads(), (std::vector<std::string>{"one", "two", "three", "four"}));
    EXPECT_TRUE(rep.warnings.empty());
}

// fdatasync fails (/dev/null takes the write but cannot be synced): the journal stays failed until a
// snapshot rewrites the state into new files.
task<void> failing_sync(journal* j) {
    co_await append_commit(j, "one");
    int real = journal_testing::segment_fd(*j);
    journal_testing::segment_fd(*j) = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    co_await append_commit(j, "lost", false);
    EXPECT_TRUE(j->failed());
    EXPECT_NE(j->last_error().find("fdatasync failed"), std::string::npos) << j->last_error();
    co_await append_commit(j, "refused", false);
    co_await take_snapshot(j, "state through 3");  // closes the /dev/null descriptor
    EXPECT_FALSE(j->failed());
    ::close(real);
    co_await append_commit(j, "four");
}

TEST_P(journal_snapshot_test, a_failed_sync_is_final_until_a_snapshot) {
    recovered r;
    auto j = reopen(options_for(dir), r);
    run_on_reactor(kind(), [&] { return failing_sync(j.get()); });
    j.reset();
    recovered back;
    j = reopen(options_for(dir), back);
    EXPECT_EQ(back.snapshot, "state through 3");
    EXPECT_EQ(back.records, (std::vector<std::pair<std::uint64_t, std::string>>{{4, "four"}}));
}

// The directory fsync fails after the rename: the snapshot reports the error, appends go on in the
// old segment, and recovery is still consistent.
task<void> failing_snapshot(journal* j) {
    co_await append_commit(j, "one|two");
    int real_dir = journal_testing::dir_fd(*j);
    journal_testing::dir_fd(*j) = 1000;  // not open
    co_await take_snapshot(j, "state after 2", false);
    journal_testing::dir_fd(*j) = real_dir;
    co_await append_commit(j, "three");
}

TEST_P(journal_snapshot_test, a_failed_snapshot_leaves_the_log_usable) {
    recovered r;
    auto j = reopen(options_for(dir), r);
    run_on_reactor(kind(), [&] { return failing_snapshot(j.get()); });
    EXPECT_EQ(journal_files(dir.path),
              (std::vector<std::string>{"journal-00000000000000000001.log", "snapshot-00000000000000000002.snap"}));
    j.reset();
    recovered back;
    j = reopen(options_for(dir), back);
    EXPECT_EQ(back.snapshot_seq, 2u);
    EXPECT_EQ(back.records, (std::vector<std::pair<std::uint64_t, std::string>>{{3, "three"}}));
}

INSTANTIATE_TEST_SUITE_P(backends, journal_snapshot_test, ::testing::Values("uring", "epoll"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace tallyhub::store
