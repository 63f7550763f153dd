#pragma once
// A TCP connection owned by one core: a receive stream (no buffer while idle) and a corked output
// queue flushed once per loop turn with one writev.
//
// Output lifecycle: send() appends to the queue (small pieces coalesce into the tail segment) and
// asks the reactor for a flush; before the loop sleeps, flush() starts one writev over the queued
// segments; its completion drops what was written and, if more is queued, asks for another flush.
// At most one write is in flight, so the iovec array and the segments it points at stay put until
// the kernel is done with them. close() waits for that write before the fd is closed.

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/io.hpp"
#include "core/io_backend.hpp"
#include "core/reactor.hpp"
#include "core/task.hpp"
#include "core/timer_wheel.hpp"
#include "core/shared_bytes.hpp"
#include "net/handed_socket.hpp"

namespace tallyhub::net {

/// What send() did with the bytes.
enum class send_status : uint8_t {
    ok,            ///< queued
    backpressure,  ///< queued, but the queue is over the soft limit: slow down or conflate
    dropped,       ///< not queued: the queue would pass the hard limit (or the connection is closed)
};

struct connection_limits {
    size_t output_soft_limit = 256 * 1024;
    size_t output_hard_limit = 4 * 1024 * 1024;
};

/// Bytes received: a view into a pooled buffer, valid until the next read() or close().
struct read_result {
    std::string_view bytes;  ///< empty at end of stream or on error
    int32_t status = 0;      ///< byte count, 0 at EOF, or -errno (-ECANCELED after a deadline or stop)
};

class connection final : public flushable, public deadline_target {
public:
    explicit connection(int fd, connection_limits limits = {});
    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    int fd() const noexcept { return fd_; }
    bool open() const noexcept { return fd_ >= 0 && !failed_; }
    /// True when a deadline (see set_deadline) ended the connection.
    bool timed_out() const noexcept { return timed_out_; }

    /// Awaits the next received bytes (releasing the previous ones).
    struct read_awaiter;
    read_awaiter read() noexcept;

    /// Queues bytes for the next flush.
    send_status send(std::string_view bytes);
    send_status send(std::string&& bytes);
    /// Queues a shared, immutable buffer (a broadcast frame encoded once for many connections).
    send_status send(shared_bytes bytes);
    /// Like send(shared_bytes), for state that supersedes its predecessor (a KPI snapshot): when the
    /// last queued buffer is one of the same nonzero `kind` that no write has started on, it is
    /// replaced (conflated) instead of queuing both. `conflated` tells which happened.
    send_status send_latest(shared_bytes bytes, std::uint8_t kind, bool* conflated = nullptr);
    /// Queues the last bytes of a connection (a protocol Close) even past the hard limit, by at
    /// most `closing_headroom`: a client closed for being slow still learns why.
    send_status send_closing(std::string_view bytes);
    static constexpr size_t closing_headroom = 4096;
    size_t queued_bytes() const noexcept { return queued_; }

    /// Resumes once everything queued so far was written (or the connection failed).
    task<bool> drain();

    /// Ends the connection at `when` unless moved or cleared: a pending read() returns -ECANCELED.
    void set_deadline(timer_wheel::time_point when);
    void clear_deadline() noexcept;

    /// Stops reading at once (a pending read() returns -ECANCELED). For drains and deadlines.
    void stop_reading() noexcept;

    /// Lets go of the socket so that another core can serve it: waits (bounded by `linger`) for
    /// queued output to leave, stops the receive stream, and returns the fd with `input` followed by
    /// the bytes received but not read yet. The connection is closed afterwards (close() does
    /// nothing). Nullopt when the socket failed or the peer already ended its stream: the
    /// connection then still owns the fd and close() ends it as usual.
    task<std::optional<handed_socket>> detach(std::string input,
                                              std::chrono::milliseconds linger = std::chrono::milliseconds{2000});

    /// Flushes what is queued (bounded by `linger`), stops the receive stream, waits for the
    /// kernel to let go of every buffer, and closes the socket.
    task<void> close(std::chrono::milliseconds linger = std::chrono::milliseconds{2000});

    void flush() noexcept override;

private:
    struct segment {
        std::string owned;
        shared_bytes shared;
        size_t offset = 0;
        std::uint8_t kind = 0;  // send_latest()'s kind; 0 for everything else
        size_t size() const noexcept { return shared ? shared.size() : owned.size(); }
        const char* data() const noexcept { return shared ? shared.data() : owned.data(); }
    };
    // The output queue and the iovecs of the write in flight exist only while there is output:
    // an idle connection holds no queue memory (std::deque allocates a block even when empty).
    // Freed when the queue empties; a write in flight keeps it, as the kernel reads its iovecs.
    struct write_op : io_op {
        connection* self = nullptr;
    };
    struct output {
        std::deque<segment> segs;
        write_op op;  // the write in flight (an io_op is 200 bytes: not worth keeping while idle)
        iovec iov[32];
        uint32_t in_flight = 0;  // segments at the front that the write in flight points into
    };
    send_status admit(size_t n, size_t headroom = 0);
    bool has_output() const noexcept { return out_ && !out_->segs.empty(); }
    void start_write();
    static void write_done(completion* c, int32_t res, uint32_t flags);
    void on_written(int32_t res);
    void on_deadline() noexcept override;

    // Ordered for size: every open socket, idle ones included, is one of these.
    int fd_;
    bool holding_ = false;
    bool writing_ = false;
    bool failed_ = false;
    bool timed_out_ = false;
    std::uint32_t soft_limit_;  // connection_limits, at most 4 GiB each
    std::uint32_t hard_limit_;
    recv_stream stream_;
    stream_entry current_{};  // the buffer handed out by the last read()
    std::unique_ptr<output> out_;
    size_t queued_ = 0;
    std::coroutine_handle<> drain_waiter_;
    std::coroutine_handle<> write_waiter_;
    timer_wheel::entry deadline_;

    friend struct read_awaiter;
};

struct connection::read_awaiter {
    connection& c;
    io::stream_awaiter<recv_stream> inner;
    bool await_ready() { return inner.await_ready(); }
    void await_suspend(std::coroutine_handle<> h) noexcept { inner.await_suspend(h); }
    read_result await_resume() noexcept;
};

}  // namespace tallyhub::net
