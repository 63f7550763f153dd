#pragma once
// Incremental HTTP/1.1 request parser over a connection's input buffer (sans-I/O), built on Beast's
// basic_parser. The caller owns the buffer:
//   1. append received bytes; 2. step = parser.parse(buffer); 3. erase step.consumed bytes from the front;
//   4. on `complete`, take() the request and call parse() again (pipelined requests may already be
//      buffered); on `need_more`, wait for bytes; on `error`, send error_response(step.err) and close.
// While a header is incomplete nothing is consumed, and parse() resumes its search for the blank line
// where the previous call stopped, so a header arriving one byte at a time costs O(n), not O(n²).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "core/result.hpp"
#include "net/http_request.hpp"

namespace tallyhub::http {

/// Per-request limits. Exceeding one is an error whose code is the HTTP status to answer with.
struct limits {
    std::size_t max_header_bytes = 16 * 1024;  ///< request line + fields + blank line; beyond → 431
    std::size_t max_header_fields = 100;       ///< fields (and, separately, trailer fields); beyond → 431
    std::size_t max_body_bytes = 1024 * 1024;  ///< decoded body; beyond → 413
};

/// Where a parse() call left the current request.
enum class parse_state : std::uint8_t { need_more, complete, error };

/// The outcome of one parse() call.
struct parse_step {
    std::size_t consumed = 0;  ///< bytes the caller must drop from the front of its buffer
    parse_state state = parse_state::need_more;
    error err{};  ///< when state == error: code = HTTP status (400, 413, 431, 501), reason = short text
};

/// Parses a stream of pipelined requests, one at a time. Errors are sticky: the connection is done.
class request_parser {
public:
    /// A parser for one connection.
    explicit request_parser(limits l = {});
    ~request_parser();
    request_parser(request_parser&&) noexcept;
    request_parser& operator=(request_parser&&) noexcept;

    /// Parses from the start of the unconsumed bytes. After `complete`, the next call begins the next
    /// request (the completed one is discarded if not taken).
    parse_step parse(std::string_view buffered);

    /// True once the current request's header is parsed (e.g. to answer `Expect: 100-continue`).
    bool header_done() const noexcept;
    /// The request being parsed, or the one just completed.
    request& current() noexcept;
    /// Moves the completed request out.
    request take();
    /// The limits this parser enforces.
    const limits& config() const noexcept;
    /// Frees all parser state (the connection left HTTP); the parser must not be used afterwards.
    void release() noexcept;

private:
    struct state;
    std::unique_ptr<state> s_;
};

}  // namespace tallyhub::http
