#pragma once
// The interface both I/O backends implement (io_uring and epoll), and the state of the two
// long-lived streams a backend feeds: accepted sockets and received bytes.
//
// Streams are how idle connections cost no receive buffer: with io_uring, one multishot recv per
// connection draws buffers from a per-core provided-buffer ring only when bytes arrive; with epoll,
// a buffer is taken from a per-core pool only when the socket is readable and the owner asks.
// Either way the owner takes a `recv_chunk`, parses it, and gives it back with `release()` before
// asking for the next one.

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <vector>

#include "core/io_op.hpp"

namespace tallyhub {

/// Bytes received into a backend-owned buffer. Valid until released.
struct recv_chunk {
    char* data = nullptr;
    uint32_t len = 0;
    uint16_t buffer_id = 0;
};

/// One queued stream result: a value (fd or byte count, with its buffer) or -errno; 0 = EOF for recv.
struct stream_entry {
    int32_t res = 0;
    uint16_t buffer_id = 0;
    bool has_buffer = false;
};

/// State shared by accept and recv streams. Owned by the connection/listener; must not be destroyed
/// while `armed_` (the kernel may still complete into it): call reactor::stop_stream and await it.
struct io_stream : completion {
    int fd = -1;
    bool armed_ = false;         // a multishot operation (or epoll interest) is live
    bool stopping_ = false;      // stop requested: no re-arming
    bool exhausted_ = false;     // io_uring ran out of provided buffers: re-arm after releases
    std::vector<stream_entry> pending_;
    size_t head_ = 0;
    std::coroutine_handle<> waiter_;      // the owner, waiting for an entry
    std::coroutine_handle<> stop_waiter_; // the owner, waiting for the final completion

    bool has_pending() const noexcept { return head_ < pending_.size(); }
    stream_entry pop() noexcept {
        stream_entry e = pending_[head_++];
        if (head_ == pending_.size()) {
            pending_.clear();
            head_ = 0;
        }
        return e;
    }
};

struct accept_stream : io_stream {};
struct recv_stream : io_stream {};

/// The completion callback of every single-shot io_op: stores the result (a linked timeout that
/// fired becomes -ETIMEDOUT, an expired sleep 0) and schedules the waiting coroutine.
void complete_io_op(completion* c, int32_t res, uint32_t flags);

/// Schedules the stream's owner when an entry is pending, and its stopper once the kernel let go.
void wake_stream(io_stream& s);

/// What a reactor needs from its I/O backend.
class io_backend {
public:
    virtual ~io_backend() = default;
    /// "uring" or "epoll": the spelling of --io-backend.
    virtual const char* name() const noexcept = 0;

    /// Starts `op`. Returns true when it completed at once (op.res is set; do not suspend).
    virtual bool start(io_op& op) = 0;
    /// Asks for `op` to complete early with -ECANCELED (or its real result if it raced).
    virtual void cancel(io_op& op) = 0;

    /// Makes an entry available on the stream: true when one is pending now; otherwise the backend
    /// completes the stream later (and wakes its waiter).
    virtual bool stream_next(accept_stream& s) = 0;
    virtual bool stream_next(recv_stream& s) = 0;
    /// Begins stopping a stream; `armed_` turns false when the kernel has let go of it.
    virtual void stream_stop(io_stream& s) = 0;

    /// Pointer to the bytes of a pooled buffer, and its return to the pool.
    virtual char* buffer_data(uint16_t buffer_id) noexcept = 0;
    virtual void release(uint16_t buffer_id) noexcept = 0;

    /// Called before close(fd) so no state about the fd outlives it.
    virtual void forget_fd(int fd) noexcept = 0;

    /// Registers an eventfd that other threads write to wake this loop.
    virtual void watch_wakeup(int event_fd) = 0;

    /// Flushes submissions and waits up to `timeout` (zero: do not block) for completions, running
    /// their `complete` callbacks. Returns the number of completions handled.
    virtual int wait(std::chrono::nanoseconds timeout) = 0;
};

}  // namespace tallyhub
