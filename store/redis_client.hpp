#pragma once
// redis_client: one Redis connection on the calling core's reactor, for the tick's live-state writes
// (the seed's `realtime-metrics` key, the sliding-window buckets) and anything else that speaks RESP2.
//
// Why not hiredis's async API: in 0.14 it has no timeouts, its redisAsyncConnect resolves names with a
// blocking getaddrinfo, and it frees its context from inside its own callbacks, a lifetime that does
// not fit coroutine frames. So hiredis does what is I/O-free — redisFormatCommandArgv encodes,
// redisReader parses (store/redis_protocol.hpp) — and the socket is ours: a non-blocking fd driven by
// io::connect / io::send / io::recv with per-operation timeouts, on io_uring or epoll alike.
//
// Lifecycle, on ONE reactor (core 0's tick loop):
//   1. construct with a parsed endpoint (store/redis_url.hpp); nothing happens yet;
//   2. optionally `co_await connect()` at start to learn early whether Redis answers;
//   3. each tick, if `!busy()`, spawn a coroutine that awaits `pipeline(commands)`: the commands go
//      out in one write and the replies come back in order; a Redis error reply (-ERR …) is a reply,
//      not a failure. The tick never waits for it: while one is in flight, skip or coalesce;
//   4. destroy it on that reactor's thread once no pipeline() is in flight.
//
// Failures degrade, they never block: a refused or timed-out connect, a lost connection or a
// pipeline past `command_timeout` closes the socket and marks the link down (health() says why);
// until the backoff has passed, pipeline() fails at once (ENOTCONN); the first call after it
// reconnects (AUTH, SELECT, CLIENT SETNAME) before sending. A connection the server closed while idle
// (a restart) is noticed before sending and replaced at once. Replies of a pipeline that timed out
// are never read as another pipeline's: the connection is gone with it.

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/task.hpp"
#include "store/link_health.hpp"
#include "store/redis_protocol.hpp"
#include "store/redis_url.hpp"

namespace tallyhub::store {

struct redis_options {
    std::chrono::milliseconds connect_timeout{2000};  ///< TCP connect plus the login commands
    std::chrono::milliseconds command_timeout{2000};  ///< one pipeline: writing it and every reply
    backoff_policy backoff{};                        ///< waits between reconnection attempts
    std::size_t max_queued = 1;                      ///< pipelines that may wait behind the one in flight
    std::string client_name = "tallyhub";            ///< CLIENT SETNAME; empty: not sent
};

/// Counters for /metrics (single writer: the owning reactor).
struct redis_stats {
    std::uint64_t pipelines = 0;     ///< pipelines that got all their replies
    std::uint64_t commands = 0;      ///< commands in those pipelines
    std::uint64_t failures = 0;      ///< pipelines that failed (down, lost, timed out)
    std::uint64_t rejected_busy = 0; ///< pipelines refused because the queue was full
    std::uint64_t connects = 0;      ///< successful (re)connections
    std::uint64_t bytes_out = 0;
    std::uint64_t bytes_in = 0;
};

class redis_client {
public:
    explicit redis_client(redis_endpoint where, redis_options opts = {});
    ~redis_client();
    redis_client(const redis_client&) = delete;
    redis_client& operator=(const redis_client&) = delete;

    /// Connects now (or confirms the connection is up), honouring the backoff while down.
    task<result<void>> connect();

    /// Sends `commands` in one write and returns one reply per command, in order. Errors (codes are
    /// errno values; details in last_error()): ENOTCONN down and waiting out the backoff, or the
    /// reconnection failed; EBUSY a pipeline is in flight and `max_queued` wait already;
    /// ETIMEDOUT past command_timeout; ECONNRESET the connection was lost; EPROTO bad bytes.
    /// After ETIMEDOUT or ECONNRESET the commands may or may not have been applied.
    task<result<std::vector<redis_reply>>> pipeline(std::vector<redis_command> commands);

    /// True while a pipeline (or connect) is in flight: a new pipeline() would queue or get EBUSY.
    bool busy() const noexcept { return busy_; }
    /// The link's state for /readyz; `health().describe()` is one line.
    const link_health& health() const noexcept { return health_; }
    /// The last failure in words: what, where and why ("connect 127.0.0.1:6379/0: Connection refused").
    const std::string& last_error() const noexcept { return last_error_; }
    const redis_stats& stats() const noexcept { return stats_; }
    const redis_endpoint& endpoint() const noexcept { return where_; }

    /// Closes the connection (a later call reconnects). Not while a pipeline is in flight.
    void disconnect() noexcept;

private:
    struct turn_awaiter {
        redis_client* c;
        bool await_ready() const noexcept { return !c->busy_; }
        void await_suspend(std::coroutine_handle<> h) { c->waiters_.push_back(h); }
        void await_resume() const noexcept { c->busy_ = true; }
    };
    struct turn_guard {
        redis_client* c;
        ~turn_guard() { c->end_turn(); }
    };
    void end_turn() noexcept;

    task<result<void>> ensure_connected();
    task<result<void>> open_connection();
    task<result<std::vector<redis_reply>>> exchange(const std::string& out, std::size_t replies,
                                                    std::chrono::steady_clock::time_point deadline);
    bool peer_closed() const noexcept;
    void close_socket() noexcept;
    error fail(error e, std::string why);

    redis_endpoint where_;
    redis_options opts_;
    int fd_ = -1;
    redis_reply_reader reader_;
    std::vector<char> rbuf_;
    bool busy_ = false;
    std::deque<std::coroutine_handle<>> waiters_;
    link_health health_;
    std::string last_error_;
    redis_stats stats_;
};

}  // namespace tallyhub::store
