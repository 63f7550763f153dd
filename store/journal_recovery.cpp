#include "store/journal_recovery.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "core/log.hpp"
#include "store/journal_format.hpp"

namespace tallyhub::store::detail {

namespace {

constexpr std::string_view skip_hint = "; start with --recover-skip-corrupt to drop it and everything after it";

[[noreturn]] void fail_errno(const std::string& what, int e) {
    throw journal_error(e, fmt::format("{}: {}", what, std::strerror(e)));
}

struct fd_holder {
    int fd = -1;
    ~fd_holder() {
        if (fd >= 0) ::close(fd);
    }
    int release() { return std::exchange(fd, -1); }
};

std::string read_whole(const std::string& path) {
    fd_holder f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (f.fd < 0) fail_errno("cannot open " + path, errno);
    struct stat st {};
    if (::fstat(f.fd, &st) != 0) fail_errno("cannot stat " + path, errno);
    std::string bytes(std::size_t(st.st_size), '\0');
    std::size_t got = 0;
    while (got < bytes.size()) {
        ssize_t n = ::pread(f.fd, bytes.data() + got, bytes.size() - got, off_t(got));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail_errno("cannot read " + path, errno);
        if (n == 0) break;
        got += std::size_t(n);
    }
    bytes.resize(got);
    return bytes;
}

void write_whole(const std::string& path, std::string_view bytes, int flags) {
    fd_holder f{::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644)};
    if (f.fd < 0) fail_errno("cannot create " + path, errno);
    std::size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::pwrite(f.fd, bytes.data() + done, bytes.size() - done, off_t(done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) fail_errno("cannot write " + path, n < 0 ? errno : EIO);
        done += std::size_t(n);
    }
    if (::fdatasync(f.fd) != 0) fail_errno("cannot fdatasync " + path, errno);
}

// What recovery will change on disk once everything has been read and visited.
struct disk_plan {
    struct cut {
        std::string name;
        std::uint64_t size;
        std::string saved_tail;  // skip_corrupt: the bytes cut off, kept in a .dropped file
        bool save = false;
    };
    std::vector<cut> cuts;
    std::vector<std::string> set_aside;  // renamed to *.dropped-<time>
    std::vector<std::string> remove;     // superseded or unfinished files
};

struct recovery {
    const journal_options& opts;
    const recovery_visitor& visit;
    recovery_report& report;
    disk_plan plan;
    std::string suffix = fmt::format(".dropped-{}", std::time(nullptr));

    std::string path(const std::string& name) const { return path_in(opts.dir, name); }
    void warn(std::string w) {
        log_warn("journal: {}", w);
        report.warnings.push_back(std::move(w));
    }
    void set_aside(const std::string& name, std::uint64_t bytes) {
        plan.set_aside.push_back(name);
        report.dropped_bytes += bytes;
        report.dropped_files.push_back(name + suffix);
    }
    // Damage that is not a torn tail: an error, or with skip_corrupt a warning.
    void corrupt(const std::string& message, std::string_view hint = skip_hint) {
        if (!opts.skip_corrupt) throw journal_error(EBADMSG, message + std::string(hint));
        warn(message + "; --recover-skip-corrupt: dropped it and everything after it");
    }
};

std::uint64_t file_size(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? std::uint64_t(st.st_size) : 0;
}

}  // namespace

std::string path_in(const std::string& dir, const std::string& name) {
    if (dir.empty()) return name;
    return dir.back() == '/' ? dir + name : dir + "/" + name;
}

journal_layout recover(const journal_options& opts, const recovery_visitor& visit, recovery_report& report) {
    std::error_code ec;
    std::filesystem::create_directories(opts.dir, ec);
    if (ec) throw journal_error(ec.value(), fmt::format("--data-dir {}: cannot create: {}", opts.dir, ec.message()));
    fd_holder dir{::open(opts.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (dir.fd < 0) fail_errno("--data-dir " + opts.dir, errno);
    std::string lock_path = path_in(opts.dir, "LOCK");
    fd_holder lock{::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)};
    if (lock.fd < 0) fail_errno("cannot create " + lock_path, errno);
    if (::flock(lock.fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            throw journal_error(EBUSY, fmt::format("--data-dir {} is in use by another tallyhub ({} is locked)", opts.dir, lock_path));
        fail_errno("cannot lock " + lock_path, errno);
    }

    std::map<std::uint64_t, std::string> segments, snapshots;
    recovery r{opts, visit, report, {}};
    {
        DIR* d = ::opendir(opts.dir.c_str());
        if (!d) fail_errno("cannot list --data-dir " + opts.dir, errno);
        while (dirent* e = ::readdir(d)) {
            std::string name = e->d_name;
            if (auto s = format::parse_segment_name(name)) segments[*s] = name;
            else if (auto s = format::parse_snapshot_name(name)) snapshots[*s] = name;
            else if (format::parse_snapshot_temp_name(name)) r.plan.remove.push_back(name);
        }
        ::closedir(d);
    }

    // 1. The base: the newest snapshot that checks out.
    std::optional<std::uint64_t> base_seq;
    for (auto it = snapshots.rbegin(); it != snapshots.rend(); ++it) {
        const std::string& name = it->second;
        if (base_seq) {
            r.plan.remove.push_back(name);  // superseded
            continue;
        }
        std::string bytes = read_whole(r.path(name));
        std::uint64_t seq = 0;
        std::string_view state;
        const char* bad = format::parse_snapshot(bytes, seq, state);
        if (!bad && seq != it->first) bad = "its header names another record than its file name";
        if (bad) {
            r.corrupt(fmt::format("{}: {}", r.path(name), bad),
                      "; start with --recover-skip-corrupt to set it aside and recover from an older snapshot "
                      "and the records that follow it (everything newer is dropped)");
            r.set_aside(name, bytes.size());
            continue;
        }
        if (visit.snapshot) {
            if (auto v = visit.snapshot(seq, state); !v)
                throw journal_error(EBADMSG, fmt::format("{}: the snapshot was rejected: {}", r.path(name), v.err().reason));
        }
        base_seq = seq;
        report.snapshot_seq = seq;
    }
    const std::uint64_t base = base_seq.value_or(0);

    // 2. The records after it, segment by segment.
    std::vector<std::pair<std::uint64_t, std::string>> segs(segments.begin(), segments.end());
    std::size_t start = 0;
    for (std::size_t i = 0; i < segs.size(); ++i)
        if (segs[i].first <= base + 1) start = i;
    for (std::size_t i = 0; i < start; ++i) r.plan.remove.push_back(segs[i].second);  // covered by the snapshot

    journal_layout out;
    std::uint64_t last = base;  // highest seq accounted for
    bool dropping = false;      // skip_corrupt cut the log: everything later goes
    std::optional<std::size_t> active;
    std::uint64_t active_size = 0, active_end = 0;
    for (std::size_t i = start; i < segs.size(); ++i) {
        const auto& [first, name] = segs[i];
        const std::string p = r.path(name);
        if (dropping) {
            r.set_aside(name, file_size(p));
            continue;
        }
        if (first > last + 1 || (first <= last && last > base)) {
            r.corrupt(first > last + 1
                          ? fmt::format("{}: starts at record {}, but records {}..{} are missing", p, first, last + 1, first - 1)
                          : fmt::format("{}: starts at record {}, which the previous segment already holds", p, first),
                      "; start with --recover-skip-corrupt to drop this segment and everything after it");
            dropping = true;
            r.set_aside(name, file_size(p));
            continue;
        }
        const bool is_last = i + 1 == segs.size();
        std::string bytes = read_whole(p);
        if (bytes.size() < format::file_header_size && is_last) {
            r.warn(fmt::format("{}: dropped an unfinished segment ({} bytes, a crash while it was created)", p, bytes.size()));
            report.torn_bytes += bytes.size();
            r.plan.remove.push_back(name);
            continue;
        }
        std::uint64_t header_seq = 0;
        const char* bad = format::check_file_header(bytes, format::file_kind::segment, header_seq);
        if (!bad && header_seq != first) bad = "its header names another first record than its file name";
        if (bad) {
            r.corrupt(fmt::format("{}: {}", p, bad), "; start with --recover-skip-corrupt to drop this segment and everything after it");
            dropping = true;
            r.set_aside(name, bytes.size());
            continue;
        }
        std::size_t off = format::file_header_size;
        std::uint64_t seq = first;
        while (off < bytes.size()) {
            std::string_view rest = std::string_view(bytes).substr(off);
            format::record_view rec = format::parse_record(rest);
            const char* problem = rec.status == format::record_status::incomplete ? "cut short"
                                  : rec.status == format::record_status::bad_crc  ? "CRC mismatch"
                                  : rec.seq != seq                                ? "out of sequence"
                                                                                  : nullptr;
            if (problem) {
                bool torn = is_last && rec.status != format::record_status::ok &&
                            !format::intact_record_within(rest.substr(1), seq);
                std::uint64_t cut_bytes = bytes.size() - off;
                if (torn) {
                    r.warn(fmt::format("{}: record {} at offset {}: {}, and nothing intact follows: a torn write, "
                                       "dropped; truncated the file to {} bytes (cut off {})",
                                       p, seq, off, problem, off, cut_bytes));
                    report.torn_bytes += cut_bytes;
                    r.plan.cuts.push_back({name, off, {}, false});
                } else {
                    std::string what = rec.seq != seq && rec.status == format::record_status::ok
                                           ? fmt::format("holds record {} ({})", rec.seq, problem)
                                           : std::string(problem);
                    r.corrupt(fmt::format("{}: record {} at offset {}: {}", p, seq, off, what));
                    report.dropped_bytes += cut_bytes;
                    report.dropped_files.push_back(name + r.suffix);
                    r.plan.cuts.push_back({name, off, std::string(rest), true});
                    dropping = true;
                }
                bytes.resize(off);
                break;
            }
            if (seq > base) {
                if (visit.record) {
                    if (auto v = visit.record(seq, rec.payload); !v)
                        throw journal_error(EBADMSG, fmt::format("{}: record {} at offset {}: rejected: {}", p, seq, off, v.err().reason));
                }
                ++report.records;
            }
            off += rec.size;
            ++seq;
        }
        if (seq > first) last = std::max(last, seq - 1);
        out.log_bytes += bytes.size() - format::file_header_size;
        active = i;
        active_size = bytes.size();
        active_end = seq - 1;
    }
    out.next_seq = last + 1;
    report.next_seq = out.next_seq;
    out.snapshot_seq = base_seq;

    // 3. Change the disk: cut, set aside, remove; then continue in the last segment or start one.
    for (auto& c : r.plan.cuts) {
        std::string p = r.path(c.name);
        if (c.save) write_whole(p + r.suffix, c.saved_tail, O_TRUNC);
        if (::truncate(p.c_str(), off_t(c.size)) != 0) fail_errno("cannot truncate " + p, errno);
    }
    for (auto& name : r.plan.set_aside) {
        std::string p = r.path(name);
        if (::rename(p.c_str(), (p + r.suffix).c_str()) != 0) fail_errno("cannot rename " + p, errno);
    }
    for (auto& name : r.plan.remove) ::unlink(r.path(name).c_str());

    if (active && active_end >= base) {
        out.seg_first = segs[*active].first;
        out.seg_size = active_size;
        std::string p = r.path(segs[*active].second);
        out.seg_fd = ::open(p.c_str(), O_WRONLY | O_CLOEXEC);
        if (out.seg_fd < 0) fail_errno("cannot open " + p, errno);
        if (::fdatasync(out.seg_fd) != 0) {  // the truncation, if any, before anything is appended
            int e = errno;
            ::close(out.seg_fd);
            fail_errno("cannot fdatasync " + p, e);
        }
    } else {
        out.seg_first = out.next_seq;
        std::string name = format::segment_name(out.seg_first);
        std::string header;
        format::append_file_header(header, format::file_kind::segment, out.seg_first);
        write_whole(r.path(name), header, O_EXCL);
        out.seg_size = header.size();
        out.seg_fd = ::open(r.path(name).c_str(), O_WRONLY | O_CLOEXEC);
        if (out.seg_fd < 0) fail_errno("cannot open " + r.path(name), errno);
        out.log_bytes = 0;
    }
    // The segments kept: the next snapshot deletes those it covers.
    if (active)
        for (std::size_t i = start; i <= *active; ++i) out.segments.push_back(segs[i].first);
    if (out.segments.empty() || out.segments.back() != out.seg_first) out.segments.push_back(out.seg_first);
    if (::fsync(dir.fd) != 0) {
        int e = errno;
        ::close(out.seg_fd);
        fail_errno("cannot fsync --data-dir " + opts.dir, e);
    }
    out.dir_fd = dir.release();
    out.lock_fd = lock.release();
    return out;
}

}  // namespace tallyhub::store::detail
