#pragma once
// The kernel-visible state of one I/O operation, shared by both backends.
//
// Every object a backend can complete derives from `completion`: io_uring's `user_data` (or the
// epoll backend's wait lists) point at it, and the backend calls `complete(res, flags)` exactly once
// per kernel completion. A single-shot `io_op` lives in the awaiting coroutine's frame; that frame
// stays suspended until the completion arrives, so the kernel never writes into freed memory, even
// when the operation is cancelled or times out (cancellation only makes the completion come sooner).

#include <linux/time_types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <chrono>
#include <coroutine>
#include <cstdint>

namespace tallyhub {

/// Anything a backend completes. `complete` runs on the reactor thread, inside the completion batch:
/// it must only record the result and schedule work, never resume a coroutine directly.
struct completion {
    using complete_fn = void (*)(completion* self, int32_t res, uint32_t flags);
    complete_fn complete = nullptr;
};

enum class op_code : uint8_t { accept, recv, send, writev, connect, poll, sleep, read, write, close, fsync };

/// One single-shot operation. Fill the fields for `code`, hand it to the reactor, await the result.
struct io_op : completion {
    op_code code = op_code::sleep;
    bool cancel_requested = false;
    bool has_timeout = false;
    int fd = -1;
    void* buf = nullptr;          // recv/send/read/write
    uint32_t len = 0;
    const iovec* iov = nullptr;   // writev
    uint32_t iovcnt = 0;
    const sockaddr* addr = nullptr;  // connect
    socklen_t addrlen = 0;
    uint32_t poll_mask = 0;       // poll: POLLIN/POLLOUT...
    uint64_t offset = 0;          // read/write on files
    bool datasync = false;        // fsync: fdatasync (data and the metadata needed to read it back)
    int msg_flags = 0;            // recv/send flags (MSG_NOSIGNAL is always added for send)
    __kernel_timespec ts{};       // sleep duration, or the link timeout when has_timeout
    msghdr msg{};                 // writev on io_uring goes out as sendmsg (MSG_NOSIGNAL: no SIGPIPE)
    std::chrono::steady_clock::time_point deadline{};  // epoll backend: when the timeout fires

    int32_t res = 0;              // >= 0 result, or -errno (-ECANCELED, -ETIMEDOUT on timeout)
    std::coroutine_handle<> waiter;

    // epoll backend bookkeeping: intrusive wait list per fd.
    io_op* next_ = nullptr;
    io_op* prev_ = nullptr;
    bool queued_ = false;
};

/// Converts a duration into the kernel's timespec.
inline __kernel_timespec to_timespec(std::chrono::nanoseconds d) {
    if (d.count() < 0) d = std::chrono::nanoseconds{0};
    __kernel_timespec ts{};
    ts.tv_sec = d.count() / 1'000'000'000;
    ts.tv_nsec = d.count() % 1'000'000'000;
    return ts;
}

}  // namespace tallyhub
