#pragma once
// The bytes of the journal's files, sans I/O. Little-endian throughout; CRC-32 is zlib's (the
// ISO-HDLC polynomial, as in gzip and PNG).
//
//   journal-<first seq, 20 digits>.log      a log segment:
//       file header (24 bytes)  magic "THJOURNL" | u32 version = 1 | u32 header crc | u64 first seq
//       record (16 + len bytes) u32 crc | u32 len | u64 seq | len bytes of payload
//                               crc covers len, seq and payload; seqs run first, first + 1, ...
//   snapshot-<seq, 20 digits>.snap          the state after record <seq>:
//       file header (24 bytes)  magic "THSNAPSH" | u32 version = 1 | u32 header crc | u64 seq
//       body (16 + len bytes)   u32 crc | u32 reserved = 0 | u64 len | len bytes of state
//                               crc covers reserved, len and state
//   snapshot-<seq>.tmp                      a snapshot being written (deleted on start-up)
//
// The header crc covers the magic, the version and the seq. Payloads and states are opaque bytes.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tallyhub::store::format {

inline constexpr std::uint32_t version = 1;
inline constexpr std::size_t file_header_size = 24;
inline constexpr std::size_t record_header_size = 16;
inline constexpr std::size_t snapshot_body_header_size = 16;

enum class file_kind { segment, snapshot };

/// zlib's CRC-32 of `bytes`, continuing from `crc` (0 to start).
std::uint32_t crc32(std::string_view bytes, std::uint32_t crc = 0) noexcept;

/// Appends a file header for `kind` with `seq` (a segment's first record, a snapshot's last).
void append_file_header(std::string& out, file_kind kind, std::uint64_t seq);
/// Checks a file header: nullptr and `seq` set when good, else what is wrong with it.
const char* check_file_header(std::string_view file, file_kind kind, std::uint64_t& seq) noexcept;

/// Appends one framed record.
void append_record(std::string& out, std::uint64_t seq, std::string_view payload);

enum class record_status { ok, incomplete, bad_crc };

/// One record as parsed from the bytes that start at it.
struct record_view {
    record_status status = record_status::incomplete;
    std::uint64_t seq = 0;          // as stored (meaningless unless ok)
    std::uint32_t len = 0;          // as stored (meaningless unless ok)
    std::string_view payload;       // ok only
    std::size_t size = 0;           // header + payload bytes (ok only)
};

/// Parses the record at the start of `bytes` (which runs to the end of the file).
record_view parse_record(std::string_view bytes) noexcept;

/// Whether an intact record (its CRC checks out) with a seq in [min_seq, min_seq + bytes.size())
/// starts at any offset of `bytes`. Tells a torn write (nothing intact after the damage) from
/// damage in the middle of the log.
bool intact_record_within(std::string_view bytes, std::uint64_t min_seq) noexcept;

/// The file header and the body header of a snapshot of `state` (the state follows them).
std::string snapshot_prefix(std::uint64_t seq, std::string_view state);
/// Checks a whole snapshot file: nullptr with `seq` and `state` (a view into `file`) when good,
/// else what is wrong with it.
const char* parse_snapshot(std::string_view file, std::uint64_t& seq, std::string_view& state) noexcept;

/// File names inside the data directory.
std::string segment_name(std::uint64_t first_seq);
std::string snapshot_name(std::uint64_t seq);
std::string snapshot_temp_name(std::uint64_t seq);
/// The seq in a name made by segment_name / snapshot_name / snapshot_temp_name, else nullopt.
std::optional<std::uint64_t> parse_segment_name(std::string_view name) noexcept;
std::optional<std::uint64_t> parse_snapshot_name(std::string_view name) noexcept;
std::optional<std::uint64_t> parse_snapshot_temp_name(std::string_view name) noexcept;

}  // namespace tallyhub::store::format
