#pragma once
// The Redis protocol (RESP2), sans-I/O: commands to bytes, bytes to replies. Both directions are
// hiredis's own code (redisFormatCommandArgv, redisReader), which does no I/O; the socket belongs to
// the reactor (store/redis_client.hpp says why).
//
//   std::string out;
//   append_command(out, {"SET", "realtime-metrics", json, "EX", "86400"});
//   redis_reply_reader r;  r.feed(bytes);  while (auto rep = r.next(); rep && *rep) use(**rep);

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace tallyhub::store {

/// One command: its name and arguments, each binary-safe.
using redis_command = std::vector<std::string>;

/// A reply, converted from hiredis's redisReply.
struct redis_reply {
    enum class kind : std::uint8_t { string, array, integer, nil, status, error };
    kind type = kind::nil;
    std::int64_t integer = 0;           ///< kind::integer
    std::string str;                    ///< kind::string (bulk), kind::status ("OK"), kind::error ("ERR …")
    std::vector<redis_reply> elements;  ///< kind::array

    bool is_error() const noexcept { return type == kind::error; }
    bool is_nil() const noexcept { return type == kind::nil; }
    /// True for the status reply "OK" (SET, SELECT, AUTH…).
    bool is_ok() const noexcept { return type == kind::status && str == "OK"; }
};

/// The kind as a word ("string", "error"…), for messages.
const char* to_string(redis_reply::kind k) noexcept;

/// Appends `cmd` in the protocol's multi-bulk form. An empty command appends nothing.
void append_command(std::string& out, const redis_command& cmd);

/// Incremental reply parser over hiredis's redisReader.
class redis_reply_reader {
public:
    redis_reply_reader();
    ~redis_reply_reader();
    redis_reply_reader(const redis_reply_reader&) = delete;
    redis_reply_reader& operator=(const redis_reply_reader&) = delete;

    /// Adds received bytes.
    void feed(std::string_view bytes);
    /// The next complete reply; nullopt when more bytes are needed; an error (EPROTO) when the
    /// bytes are not RESP2; then the reader is unusable (reset() it with the next connection).
    result<std::optional<redis_reply>> next();
    /// The parser's message after a protocol error ("Protocol error, got \"x\" as reply type byte").
    std::string_view protocol_error() const noexcept;
    /// Drops buffered bytes and any error.
    void reset();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace tallyhub::store
