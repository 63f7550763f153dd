#pragma once
// The dashboard (web/dist) served from memory. Construction reads every regular file under the root
// with plain blocking reads (start-up, before the reactors run) and precomputes what each response
// needs: content type, strong ETag, cache policy, and a gzip body from a precompressed `.gz` sibling.
// Requests can only name files found by that walk, so no request path reaches the file system.
// The object is read-only afterwards and may be shared by reactor threads; reload() is not
// thread-safe and must run while no reactor reads it (or on a per-core copy).

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>

#include "net/http_request.hpp"
#include "net/http_response.hpp"

namespace tallyhub::http {

/// Bounds on what a static root may hold; exceeding one fails the load with a clear message.
struct static_limits {
    std::size_t max_total_bytes = 64 * 1024 * 1024;  ///< sum of file sizes, .gz siblings included
    std::size_t max_files = 4096;                    ///< regular files, .gz siblings included
};

/// One file held in memory with its precomputed response fields.
struct static_file {
    std::string body;
    std::string gzip_body;  ///< the `.gz` sibling's bytes, if has_gzip
    bool has_gzip = false;
    std::string etag;       ///< strong, quoted: "\"<16 hex digits of SHA-256>\""
    std::string gzip_etag;  ///< the gzip representation's own ETag
    std::string_view content_type;
    std::string_view cache_control;
};

/// The Content-Type for a file name by extension ("app.js" → "text/javascript; charset=utf-8").
std::string_view content_type_for(std::string_view file_name) noexcept;

/// Cache-Control: "no-cache" for HTML, a year and immutable for content-hashed names
/// (`app-3F2A9C1B.js`: 8+ hex or upper-case base32 characters after a dash), else an hour.
std::string_view cache_control_for(std::string_view file_name) noexcept;

/// True if an If-None-Match value (`*`, or a list of possibly weak tags) matches `etag` (weak comparison).
bool if_none_match_matches(std::string_view if_none_match, std::string_view etag) noexcept;

/// True if an Accept-Encoding value accepts gzip (explicitly or by `*`, with q > 0).
bool accepts_gzip(std::string_view accept_encoding) noexcept;

/// An in-memory snapshot of a directory, answering GET and HEAD.
class static_files {
public:
    /// Loads `root`. Throws std::runtime_error naming the root and the limit on failure.
    explicit static_files(std::filesystem::path root, static_limits limits = {});

    /// Re-reads the root; on failure throws and keeps the previous content.
    void reload();

    /// The file for a raw (still percent-encoded) request path; `/` and `/dir/` mean their index.html.
    /// Null for anything not loaded, and for `..`/`.` segments, backslashes, NUL, encoded '/' or '\'.
    const static_file* find(std::string_view raw_path) const;

    /// Appends the response to `req` (200, 304, 404, or 405 for methods other than GET and HEAD).
    /// Returns the status written.
    int respond(const request& req, std::string& out, connection_header connection = connection_header::none) const;

    std::size_t file_count() const noexcept { return files_.size(); }
    std::size_t total_bytes() const noexcept { return total_bytes_; }
    const std::filesystem::path& root() const noexcept { return root_; }

private:
    struct key_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    using file_map = std::unordered_map<std::string, static_file, key_hash, std::equal_to<>>;

    static file_map load(const std::filesystem::path& root, const static_limits& limits, std::size_t& total);

    std::filesystem::path root_;
    static_limits limits_;
    file_map files_;
    std::size_t total_bytes_ = 0;
};

}  // namespace tallyhub::http
