// journal::snapshot: the state written atomically, a new segment, and the superseded files deleted.
//
// Order of a snapshot covering records up to S (each step durable before the next may rely on it):
//   1. snapshot-S.tmp: header + state, written through the reactor, fdatasync;
//   2. rename to snapshot-S.snap;
//   3. journal-<N>.log, N = the next record to write: header, fdatasync (skipped when the active
//      segment already starts at N, i.e. holds nothing);
//   4. fsync of the directory: the rename and the new segment's entry are durable;
//   5. switch appends to the new segment, forget unwritten records <= S (the snapshot covers them),
//      delete older snapshots and the segments whose records are all <= S.
// A crash anywhere leaves a recoverable directory: before 2, recovery deletes the .tmp; after 2, the
// old segments are still there and recovery skips their records <= S. A failure before 5 changes
// nothing the journal relies on: appends continue in the old segment.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/io.hpp"
#include "store/journal.hpp"
#include "store/journal_format.hpp"
#include "store/journal_io.hpp"
#include "store/journal_recovery.hpp"

namespace tallyhub::store {

namespace {

error snapshot_error(int e) {
    switch (e) {
    case ENOSPC: return {e, "journal snapshot failed: no space left on device (ENOSPC)"};
    case EDQUOT: return {e, "journal snapshot failed: disk quota exceeded (EDQUOT)"};
    case EIO: return {e, "journal snapshot failed: I/O error (EIO)"};
    default: return {e, "journal snapshot failed"};
    }
}

task<int> write_and_sync(int fd, std::string_view head, std::string_view body, journal_stats* stats) {
    int rc = co_await detail::write_all(fd, head, 0, stats);
    if (rc == 0) rc = co_await detail::write_all(fd, body, head.size(), stats);
    if (rc == 0) {
        rc = co_await io::fsync(fd);
        ++stats->fsyncs;
    }
    co_return rc;
}

}  // namespace

task<result<void>> journal::snapshot(std::string state) {
    const std::uint64_t seq = next_seq_ - 1;  // the state covers every record appended before this point
    co_await turn_awaiter{this};
    turn_guard guard{this};
    result<void> r = co_await write_snapshot(seq, std::move(state));
    co_return r;
}

task<result<void>> journal::write_snapshot(std::uint64_t seq, std::string state) {
    const std::string tmp = detail::path_in(opts_.dir, format::snapshot_temp_name(seq));
    const std::string final_path = detail::path_in(opts_.dir, format::snapshot_name(seq));
    const std::uint64_t unwritten = pending_.empty() ? next_seq_ : pending_first_;
    const std::uint64_t new_first = std::max(unwritten, seq + 1);
    const bool rotate = seg_first_ != new_first;
    const std::string seg_path = detail::path_in(opts_.dir, format::segment_name(new_first));

    // 1-2. The snapshot file.
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        set_error(fmt::format("{}: cannot create: {}", tmp, std::strerror(e)));
        co_return snapshot_error(e);
    }
    const std::string prefix = format::snapshot_prefix(seq, state);
    int rc = co_await write_and_sync(fd, prefix, state, &stats_);
    ::close(fd);
    if (rc < 0) {
        ::unlink(tmp.c_str());
        set_error(fmt::format("{}: writing {} bytes failed: {}", tmp, prefix.size() + state.size(), std::strerror(-rc)));
        co_return snapshot_error(-rc);
    }
    if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
        int e = errno;
        ::unlink(tmp.c_str());
        set_error(fmt::format("{}: cannot rename to {}: {}", tmp, final_path, std::strerror(e)));
        co_return snapshot_error(e);
    }
    if (std::find(snapshots_.begin(), snapshots_.end(), seq) == snapshots_.end()) snapshots_.push_back(seq);

    // 3. The new segment.
    int new_fd = -1;
    std::string header;
    if (rotate) {
        format::append_file_header(header, format::file_kind::segment, new_first);
        new_fd = ::open(seg_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (new_fd < 0) {
            int e = errno;
            set_error(fmt::format("{}: cannot create: {}", seg_path, std::strerror(e)));
            co_return snapshot_error(e);
        }
        rc = co_await write_and_sync(new_fd, header, {}, &stats_);
        if (rc < 0) {
            ::close(new_fd);
            ::unlink(seg_path.c_str());
            set_error(fmt::format("{}: writing its header failed: {}", seg_path, std::strerror(-rc)));
            co_return snapshot_error(-rc);
        }
    }

    // 4. The directory entries.
    rc = co_await io::fsync(dir_fd_, /*datasync=*/false);
    ++stats_.fsyncs;
    if (rc < 0) {
        if (new_fd >= 0) {
            ::close(new_fd);
            ::unlink(seg_path.c_str());
        }
        set_error(fmt::format("{}: fsync of the directory failed: {}", opts_.dir, std::strerror(-rc)));
        co_return snapshot_error(-rc);
    }

    // 5. Switch over and delete what the snapshot supersedes.
    if (rotate) {
        ::close(seg_fd_);
        seg_fd_ = new_fd;
        seg_first_ = new_first;
        seg_size_ = header.size();
        segments_.push_back(new_first);
    }
    drop_pending_through(seq);
    durable_seq_ = std::max(durable_seq_, seq);
    failed_ = false;
    log_bytes_ = 0;
    ++stats_.snapshots;
    for (std::uint64_t s : snapshots_)
        if (s != seq) ::unlink(detail::path_in(opts_.dir, format::snapshot_name(s)).c_str());
    snapshots_.assign(1, seq);
    std::vector<std::uint64_t> kept;
    for (std::size_t i = 0; i < segments_.size(); ++i) {
        bool covered = i + 1 < segments_.size() && segments_[i + 1] <= seq + 1;
        if (covered) ::unlink(detail::path_in(opts_.dir, format::segment_name(segments_[i])).c_str());
        else kept.push_back(segments_[i]);
    }
    segments_ = std::move(kept);
    co_return result<void>{};
}

// Unwritten records <= seq are in the snapshot: they never go to the log.
void journal::drop_pending_through(std::uint64_t seq) {
    if (pending_.empty() || pending_first_ > seq) return;
    std::size_t k = std::min<std::size_t>(pending_ends_.size(), std::size_t(seq + 1 - pending_first_));
    std::size_t bytes = pending_ends_[k - 1];
    pending_.erase(0, bytes);
    pending_ends_.erase(pending_ends_.begin(), pending_ends_.begin() + std::ptrdiff_t(k));
    for (std::size_t& e : pending_ends_) e -= bytes;
    pending_first_ += k;
}

}  // namespace tallyhub::store
