#pragma once
// Start-up recovery of the journal's data directory (blocking; the main thread, before the reactors
// serve). Internal to store/: journal::open() is the public entry.
//
// The recovered history is the newest valid snapshot, then the records after it, contiguous by seq:
//   - a torn tail — in the LAST segment, a bad record (cut short, or failing its CRC) with no intact
//     record anywhere after it — is what a crash during a write leaves: dropped with a warning and the
//     file truncated to the good prefix;
//   - any other damage (a bad record with intact records after it, a bad record in an earlier segment,
//     a bad file header, a bad snapshot, a gap or overlap between segments) stops start-up with the
//     file, record and offset, unless skip_corrupt: then the damaged record and EVERYTHING AFTER IT
//     is dropped (later records are deltas that may depend on it, so replay never jumps a hole): the
//     segment is cut there, the cut-off bytes are saved to <segment>.dropped-<unix time>, later
//     segments are renamed to *.dropped-<unix time>. A bad snapshot is renamed likewise and the next
//     older one (or none) is the base; records that do not continue from it are dropped too.
// Nothing on disk changes until every file has been read and the visitor accepted every record.

#include <cstdint>
#include <optional>
#include <vector>

#include "store/journal.hpp"

namespace tallyhub::store::detail {

/// What the journal continues from after recovery.
struct journal_layout {
    int dir_fd = -1;                       // the data directory (for fsync after renames)
    int lock_fd = -1;                      // holds flock(LOCK_EX) on <dir>/LOCK
    int seg_fd = -1;                       // the segment appends go to
    std::uint64_t seg_first = 1;
    std::uint64_t seg_size = 0;
    std::vector<std::uint64_t> segments;   // first seqs of the segments on disk, ascending
    std::optional<std::uint64_t> snapshot_seq;
    std::uint64_t next_seq = 1;
    std::uint64_t log_bytes = 0;           // record bytes in the log since the snapshot
};

/// Recovers `opts.dir` (created when missing); throws journal_error.
journal_layout recover(const journal_options& opts, const recovery_visitor& visit, recovery_report& report);

/// `dir` + "/" + `name`, as shown in messages.
std::string path_in(const std::string& dir, const std::string& name);

}  // namespace tallyhub::store::detail
