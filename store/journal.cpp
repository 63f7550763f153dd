#include "store/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/io.hpp"
#include "core/reactor.hpp"
#include "store/journal_format.hpp"
#include "store/journal_io.hpp"
#include "store/journal_recovery.hpp"

namespace tallyhub::store {

namespace {

// Static reasons (result's error holds no allocated text); last_error() has the details.
error write_error(int e) {
    switch (e) {
    case ENOSPC: return {e, "journal write failed: no space left on device (ENOSPC)"};
    case EDQUOT: return {e, "journal write failed: disk quota exceeded (EDQUOT)"};
    case EIO: return {e, "journal write failed: I/O error (EIO)"};
    case EBADF: return {e, "journal write failed: bad file descriptor (EBADF)"};
    default: return {e, "journal write failed"};
    }
}
error sync_error(int e) {
    switch (e) {
    case EIO: return {e, "journal fdatasync failed: I/O error (EIO); a snapshot must rewrite the state"};
    case ENOSPC: return {e, "journal fdatasync failed: no space left on device (ENOSPC); a snapshot must rewrite the state"};
    default: return {e, "journal fdatasync failed; a snapshot must rewrite the state"};
    }
}
constexpr error failed_error{EIO, "journal failed (an fdatasync failed): commits wait for a successful snapshot"};

}  // namespace

result<fsync_mode> parse_fsync_mode(std::string_view s) {
    if (s == "tick") return fsync_mode::tick;
    if (s == "always") return fsync_mode::always;
    if (s == "off") return fsync_mode::off;
    return error{EINVAL, "expected tick, always or off"};
}

std::unique_ptr<journal> journal::open(journal_options opts, const recovery_visitor& visit, recovery_report* report) {
    recovery_report local;
    recovery_report& rep = report ? *report : local;
    rep = recovery_report{};
    if (opts.dir.empty()) throw journal_error(EINVAL, "--data-dir must not be empty");
    detail::journal_layout l = detail::recover(opts, visit, rep);
    return std::unique_ptr<journal>(new journal(std::move(opts), l));
}

journal::journal(journal_options opts, const detail::journal_layout& l)
    : opts_(std::move(opts)), dir_fd_(l.dir_fd), lock_fd_(l.lock_fd), seg_fd_(l.seg_fd), seg_first_(l.seg_first),
      seg_size_(l.seg_size), segments_(l.segments), next_seq_(l.next_seq), durable_seq_(l.next_seq - 1),
      log_bytes_(l.log_bytes), pending_first_(l.next_seq) {
    if (l.snapshot_seq) snapshots_.push_back(*l.snapshot_seq);
}

journal::~journal() {
    for (int fd : {seg_fd_, dir_fd_, lock_fd_})
        if (fd >= 0) ::close(fd);
}

result<std::uint64_t> journal::append(std::string_view record) {
    if (record.size() > opts_.max_record || record.size() > UINT32_MAX)
        return error{EMSGSIZE, "journal record larger than the journal's max_record"};
    if (pending_.empty()) pending_first_ = next_seq_;
    format::append_record(pending_, next_seq_, record);
    pending_ends_.push_back(pending_.size());
    ++stats_.appends;
    return next_seq_++;
}

bool journal::turn_awaiter::await_ready() noexcept {
    if (j->busy_) return false;
    j->busy_ = true;
    return true;
}

// The turn passes straight to the next waiter (busy_ stays true), so call order is kept.
void journal::end_turn() noexcept {
    if (turn_waiters_.empty()) {
        busy_ = false;
        return;
    }
    std::coroutine_handle<> next = turn_waiters_.front();
    turn_waiters_.pop_front();
    reactor::current().schedule(next);
}

void journal::set_error(std::string what) {
    ++stats_.errors;
    last_error_ = std::move(what);
}

std::string journal::segment_path() const { return detail::path_in(opts_.dir, format::segment_name(seg_first_)); }

// Group commit. The batch is swapped out of pending_ first: the kernel reads it while appends made
// during the write go into the next batch, so the buffer never moves under a write in flight.
task<result<void>> journal::commit() {
    co_await turn_awaiter{this};
    turn_guard guard{this};
    if (failed_) co_return failed_error;
    if (pending_.empty()) co_return result<void>{};
    writing_.swap(pending_);
    writing_ends_.swap(pending_ends_);
    pending_.clear();
    pending_ends_.clear();
    const std::uint64_t first = pending_first_;
    pending_first_ = next_seq_;
    ++stats_.commits;

    // Records [0, done) are written (and synced per mode).
    std::size_t done = 0;
    std::size_t done_bytes = 0;
    int rc = 0;
    bool sync_failed = false;
    const bool each = opts_.fsync == fsync_mode::always;
    while (done < writing_ends_.size()) {
        std::size_t upto = each ? done + 1 : writing_ends_.size();
        std::size_t end = writing_ends_[upto - 1];
        rc = co_await detail::write_all(seg_fd_, std::string_view(writing_).substr(done_bytes, end - done_bytes), seg_size_, &stats_);
        if (rc < 0) {
            set_error(fmt::format("{}: write of {} bytes at offset {} failed: {}", segment_path(), end - done_bytes,
                                  seg_size_, std::strerror(-rc)));
            break;
        }
        seg_size_ += end - done_bytes;
        stats_.bytes_written += end - done_bytes;
        log_bytes_ += end - done_bytes;
        if (opts_.fsync != fsync_mode::off) {
            rc = co_await io::fsync(seg_fd_);
            ++stats_.fsyncs;
            if (rc < 0) {
                set_error(fmt::format("{}: fdatasync failed: {}", segment_path(), std::strerror(-rc)));
                sync_failed = true;
                break;
            }
        }
        done = upto;
        done_bytes = end;
        durable_seq_ = first + done - 1;
    }
    if (sync_failed) {
        // Durability of what was written is unknown and cannot be learned by retrying: only a
        // snapshot (all of the state, new files) makes the journal whole again.
        failed_ = true;
        writing_.clear();
        writing_ends_.clear();
        co_return sync_error(-rc);
    }
    if (rc < 0) {
        // Nothing of records [done, end) counts as written: they go back in front of the records
        // appended meanwhile, and the next commit writes them again at the same offset.
        std::string rest = writing_.substr(done_bytes);
        for (std::size_t& e : pending_ends_) e += rest.size();
        std::vector<std::size_t> ends;
        for (std::size_t i = done; i < writing_ends_.size(); ++i) ends.push_back(writing_ends_[i] - done_bytes);
        ends.insert(ends.end(), pending_ends_.begin(), pending_ends_.end());
        pending_ = rest + pending_;
        pending_ends_ = std::move(ends);
        pending_first_ = first + done;
        writing_.clear();
        writing_ends_.clear();
        co_return write_error(-rc);
    }
    writing_.clear();
    writing_ends_.clear();
    co_return result<void>{};
}

}  // namespace tallyhub::store
