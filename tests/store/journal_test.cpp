// The journal on a real reactor, on both backends: group commit, fsync modes, reopen, snapshots,
// limits and write/sync failures.

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

class journal_test : public ::testing::TestWithParam<std::string> {
protected:
    backend_kind kind() const { return tallyhub::testing::backend_param(GetParam()); }
    temp_dir dir;
};

// Appends records [from, to) as one tick and commits them.
task<void> tick(journal* j, int from, int to) {
    for (int i = from; i < to; ++i) EXPECT_TRUE(j->append(payload(i)).ok());
    result<void> r = co_await j->commit();
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.err().reason) << " " << j->last_error();
}

task<void> ticks(journal* j, int count, int per_tick) {
    for (int t = 0; t < count; ++t) co_await tick(j, t * per_tick, (t + 1) * per_tick);
}

TEST_P(journal_test, committed_records_come_back_in_order_after_reopen) {
    recovered first;
    recovery_report rep;
    auto j = reopen(options_for(dir), first, &rep);
    EXPECT_FALSE(rep.snapshot_seq);
    EXPECT_EQ(rep.next_seq, 1u);
    EXPECT_EQ(journal_files(dir.path), std::vector<std::string>{"journal-00000000000000000001.log"});
    run_on_reactor(kind(), [&] { return ticks(j.get(), 10, 5); });
    EXPECT_EQ(j->durable_seq(), 50u);
    j.reset();

    recovered back;
    j = reopen(options_for(dir), back, &rep);
    ASSERT_EQ(back.records.size(), 50u);
    for (int i = 0; i < 50; ++i) {
        EXPECT_EQ(back.records[std::size_t(i)].first, std::uint64_t(i + 1));
        EXPECT_EQ(back.records[std::size_t(i)].second, payload(i));
    }
    EXPECT_EQ(rep.next_seq, 51u);
    EXPECT_TRUE(rep.warnings.empty());
    // Appending continues the same segment with the next seq.
    run_on_reactor(kind(), [&] { return tick(j.get(), 50, 53); });
    j.reset();
    recovered again;
    j = reopen(options_for(dir), again);
    ASSERT_EQ(again.records.size(), 53u);
    EXPECT_EQ(again.records.back(), std::make_pair(std::uint64_t(53), payload(52)));
}

TEST_P(journal_test, group_commit_is_one_write_and_one_fdatasync) {
    recovered r;
    auto j = reopen(options_for(dir, fsync_mode::tick), r);
    run_on_reactor(kind(), [&] { return tick(j.get(), 0, 100); });
    EXPECT_EQ(j->stats().appends, 100u);
    EXPECT_EQ(j->stats().commits, 1u);
    EXPECT_EQ(j->stats().writes, 1u);
    EXPECT_EQ(j->stats().fsyncs, 1u);
    run_on_reactor(kind(), [&] { return ticks(j.get(), 3, 4); });
    EXPECT_EQ(j->stats().writes, 4u);
    EXPECT_EQ(j->stats().fsyncs, 4u);
}

task<void> empty_commit(journal* j) {
    result<void> r = co_await j->commit();
    EXPECT_TRUE(r.ok());
}

TEST_P(journal_test, a_commit_with_nothing_appended_does_no_io) {
    recovered r;
    auto j = reopen(options_for(dir), r);
    run_on_reactor(kind(), [&] { return empty_commit(j.get()); });
    EXPECT_EQ(j->stats().writes, 0u);
    EXPECT_EQ(j->stats().fsyncs, 0u);
}

TEST_P(journal_test, fsync_off_never_syncs_and_always_syncs_every_record) {
    {
        recovered r;
        auto j = reopen(options_for(dir, fsync_mode::off), r);
        run_on_reactor(kind(), [&] { return ticks(j.get(), 5, 10); });
        EXPECT_EQ(j->stats().writes, 5u);
        EXPECT_EQ(j->stats().fsyncs, 0u);
        EXPECT_EQ(j->durable_seq(), 50u);  // written is all "off" promises
    }
    {
        recovered r;
        auto j = reopen(options_for(dir, fsync_mode::always), r);
        ASSERT_EQ(r.records.size(), 50u);
        run_on_reactor(kind(), [&] { return ticks(j.get(), 2, 10); });
        EXPECT_EQ(j->stats().writes, 20u);
        EXPECT_EQ(j->stats().fsyncs, 20u);
    }
    recovered r;
    auto j = reopen(options_for(dir), r);
    EXPECT_EQ(r.records.size(), 70u);
}

TEST_P(journal_test, a_record_over_max_record_is_refused) {
    auto o = options_for(dir);
    o.max_record = 1000;
    recovered r;
    auto j = reopen(o, r);
    EXPECT_TRUE(j->append(std::string(1000, 'a')).ok());
    auto big = j->append(std::string(1001, 'a'));
    ASSERT_FALSE(big.ok());
    EXPECT_EQ(big.err().code, EMSGSIZE);
    EXPECT_EQ(j->next_seq(), 2u);  // the refused record took no seq
}

// Overlapping commits run one at a time, in call order; a record appended while a batch is being
// written goes into the next batch.
struct committer {
    static task<void> go(journal* j, int id, std::string rec, std::vector<int>* order) {
        EXPECT_TRUE(j->append(rec).ok());
        result<void> r = co_await j->commit();
        EXPECT_TRUE(r.ok());
        order->push_back(id);
    }
};

task<void> overlapping(journal* j, std::vector<int>* order) {
    for (int id = 1; id <= 3; ++id) reactor::current().spawn(committer::go(j, id, std::string(1, char('a' + id - 1)), order));
    while (order->size() < 3) co_await io::sleep(std::chrono::milliseconds(1));
}

TEST_P(journal_test, overlapping_commits_keep_call_order) {
    recovered r;
    auto j = reopen(options_for(dir), r);
    std::vector<int> order;
    run_on_reactor(kind(), [&] { return overlapping(j.get(), &order); });
    EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
    j.reset();
    recovered back;
    j = reopen(options_for(dir), back);
    EXPECT_EQ(back.payloads(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(journal_options, fsync_modes_parse_from_their_flag_spelling) {
    EXPECT_EQ(*parse_fsync_mode("tick"), fsync_mode::tick);
    EXPECT_EQ(*parse_fsync_mode("always"), fsync_mode::always);
    EXPECT_EQ(*parse_fsync_mode("off"), fsync_mode::off);
    EXPECT_FALSE(parse_fsync_mode("sometimes").ok());
    EXPECT_EQ(journal_options{}.dir, "./data");
    EXPECT_EQ(journal_options{}.fsync, fsync_mode::tick);
}

INSTANTIATE_TEST_SUITE_P(backends, journal_test, ::testing::Values("uring", "epoll"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace tallyhub::store
