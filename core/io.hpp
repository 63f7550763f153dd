#pragma once
// Awaitable I/O on the current core's reactor.
//
//   int32_t n = co_await io::recv(fd, buf, len).timeout(5s);   // >= 0, or -errno (-ETIMEDOUT)
//   co_await io::sleep(100ms);
//
// Each awaiter holds its io_op in the awaiting coroutine's frame and `user_data` points at it.
// The coroutine resumes only after the kernel's completion, so cancelling (cancel_slot) or timing
// out never frees memory the kernel still writes to.

#include <chrono>
#include <coroutine>
#include <string>

#include "core/io_op.hpp"
#include "core/reactor.hpp"

namespace tallyhub::io {

/// Lets one coroutine cancel the operation another coroutine is waiting on.
class cancel_slot {
public:
    /// Cancels the operation currently registered, if any; it completes with -ECANCELED.
    void cancel() {
        if (op_) reactor::current().backend().cancel(*op_);
    }
    bool waiting() const noexcept { return op_ != nullptr; }

private:
    friend struct op_awaiter;
    io_op* op_ = nullptr;
};

/// Awaits one io_op; the result is the kernel's (>= 0 or -errno).
struct [[nodiscard]] op_awaiter {
    io_op op;
    cancel_slot* slot = nullptr;

    /// Completes with -ETIMEDOUT when `d` passes first (a linked timeout with io_uring).
    op_awaiter timeout(std::chrono::nanoseconds d) && {
        op.has_timeout = true;
        op.ts = to_timespec(d);
        return std::move(*this);
    }
    /// Registers the operation in `s` while it waits, so another coroutine can cancel it.
    op_awaiter cancel_with(cancel_slot& s) && {
        slot = &s;
        return std::move(*this);
    }

    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h) {
        op.waiter = h;
        if (reactor::current().backend().start(op)) {
            op.waiter = {};
            return false;
        }
        if (slot) slot->op_ = &op;
        return true;
    }
    int32_t await_resume() noexcept {
        if (slot) slot->op_ = nullptr;
        return op.res;
    }
};

inline op_awaiter make_op(op_code code, int fd) {
    op_awaiter a;
    a.op.code = code;
    a.op.fd = fd;
    return a;
}

inline op_awaiter accept(int listen_fd) { return make_op(op_code::accept, listen_fd); }

inline op_awaiter recv(int fd, void* buf, uint32_t len, int flags = 0) {
    auto a = make_op(op_code::recv, fd);
    a.op.buf = buf;
    a.op.len = len;
    a.op.msg_flags = flags;
    return a;
}

inline op_awaiter send(int fd, const void* buf, uint32_t len, int flags = 0) {
    auto a = make_op(op_code::send, fd);
    a.op.buf = const_cast<void*>(buf);
    a.op.len = len;
    a.op.msg_flags = flags;
    return a;
}

/// Gathers `iov` into one write. The iovec array must live until the awaiter resumes.
inline op_awaiter writev(int fd, const iovec* iov, uint32_t count) {
    auto a = make_op(op_code::writev, fd);
    a.op.iov = iov;
    a.op.iovcnt = count;
    return a;
}

/// Connects a non-blocking socket. `addr` must live until the awaiter resumes.
inline op_awaiter connect(int fd, const sockaddr* addr, socklen_t len) {
    auto a = make_op(op_code::connect, fd);
    a.op.addr = addr;
    a.op.addrlen = len;
    return a;
}

/// Waits until `fd` (any descriptor, e.g. a libpq or hiredis socket) is ready; returns revents.
inline op_awaiter poll(int fd, uint32_t mask) {
    auto a = make_op(op_code::poll, fd);
    a.op.poll_mask = mask;
    return a;
}

/// Resumes after `d` (0), or early with -ECANCELED when cancelled.
inline op_awaiter sleep(std::chrono::nanoseconds d) {
    auto a = make_op(op_code::sleep, -1);
    a.op.ts = to_timespec(d);
    return a;
}

inline op_awaiter read(int fd, void* buf, uint32_t len, uint64_t offset) {
    auto a = make_op(op_code::read, fd);
    a.op.buf = buf;
    a.op.len = len;
    a.op.offset = offset;
    return a;
}

inline op_awaiter write(int fd, const void* buf, uint32_t len, uint64_t offset) {
    auto a = make_op(op_code::write, fd);
    a.op.buf = const_cast<void*>(buf);
    a.op.len = len;
    a.op.offset = offset;
    return a;
}

/// Flushes `fd`'s written data to stable storage: fdatasync when `datasync`, else fsync. 0 or -errno.
/// With the epoll fallback this runs synchronously and blocks the loop for the flush.
inline op_awaiter fsync(int fd, bool datasync = true) {
    auto a = make_op(op_code::fsync, fd);
    a.op.datasync = datasync;
    return a;
}

/// Closes `fd` after the backend forgot it.
inline op_awaiter close(int fd) {
    reactor::current().backend().forget_fd(fd);
    return make_op(op_code::close, fd);
}

/// Awaits the next entry of a stream (an accepted fd, or received bytes with a buffer id).
/// After stop_stream, resolves to an entry with res == -ECANCELED.
template <typename Stream>
struct [[nodiscard]] stream_awaiter {
    Stream& s;
    bool await_ready() { return reactor::current().backend().stream_next(s); }
    void await_suspend(std::coroutine_handle<> h) noexcept { s.waiter_ = h; }
    stream_entry await_resume() noexcept {
        s.waiter_ = {};
        return s.has_pending() ? s.pop() : stream_entry{-ECANCELED, 0, false};
    }
};

inline stream_awaiter<accept_stream> next(accept_stream& s) { return {s}; }
inline stream_awaiter<recv_stream> next(recv_stream& s) { return {s}; }

/// Stops a stream and waits until the kernel no longer references it; queued buffers are released.
struct [[nodiscard]] stop_awaiter {
    io_stream& s;
    bool await_ready() {
        reactor::current().backend().stream_stop(s);
        return !s.armed_;
    }
    void await_suspend(std::coroutine_handle<> h) noexcept { s.stop_waiter_ = h; }
    void await_resume() noexcept {
        auto& b = reactor::current().backend();
        while (s.has_pending()) {
            stream_entry e = s.pop();
            if (e.has_buffer) b.release(e.buffer_id);
        }
    }
};
inline stop_awaiter stop_stream(io_stream& s) { return {s}; }

/// Like stop_stream, for a socket that moves to another core (net/handed_socket.hpp): the bytes this
/// core received but nobody read yet are appended to `bytes` instead of dropped, and the result says
/// whether the stream was still open (false: an end of stream or an error was queued).
struct [[nodiscard]] detach_awaiter {
    recv_stream& s;
    std::string& bytes;
    bool await_ready() {
        reactor::current().backend().stream_stop(s);
        return !s.armed_;
    }
    void await_suspend(std::coroutine_handle<> h) noexcept { s.stop_waiter_ = h; }
    bool await_resume() {
        auto& b = reactor::current().backend();
        bool open = true;
        while (s.has_pending()) {
            stream_entry e = s.pop();
            if (e.res > 0 && e.has_buffer) bytes.append(b.buffer_data(e.buffer_id), std::size_t(e.res));
            else open = false;
            if (e.has_buffer) b.release(e.buffer_id);
        }
        return open;
    }
};
inline detach_awaiter detach_stream(recv_stream& s, std::string& bytes) { return {s, bytes}; }

/// Asks a stream to stop without waiting (from a coroutine other than its owner). The owner's
/// pending `next()` resolves with -ECANCELED once the kernel let go; the owner then awaits
/// stop_stream() itself before freeing the stream.
inline void request_stop(io_stream& s) { reactor::current().backend().stream_stop(s); }

/// The bytes of a received entry (valid until release_buffer).
inline recv_chunk chunk_of(const stream_entry& e) {
    return {reactor::current().backend().buffer_data(e.buffer_id), uint32_t(e.res), e.buffer_id};
}
inline void release_buffer(const stream_entry& e) {
    if (e.has_buffer) reactor::current().backend().release(e.buffer_id);
}

}  // namespace tallyhub::io
