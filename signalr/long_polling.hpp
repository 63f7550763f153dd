#pragma once
// The long-polling transport's state for one connection (reference/signalr-protocol.md §2c, ASP.NET's
// LongPollingServerTransport and HttpConnectionContext), sans-I/O: time is passed in and a poll is a
// poll_ticket that is answered exactly once.
//
// Lifecycle:
//   1. the first poll creates the connection and is answered at once: 200, empty body (first_poll());
//   2. output is queued here (bounded like a socket's output queue, superseding kinds conflated);
//      release(), called once per loop turn, answers a waiting poll with everything queued: 200;
//   3. a later poll with nothing queued waits; poll_timeout later it gets 200 with an empty body;
//      a new poll while one waits: the old one gets 204;
//   4. the connection ends (end()): a waiting poll gets what is left, or 204; a later poll gets what is
//      left, then 204; once 204 was given the session is over;
//   5. no poll waiting for disconnect_timeout: sweep() says idle, and the owner closes the connection.
#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "core/shared_bytes.hpp"
#include "net/connection.hpp"

namespace tallyhub::signalr {

/// An HTTP answer to a poll.
struct poll_response {
    int status = 200;
    std::string_view content_type;  ///< empty for 204
    std::string body;
};

/// 200 application/octet-stream with `body` (the first poll's is empty).
poll_response poll_data(std::string body);
/// 200 text/plain, empty: the poll timed out, poll again.
poll_response poll_timeout();
/// 204: the poll was superseded, or the connection is over.
poll_response poll_gone();

/// A poll waiting for its answer.
class poll_ticket {
public:
    virtual void complete(poll_response r) = 0;

protected:
    ~poll_ticket() = default;
};

class long_poll_session {
public:
    using time_point = std::chrono::steady_clock::time_point;
    enum class verdict { keep, idle, over };

    long_poll_session(net::connection_limits limits, time_point now) : limits_(limits), last_poll_end_(now) {}
    ~long_poll_session();
    long_poll_session(const long_poll_session&) = delete;
    long_poll_session& operator=(const long_poll_session&) = delete;

    /// Queues a unit of output (complete records). `closing` may pass the hard limit by
    /// net::connection::closing_headroom.
    net::send_status push(std::string unit, bool closing = false);
    /// Queues a shared unit; a nonzero `conflate` kind replaces a queued unit of the same kind at the tail.
    net::send_status push_shared(const shared_bytes& unit, std::uint8_t conflate, bool* conflated = nullptr);
    /// Answers a waiting poll with everything queued, if anything is.
    void release(time_point now);

    /// A poll after the first: answered now (data, or 204 once ended) or kept waiting.
    void poll(poll_ticket& t, time_point now);
    /// The connection ended; its last output is queued.
    void end(time_point now);
    /// Poll timeouts, and whether the connection is idle (no poll for `disconnect_timeout`) or over.
    verdict sweep(time_point now, std::chrono::milliseconds poll_timeout, std::chrono::milliseconds disconnect_timeout);

    bool ended() const noexcept { return ended_; }
    bool waiting() const noexcept { return waiting_ != nullptr; }
    std::size_t queued_bytes() const noexcept { return queued_; }

private:
    struct unit {
        std::string owned;
        shared_bytes shared;
        std::uint8_t kind = 0;
        std::size_t size() const noexcept { return shared ? shared.size() : owned.size(); }
        std::string_view view() const noexcept { return shared ? shared.view() : std::string_view(owned); }
    };
    net::send_status admit(std::size_t n, std::size_t headroom) const noexcept;
    std::string take();
    void answer(poll_response r, time_point now);

    net::connection_limits limits_;
    std::deque<unit> units_;
    std::size_t queued_ = 0;
    poll_ticket* waiting_ = nullptr;
    time_point poll_started_{};
    time_point last_poll_end_;
    time_point ended_at_{};
    bool ended_ = false;
    bool gone_ = false;  // 204 given after the end
};

}  // namespace tallyhub::signalr
