#pragma once
// journal: the embedded, append-only store of tallyhub's durable totals (DESIGN §6, --data-dir).
//
// Storage machinery only: a record and a snapshot are opaque bytes chosen by the caller (a tick's
// merged deltas with the dedup keys of the deliveries it covers; the full state). Every record gets
// the next sequence number; a snapshot covers every record appended before it, so recovery replays
// the newest snapshot, then the records after it, in order.
//
// Lifecycle:
//   1. open() on the main thread before the reactors serve (blocking file I/O): takes the data
//      directory's lock, recovers (torn tail dropped with a warning, corruption refused unless
//      skip_corrupt) and hands the snapshot and the later records to the caller's visitor;
//   2. on ONE reactor (core 0's tick loop): append() each record of a tick, then commit(): the batch
//      goes out as one write through io_uring and, with fsync_mode::tick, one fdatasync; commit()
//      resumes when the batch is durable (per mode). Calls may overlap: commits and snapshots run one
//      at a time, in call order, and appends during a commit go into the next batch;
//   3. when wants_snapshot(): snapshot(state) writes the state atomically (temp file, fdatasync,
//      rename, new segment, directory fsync) and deletes the files it supersedes;
//   4. destroy it on that reactor's thread once no commit() or snapshot() is in flight.
// File data goes through the reactor (io_uring, or synchronous with the epoll fallback); the few
// metadata syscalls of a snapshot (open, rename, unlink) are synchronous, once per snapshot.
//
// Errors: a failed write keeps the batch, and the next commit() writes it again at the same offset.
// A failed fdatasync is final for that segment (the kernel may have dropped the dirty pages, so a
// retried fsync proves nothing): every commit() fails until a snapshot() succeeds, which writes the
// whole state into new files.

#include <cstddef>
#include <cstdint>
#include <coroutine>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/task.hpp"

namespace tallyhub::store {

namespace detail {
struct journal_layout;
}

/// --fsync: when commit() makes a batch durable.
enum class fsync_mode {
    tick,    ///< one fdatasync per commit (group commit): default
    always,  ///< each record written and fdatasync'ed on its own
    off,     ///< no fdatasync on commit: a crash of the machine loses recent ticks, a crash of the process does not
};
// Snapshots are synced in every mode: they replace the log, so an unsynced one could lose all of it.

/// Parses "tick", "always" or "off".
result<fsync_mode> parse_fsync_mode(std::string_view s);

struct journal_options {
    std::string dir = "./data";                        ///< --data-dir, created when missing
    fsync_mode fsync = fsync_mode::tick;               ///< --fsync
    bool skip_corrupt = false;                         ///< --recover-skip-corrupt (store/journal_recovery.hpp says what it drops)
    std::size_t max_record = std::size_t(64) << 20;    ///< append() refuses bigger records
    std::uint64_t snapshot_every_bytes = std::uint64_t(64) << 20;  ///< wants_snapshot() past this much log
};

/// A start-up failure, with the file, record and offset concerned and what to do about it.
class journal_error : public std::runtime_error {
public:
    journal_error(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
    /// An errno value (EBADMSG for corrupt files).
    int code() const noexcept { return code_; }

private:
    int code_;
};

/// What open() hands the caller, in order: the snapshot (if any), then each later record.
/// An error from either aborts open() with a journal_error naming the record.
struct recovery_visitor {
    /// The state after record `seq` (the newest valid snapshot).
    std::function<result<void>(std::uint64_t seq, std::string_view state)> snapshot;
    /// One record after the snapshot.
    std::function<result<void>(std::uint64_t seq, std::string_view record)> record;
};

/// What recovery found and did. Every warning was also logged.
struct recovery_report {
    std::optional<std::uint64_t> snapshot_seq;  ///< the snapshot replayed
    std::uint64_t records = 0;                  ///< records replayed after it
    std::uint64_t next_seq = 1;                 ///< the seq the next append() gets
    std::uint64_t torn_bytes = 0;               ///< bytes of a torn tail cut off
    std::uint64_t dropped_bytes = 0;            ///< bytes set aside by skip_corrupt
    std::vector<std::string> dropped_files;     ///< files skip_corrupt wrote or renamed to *.dropped-<time>
    std::vector<std::string> warnings;
};

/// Reactor-side I/O so far (open() is not counted).
struct journal_stats {
    std::uint64_t appends = 0;
    std::uint64_t commits = 0;        ///< commit() calls that wrote a batch
    std::uint64_t writes = 0;         ///< write operations submitted (a short write adds one)
    std::uint64_t fsyncs = 0;         ///< fdatasync/fsync operations submitted
    std::uint64_t bytes_written = 0;  ///< log bytes (snapshot files not included)
    std::uint64_t snapshots = 0;
    std::uint64_t errors = 0;         ///< failed commits and snapshots
};

class journal {
public:
    /// Opens (or creates) the journal in `opts.dir` and recovers it through `visit`. Blocking; throws
    /// journal_error with a message for the operator when it cannot (exit code 2 is the answer).
    static std::unique_ptr<journal> open(journal_options opts, const recovery_visitor& visit,
                                         recovery_report* report = nullptr);
    ~journal();
    journal(const journal&) = delete;
    journal& operator=(const journal&) = delete;

    /// Adds a record to the next batch and returns its seq; nothing is written before commit().
    /// Fails (EMSGSIZE) when the record is larger than max_record.
    result<std::uint64_t> append(std::string_view record);

    /// Writes every record appended so far and resumes when they are durable per fsync mode; at once
    /// when there is nothing to write. On the reactor. Details of a failure: last_error().
    task<result<void>> commit();

    /// Writes `state` — the caller's state after every record appended so far — as the snapshot and
    /// starts a new segment; superseded segments and snapshots are deleted once it is durable. Records
    /// appended but not yet committed are covered by it and never written to the log. On the reactor.
    task<result<void>> snapshot(std::string state);

    /// True when the log written since the last snapshot exceeds snapshot_every_bytes.
    bool wants_snapshot() const noexcept { return log_bytes_ >= opts_.snapshot_every_bytes; }
    /// The seq the next append() gets.
    std::uint64_t next_seq() const noexcept { return next_seq_; }
    /// Every record up to this seq is durable per fsync mode (covered by a snapshot or committed).
    std::uint64_t durable_seq() const noexcept { return durable_seq_; }
    /// True after a failed fdatasync, until a snapshot() succeeds.
    bool failed() const noexcept { return failed_; }
    /// The last failure in words: file, offset, operation, strerror.
    const std::string& last_error() const noexcept { return last_error_; }
    const journal_stats& stats() const noexcept { return stats_; }
    const journal_options& options() const noexcept { return opts_; }

private:
    friend struct journal_testing;
    journal(journal_options opts, const detail::journal_layout& l);

    // One commit or snapshot at a time, in call order.
    struct turn_awaiter {
        journal* j;
        bool await_ready() noexcept;
        void await_suspend(std::coroutine_handle<> h) { j->turn_waiters_.push_back(h); }
        void await_resume() noexcept {}
    };
    struct turn_guard {
        journal* j;
        ~turn_guard() { j->end_turn(); }
    };
    void end_turn() noexcept;
    task<result<void>> write_snapshot(std::uint64_t seq, std::string state);
    void drop_pending_through(std::uint64_t seq);
    void set_error(std::string what);
    std::string segment_path() const;

    journal_options opts_;
    int dir_fd_ = -1;
    int lock_fd_ = -1;
    int seg_fd_ = -1;
    std::uint64_t seg_first_ = 1;
    std::uint64_t seg_size_ = 0;            // bytes of the active segment known to be written
    std::vector<std::uint64_t> segments_;   // first seqs of the segments on disk, ascending
    std::vector<std::uint64_t> snapshots_;  // seqs of the snapshot files on disk
    std::uint64_t next_seq_ = 1;
    std::uint64_t durable_seq_ = 0;
    std::uint64_t log_bytes_ = 0;           // log bytes since the last snapshot
    std::string pending_;                   // framed records not yet written
    std::vector<std::size_t> pending_ends_;  // end offset of each record in pending_
    std::uint64_t pending_first_ = 1;       // seq of the first record in pending_
    std::string writing_;                   // the batch the kernel is writing (pending_ swapped out)
    std::vector<std::size_t> writing_ends_;
    bool busy_ = false;
    std::deque<std::coroutine_handle<>> turn_waiters_;
    bool failed_ = false;
    std::string last_error_;
    journal_stats stats_;
};

}  // namespace tallyhub::store
