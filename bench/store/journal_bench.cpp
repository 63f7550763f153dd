// Journal group commit: append N records of 1 KiB, then commit(), on a real reactor.
//
//   build/.../store_journal_bench --benchmark_filter=off      # the write path alone (no fdatasync)
//
// Arguments: backend (0 io_uring, 1 epoll), records per commit, fsync mode (0 tick, 1 off), where
// (0 /tmp: the disk, 1 /dev/shm: tmpfs, where fdatasync costs nothing and so measures the journal's
// own overhead). The log is snapshotted whenever it asks (every 64 MiB), as the server does, which
// keeps the files bounded.

#include <benchmark/benchmark.h>

#include <unistd.h>

#include <filesystem>
#include <string>

#include "core/reactor.hpp"
#include "store/journal.hpp"

namespace tallyhub::store {
namespace {

struct bench_dir {
    std::string path;
    explicit bench_dir(const char* root) {
        std::string tmpl = std::string(root) + "/tallyhub-journal-bench-XXXXXX";
        if (::mkdtemp(tmpl.data())) path = tmpl;
    }
    ~bench_dir() {
        if (!path.empty()) std::filesystem::remove_all(path);
    }
};

task<void> commit_loop(benchmark::State* state, journal* j, std::size_t per_commit, reactor* loop) {
    const std::string record(1024, 'r');
    while (state->KeepRunning()) {
        for (std::size_t i = 0; i < per_commit; ++i) (void)j->append(record);
        result<void> r = co_await j->commit();
        if (!r.ok()) {
            state->SkipWithError(j->last_error().c_str());
            break;
        }
        if (j->wants_snapshot()) {
            result<void> s = co_await j->snapshot(std::string(4096, 's'));
            if (!s.ok()) {
                state->SkipWithError(j->last_error().c_str());
                break;
            }
        }
    }
    loop->stop();
}

void BM_append_commit_1k(benchmark::State& state) {
    const auto backend = state.range(0) == 0 ? backend_kind::uring : backend_kind::epoll;
    const auto per_commit = std::size_t(state.range(1));
    const auto mode = state.range(2) == 0 ? fsync_mode::tick : fsync_mode::off;
    const char* root = state.range(3) == 0 ? "/tmp" : "/dev/shm";
    bench_dir dir(root);
    if (dir.path.empty()) {
        state.SkipWithError("cannot create a directory for the journal");
        return;
    }
    reactor_options ro;
    ro.backend = backend;
    auto loop = reactor::create(0, ro);
    if (!loop.ok()) {
        state.SkipWithError(std::string(loop.err().reason).c_str());
        return;
    }
    journal_options o;
    o.dir = dir.path + "/data";
    o.fsync = mode;
    auto j = journal::open(o, recovery_visitor{});
    (*loop)->spawn(commit_loop(&state, j.get(), per_commit, loop->operator->()));
    (*loop)->run();
    state.SetItemsProcessed(state.iterations() * std::int64_t(per_commit));
    state.SetBytesProcessed(state.iterations() * std::int64_t(per_commit) * 1024);
    state.counters["fsyncs/commit"] =
        benchmark::Counter(double(j->stats().fsyncs) / double(std::max<std::uint64_t>(1, j->stats().commits)));
    state.SetLabel(std::string((*loop)->backend_name()) + (mode == fsync_mode::tick ? " fsync=tick " : " fsync=off ") + root);
}

// backend, records per commit, fsync (0 tick, 1 off), where (0 /tmp, 1 /dev/shm)
BENCHMARK(BM_append_commit_1k)
    ->ArgNames({"backend", "records", "off", "shm"})
    ->Args({0, 1, 1, 0})
    ->Args({1, 1, 1, 0})
    ->Args({0, 100, 1, 0})
    ->Args({0, 1, 0, 1})
    ->Args({1, 1, 0, 1})
    ->Args({0, 100, 0, 1})
    ->Args({0, 1, 0, 0})
    ->Args({0, 100, 0, 0})
    ->UseRealTime();

}  // namespace
}  // namespace tallyhub::store

BENCHMARK_MAIN();
