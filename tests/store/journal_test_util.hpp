#pragma once
// Helpers of the journal tests: a temporary data directory, a visitor that collects what recovery
// hands over, file surgery, and access to the segment descriptor (to make writes and syncs fail).

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "store/journal.hpp"
#include "store/journal_format.hpp"

namespace tallyhub::store {

/// Reaches into a journal to swap its segment descriptor.
struct journal_testing {
    static int& segment_fd(journal& j) { return j.seg_fd_; }
    static int& dir_fd(journal& j) { return j.dir_fd_; }
};

namespace testing {

/// A fresh directory under the test temp dir, removed with everything in it.
struct temp_dir {
    std::string path;
    temp_dir() {
        std::string tmpl = ::testing::TempDir() + "tallyhub-journal-XXXXXX";
        char* p = ::mkdtemp(tmpl.data());
        EXPECT_NE(p, nullptr);
        path = tmpl + "/data";  // a directory the journal creates itself
    }
    ~temp_dir() { std::filesystem::remove_all(std::filesystem::path(path).parent_path()); }
    std::string file(const std::string& name) const { return path + "/" + name; }
};

/// What recovery handed over.
struct recovered {
    std::optional<std::uint64_t> snapshot_seq;
    std::string snapshot;
    std::vector<std::pair<std::uint64_t, std::string>> records;

    recovery_visitor visitor() {
        recovery_visitor v;
        v.snapshot = [this](std::uint64_t seq, std::string_view state) -> result<void> {
            snapshot_seq = seq;
            snapshot = std::string(state);
            return {};
        };
        v.record = [this](std::uint64_t seq, std::string_view rec) -> result<void> {
            records.emplace_back(seq, std::string(rec));
            return {};
        };
        return v;
    }
    std::vector<std::string> payloads() const {
        std::vector<std::string> out;
        for (auto& r : records) out.push_back(r.second);
        return out;
    }
};

inline journal_options options_for(const temp_dir& d, fsync_mode mode = fsync_mode::tick) {
    journal_options o;
    o.dir = d.path;
    o.fsync = mode;
    return o;
}

/// Opens and recovers `o` into `out`.
inline std::unique_ptr<journal> reopen(const journal_options& o, recovered& out, recovery_report* rep = nullptr) {
    return journal::open(o, out.visitor(), rep);
}

/// The names in a directory that match a journal file (segments, snapshots, .tmp, .dropped-*).
inline std::vector<std::string> journal_files(const std::string& dir) {
    std::vector<std::string> names;
    for (auto& e : std::filesystem::directory_iterator(dir)) {
        std::string n = e.path().filename().string();
        if (n != "LOCK") names.push_back(n);
    }
    std::sort(names.begin(), names.end());
    return names;
}

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
}

inline std::uint64_t size_of(const std::string& path) { return std::filesystem::file_size(path); }

/// A segment file built by hand: header for `first`, then records first, first + 1, ...
inline std::string segment_bytes(std::uint64_t first, const std::vector<std::string>& payloads) {
    std::string out;
    format::append_file_header(out, format::file_kind::segment, first);
    for (std::size_t i = 0; i < payloads.size(); ++i) format::append_record(out, first + i, payloads[i]);
    return out;
}

/// The offset of record `index` (0-based) in a segment made by segment_bytes.
inline std::size_t record_offset(const std::vector<std::string>& payloads, std::size_t index) {
    std::size_t off = format::file_header_size;
    for (std::size_t i = 0; i < index; ++i) off += format::record_header_size + payloads[i].size();
    return off;
}

/// The record payload used by the tests: recognisable and of varying length.
inline std::string payload(int i) { return "tick " + std::to_string(i) + ":" + std::string(std::size_t(i % 7) * 5, 'x'); }

}  // namespace testing
}  // namespace tallyhub::store
