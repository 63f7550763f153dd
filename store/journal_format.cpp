#include "store/journal_format.hpp"

#include <zlib.h>

#include <charconv>
#include <cstring>

namespace tallyhub::store::format {

namespace {

constexpr char segment_magic[8] = {'T', 'H', 'J', 'O', 'U', 'R', 'N', 'L'};
constexpr char snapshot_magic[8] = {'T', 'H', 'S', 'N', 'A', 'P', 'S', 'H'};
constexpr int name_digits = 20;  // every uint64_t, and names sort by seq

void put32(std::string& out, std::uint32_t v) {
    char b[4];
    for (int i = 0; i < 4; ++i) b[i] = char(v >> (8 * i));
    out.append(b, 4);
}
void put64(std::string& out, std::uint64_t v) {
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = char(v >> (8 * i));
    out.append(b, 8);
}
std::uint32_t get32(const char* p) noexcept {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | std::uint8_t(p[i]);
    return v;
}
std::uint64_t get64(const char* p) noexcept {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | std::uint8_t(p[i]);
    return v;
}

// The header crc covers bytes [0, 12) and [16, 24): everything but itself.
std::uint32_t header_crc(const char* h) noexcept {
    return crc32(std::string_view(h + 16, 8), crc32(std::string_view(h, 12)));
}

std::string numbered(std::string_view prefix, std::uint64_t seq, std::string_view suffix) {
    char digits[name_digits + 1];
    auto [end, ec] = std::to_chars(digits, digits + name_digits, seq);
    std::size_t n = std::size_t(end - digits);
    std::string s(prefix);
    s.append(std::size_t(name_digits) - n, '0');
    s.append(digits, n);
    s.append(suffix);
    return s;
}

std::optional<std::uint64_t> parse_numbered(std::string_view name, std::string_view prefix, std::string_view suffix) noexcept {
    if (name.size() != prefix.size() + name_digits + suffix.size()) return std::nullopt;
    if (!name.starts_with(prefix) || !name.ends_with(suffix)) return std::nullopt;
    std::string_view digits = name.substr(prefix.size(), name_digits);
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
    return v;
}

}  // namespace

std::uint32_t crc32(std::string_view bytes, std::uint32_t crc) noexcept {
    return std::uint32_t(::crc32_z(crc, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()));
}

void append_file_header(std::string& out, file_kind kind, std::uint64_t seq) {
    std::size_t at = out.size();
    out.append(kind == file_kind::segment ? segment_magic : snapshot_magic, 8);
    put32(out, version);
    put32(out, 0);
    put64(out, seq);
    std::uint32_t crc = header_crc(out.data() + at);
    for (int i = 0; i < 4; ++i) out[at + 12 + std::size_t(i)] = char(crc >> (8 * i));
}

const char* check_file_header(std::string_view file, file_kind kind, std::uint64_t& seq) noexcept {
    if (file.size() < file_header_size) return "file header cut short";
    const char* h = file.data();
    if (std::memcmp(h, kind == file_kind::segment ? segment_magic : snapshot_magic, 8) != 0)
        return kind == file_kind::segment ? "not a journal segment (wrong magic)" : "not a snapshot (wrong magic)";
    if (get32(h + 12) != header_crc(h)) return "file header CRC mismatch";
    if (get32(h + 8) != version) return "unsupported format version";
    seq = get64(h + 16);
    return nullptr;
}

void append_record(std::string& out, std::uint64_t seq, std::string_view payload) {
    std::size_t at = out.size();
    put32(out, 0);
    put32(out, std::uint32_t(payload.size()));
    put64(out, seq);
    out.append(payload);
    std::uint32_t crc = crc32(std::string_view(out.data() + at + 4, out.size() - at - 4));
    for (int i = 0; i < 4; ++i) out[at + std::size_t(i)] = char(crc >> (8 * i));
}

record_view parse_record(std::string_view bytes) noexcept {
    record_view r;
    if (bytes.size() < record_header_size) return r;
    const char* p = bytes.data();
    r.len = get32(p + 4);
    r.seq = get64(p + 8);
    if (bytes.size() - record_header_size < r.len) return r;
    std::size_t size = record_header_size + r.len;
    if (crc32(std::string_view(p + 4, size - 4)) != get32(p)) {
        r.status = record_status::bad_crc;
        return r;
    }
    r.status = record_status::ok;
    r.payload = std::string_view(p + record_header_size, r.len);
    r.size = size;
    return r;
}

bool intact_record_within(std::string_view bytes, std::uint64_t min_seq) noexcept {
    // Cheap filters first (the seq must be plausible, the length must fit); the CRC only then.
    for (std::size_t off = 0; off + record_header_size <= bytes.size(); ++off) {
        const char* p = bytes.data() + off;
        std::uint64_t seq = get64(p + 8);
        if (seq < min_seq || seq - min_seq >= bytes.size()) continue;
        if (get32(p + 4) > bytes.size() - off - record_header_size) continue;
        if (parse_record(bytes.substr(off)).status == record_status::ok) return true;
    }
    return false;
}

std::string snapshot_prefix(std::uint64_t seq, std::string_view state) {
    std::string out;
    out.reserve(file_header_size + snapshot_body_header_size);
    append_file_header(out, file_kind::snapshot, seq);
    std::size_t at = out.size();
    put32(out, 0);
    put32(out, 0);
    put64(out, state.size());
    std::uint32_t crc = crc32(state, crc32(std::string_view(out.data() + at + 4, 12)));
    for (int i = 0; i < 4; ++i) out[at + std::size_t(i)] = char(crc >> (8 * i));
    return out;
}

const char* parse_snapshot(std::string_view file, std::uint64_t& seq, std::string_view& state) noexcept {
    if (const char* bad = check_file_header(file, file_kind::snapshot, seq)) return bad;
    std::string_view body = file.substr(file_header_size);
    if (body.size() < snapshot_body_header_size) return "snapshot cut short";
    std::uint64_t len = get64(body.data() + 8);
    if (body.size() - snapshot_body_header_size != len) return "snapshot length does not match the file size";
    std::string_view s = body.substr(snapshot_body_header_size);
    if (crc32(s, crc32(body.substr(4, 12))) != get32(body.data())) return "snapshot CRC mismatch";
    state = s;
    return nullptr;
}

std::string segment_name(std::uint64_t first_seq) { return numbered("journal-", first_seq, ".log"); }
std::string snapshot_name(std::uint64_t seq) { return numbered("snapshot-", seq, ".snap"); }
std::string snapshot_temp_name(std::uint64_t seq) { return numbered("snapshot-", seq, ".tmp"); }

std::optional<std::uint64_t> parse_segment_name(std::string_view name) noexcept {
    return parse_numbered(name, "journal-", ".log");
}
std::optional<std::uint64_t> parse_snapshot_name(std::string_view name) noexcept {
    return parse_numbered(name, "snapshot-", ".snap");
}
std::optional<std::uint64_t> parse_snapshot_temp_name(std::string_view name) noexcept {
    return parse_numbered(name, "snapshot-", ".tmp");
}

}  // namespace tallyhub::store::format
