#include "net/static_files.hpp"

#include <array>
#include <fstream>
#include <stdexcept>
#include <system_error>
#include <vector>

#include <openssl/evp.h>

#include "net/http_query.hpp"

namespace tallyhub::http {
namespace fs = std::filesystem;
namespace {

std::string_view extension_of(std::string_view name) noexcept {
    auto dot = name.rfind('.');
    return dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
}

bool is_hex(char c) noexcept { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_base32_upper(char c) noexcept { return (c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7'); }

// A quoted strong ETag from the first 8 bytes of the content's SHA-256.
std::string content_etag(std::string_view content) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(content.data(), content.size(), md, &len, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("static files: SHA-256 unavailable");
    static constexpr char digits[] = "0123456789abcdef";
    std::string tag = "\"";
    for (int i = 0; i < 8; ++i) tag.append({digits[md[i] >> 4], digits[md[i] & 15]});
    tag.push_back('"');
    return tag;
}

std::string read_whole_file(const fs::path& path, std::size_t size) {
    std::ifstream in(path, std::ios::binary);
    std::string data(size, '\0');
    if (!in || !in.read(data.data(), static_cast<std::streamsize>(size)) || in.peek() != EOF)
        throw std::runtime_error("static files: cannot read " + path.string() + " (changed while loading?)");
    return data;
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ): zero only when every digit is 0.
bool q_is_zero(std::string_view q) noexcept {
    if (q.empty() || q[0] != '0') return false;
    if (q.size() == 1) return true;
    if (q[1] != '.') return false;
    return q.find_first_not_of('0', 2) == std::string_view::npos;
}

bool inside(const fs::path& root, const fs::path& p) {
    auto rel = p.lexically_relative(root);
    return !rel.empty() && *rel.begin() != ".." && !rel.is_absolute();
}

}  // namespace

std::string_view content_type_for(std::string_view name) noexcept {
    struct entry {
        std::string_view ext, type;
    };
    static constexpr std::array<entry, 25> table{{
        {"html", "text/html; charset=utf-8"},   {"htm", "text/html; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"}, {"mjs", "text/javascript; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},     {"txt", "text/plain; charset=utf-8"},
        {"csv", "text/csv; charset=utf-8"},     {"xml", "text/xml; charset=utf-8"},
        {"svg", "image/svg+xml; charset=utf-8"}, {"json", "application/json"},
        {"map", "application/json"},            {"webmanifest", "application/manifest+json"},
        {"png", "image/png"},                   {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},                 {"gif", "image/gif"},
        {"webp", "image/webp"},                 {"avif", "image/avif"},
        {"ico", "image/x-icon"},                {"woff2", "font/woff2"},
        {"woff", "font/woff"},                  {"ttf", "font/ttf"},
        {"wasm", "application/wasm"},           {"pdf", "application/pdf"},
        {"gz", "application/gzip"},
    }};
    auto ext = extension_of(name);
    for (const entry& e : table)
        if (iequals(e.ext, ext)) return e.type;
    return "application/octet-stream";
}

std::string_view cache_control_for(std::string_view name) noexcept {
    auto ext = extension_of(name);
    if (iequals(ext, "html") || iequals(ext, "htm")) return "no-cache";
    auto stem = name.substr(0, name.find('.'));
    auto dash = stem.rfind('-');
    if (dash != std::string_view::npos) {
        auto hash = stem.substr(dash + 1);
        bool hex = true, base32 = true;
        for (char c : hash) hex &= is_hex(c), base32 &= is_base32_upper(c);
        if (hash.size() >= 8 && (hex || base32)) return "public, max-age=31536000, immutable";
    }
    return "public, max-age=3600";
}

bool if_none_match_matches(std::string_view list, std::string_view etag) noexcept {
    auto opaque = [](std::string_view tag) { return tag.substr(0, 2) == "W/" ? tag.substr(2) : tag; };
    std::string_view want = opaque(etag);
    std::size_t i = 0;
    while (i < list.size()) {
        char c = list[i];
        if (c == ' ' || c == '\t' || c == ',') {
            ++i;
            continue;
        }
        if (c == '*') return true;
        if (list.substr(i, 2) == "W/") i += 2;
        if (i >= list.size() || list[i] != '"') return false;  // malformed: stop, no match
        auto close = list.find('"', i + 1);
        if (close == std::string_view::npos) return false;
        if (list.substr(i, close + 1 - i) == want) return true;
        i = close + 1;
    }
    return false;
}

bool accepts_gzip(std::string_view value) noexcept {
    int gzip = -1;  // -1: not named; 0: refused with q=0; 1: accepted
    bool star = false;
    while (!value.empty()) {
        auto comma = value.find(',');
        auto item = value.substr(0, comma);
        value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
        auto semi = item.find(';');
        auto coding = trim(item.substr(0, semi));
        bool refused = false;
        while (semi != std::string_view::npos) {
            auto params = item.substr(semi + 1);
            semi = params.find(';');
            auto param = trim(params.substr(0, semi));
            item = params;
            if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=')
                refused = q_is_zero(trim(param.substr(2)));
        }
        if (iequals(coding, "gzip") || iequals(coding, "x-gzip")) gzip = refused ? 0 : 1;
        if (coding == "*") star = !refused;
    }
    return gzip == 1 || (gzip == -1 && star);
}

static_files::static_files(fs::path root, static_limits limits) : root_(std::move(root)), limits_(limits) {
    files_ = load(root_, limits_, total_bytes_);
}

void static_files::reload() {
    std::size_t total = 0;
    file_map fresh = load(root_, limits_, total);
    files_.swap(fresh);
    total_bytes_ = total;
}

static_files::file_map static_files::load(const fs::path& root_arg, const static_limits& lim, std::size_t& total) {
    std::error_code ec;
    fs::path root = fs::canonical(root_arg, ec);
    if (ec || !fs::is_directory(root))
        throw std::runtime_error("static files: " + root_arg.string() + " is not a readable directory");
    file_map files;
    total = 0;
    // Symlinked directories are not descended; a symlinked file counts only if it resolves inside root.
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        const fs::directory_entry& entry = *it;
        fs::path real = entry.path();
        if (entry.is_symlink(ec)) {
            real = fs::canonical(entry.path(), ec);
            if (ec || !inside(root, real)) {
                ec.clear();
                continue;
            }
        }
        if (!fs::is_regular_file(real, ec)) {
            ec.clear();
            continue;
        }
        std::size_t size = fs::file_size(real, ec);
        if (ec) break;
        if (files.size() + 1 > lim.max_files)
            throw std::runtime_error("static files: " + root.string() + " holds more than " +
                                     std::to_string(lim.max_files) + " files");
        if (size > lim.max_total_bytes - total)
            throw std::runtime_error("static files: " + root.string() + " holds more than " +
                                     std::to_string(lim.max_total_bytes) + " bytes");
        total += size;
        std::string key(1, '/');
        key += entry.path().lexically_relative(root).generic_string();
        static_file& f = files[key];
        f.body = read_whole_file(real, size);
    }
    if (ec) throw std::runtime_error("static files: cannot walk " + root.string() + ": " + ec.message());

    // Pair `x.gz` with `x`: the sibling becomes x's gzip representation and is not served by itself.
    std::vector<std::string> paired;
    for (auto& [key, f] : files) {
        if (key.size() <= 3 || key.compare(key.size() - 3, 3, ".gz") != 0) continue;
        auto base = files.find(std::string_view(key).substr(0, key.size() - 3));
        if (base == files.end()) continue;
        base->second.gzip_body = std::move(f.body);
        base->second.has_gzip = true;
        paired.push_back(key);
    }
    for (const auto& key : paired) files.erase(key);
    for (auto& [key, f] : files) {
        auto name = std::string_view(key).substr(key.rfind('/') + 1);
        f.content_type = content_type_for(name);
        f.cache_control = cache_control_for(name);
        f.etag = content_etag(f.body);
        if (f.has_gzip) f.gzip_etag = content_etag(f.gzip_body);
    }
    return files;
}

const static_file* static_files::find(std::string_view raw) const {
    if (raw.empty() || raw.front() != '/') return nullptr;
    // Encoded separators would let a request name something other than what its segments say.
    for (std::size_t p = raw.find('%'); p != std::string_view::npos; p = raw.find('%', p + 1)) {
        auto esc = raw.substr(p + 1, 2);
        if (iequals(esc, "2f") || iequals(esc, "5c")) return nullptr;
    }
    std::string key;
    if (!percent_decode_into(raw, false, key)) return nullptr;
    if (key.find_first_of(std::string_view("\\\0", 2)) != std::string::npos) return nullptr;
    for (std::size_t start = 1; start <= key.size();) {
        auto end = key.find('/', start);
        if (end == std::string::npos) end = key.size();
        auto segment = std::string_view(key).substr(start, end - start);
        if (segment == "." || segment == ".." || (segment.empty() && end != key.size())) return nullptr;
        start = end + 1;
    }
    if (key.back() == '/') key.append("index.html");
    auto it = files_.find(std::string_view(key));
    return it == files_.end() ? nullptr : &it->second;
}

int static_files::respond(const request& req, std::string& out, connection_header connection) const {
    if (req.method != method::get && req.method != method::head) {
        header_field allow{"Allow", "GET, HEAD"};
        out.append(error_response(405, "method not allowed", connection, {&allow, 1}));
        return 405;
    }
    const static_file* f = find(req.raw_path());
    if (!f) {
        out.append(error_response(404, "not found", connection));
        return 404;
    }
    bool gzip = f->has_gzip && accepts_gzip(req.header("Accept-Encoding").value_or(""));
    const std::string& etag = gzip ? f->gzip_etag : f->etag;
    auto inm = req.header("If-None-Match");
    bool not_modified = inm && if_none_match_matches(*inm, etag);

    std::array<header_field, 5> fields;
    std::size_t n = 0;
    if (!not_modified) fields[n++] = {"Content-Type", f->content_type};
    fields[n++] = {"Cache-Control", f->cache_control};
    fields[n++] = {"ETag", etag};
    if (gzip && !not_modified) fields[n++] = {"Content-Encoding", "gzip"};
    if (f->has_gzip) fields[n++] = {"Vary", "Accept-Encoding"};

    response_head head;
    head.status = not_modified ? 304 : 200;
    head.headers = {fields.data(), n};
    head.connection = connection;
    head.omit_body = req.method == method::head;
    append_response(out, head, gzip ? f->gzip_body : f->body);
    return head.status;
}

}  // namespace tallyhub::http
