#include "core/epoll_backend.hpp"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace tallyhub {

namespace {
bool would_block(int e) { return e == EAGAIN || e == EWOULDBLOCK; }
constexpr unsigned max_pool_buffers = 65535;
}  // namespace

result<std::unique_ptr<io_backend>> epoll_backend::create(const reactor_options& opts) {
    int epfd = ::epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) return error{errno, "epoll_create1 failed"};
    return std::unique_ptr<io_backend>(new epoll_backend(epfd, opts.buffer_size));
}

epoll_backend::~epoll_backend() { ::close(epfd_); }

epoll_backend::fd_state& epoll_backend::state(int fd) {
    if (size_t(fd) >= fds_.size()) fds_.resize(size_t(fd) + 64);
    return fds_[size_t(fd)];
}

void epoll_backend::watch(int fd) {
    fd_state& st = state(fd);
    if (st.registered) return;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.fd = fd;
    if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) == 0) st.registered = true;
}

void epoll_backend::enqueue(wait_list& l, io_op& op) {
    op.queued_ = true;
    op.next_ = nullptr;
    op.prev_ = l.tail;
    if (l.tail) l.tail->next_ = &op; else l.head = &op;
    l.tail = &op;
}

void epoll_backend::unlink(wait_list& l, io_op& op) {
    if (op.prev_) op.prev_->next_ = op.next_; else l.head = op.next_;
    if (op.next_) op.next_->prev_ = op.prev_; else l.tail = op.prev_;
    op.next_ = op.prev_ = nullptr;
    op.queued_ = false;
}

void epoll_backend::finish(io_op& op, int32_t res) {
    if (op.has_timeout || op.code == op_code::sleep) timers_.erase({op.deadline, &op});
    op.complete(&op, res, 0);
}

bool epoll_backend::attempt(io_op& op) {
    ssize_t n = 0;
    fd_state& st = state(op.fd);
    switch (op.code) {
    case op_code::accept: n = ::accept4(op.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC); break;
    case op_code::recv: n = ::recv(op.fd, op.buf, op.len, op.msg_flags | MSG_DONTWAIT); break;
    case op_code::send: n = ::send(op.fd, op.buf, op.len, op.msg_flags | MSG_DONTWAIT | MSG_NOSIGNAL); break;
    case op_code::writev: {
        msghdr m{};
        m.msg_iov = const_cast<iovec*>(op.iov);
        m.msg_iovlen = op.iovcnt;
        n = ::sendmsg(op.fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
        break;
    }
    case op_code::connect:
        if (op.queued_) {  // woken by writability: the outcome is in SO_ERROR
            int err = 0;
            socklen_t len = sizeof err;
            ::getsockopt(op.fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err == EINPROGRESS || err == EALREADY) return false;
            op.res = -err;
            return true;
        }
        n = ::connect(op.fd, op.addr, op.addrlen);
        if (n < 0 && errno == EINPROGRESS) errno = EAGAIN;
        break;
    case op_code::poll: {
        pollfd p{op.fd, short(op.poll_mask), 0};
        n = ::poll(&p, 1, 0);
        if (n == 0) return false;
        op.res = n > 0 ? p.revents : -errno;
        return true;
    }
    case op_code::read: n = ::pread(op.fd, op.buf, op.len, off_t(op.offset)); break;
    case op_code::write: n = ::pwrite(op.fd, op.buf, op.len, off_t(op.offset)); break;
    case op_code::fsync: n = op.datasync ? ::fdatasync(op.fd) : ::fsync(op.fd); break;
    case op_code::close:
        forget_fd(op.fd);
        n = ::close(op.fd);
        break;
    case op_code::sleep: return false;
    }
    if (n < 0 && would_block(errno)) {
        bool writer = op.code == op_code::send || op.code == op_code::writev || op.code == op_code::connect;
        (writer ? st.writable : st.readable) = false;
        return false;
    }
    op.res = n < 0 ? -errno : int32_t(n);
    return true;
}

bool epoll_backend::start(io_op& op) {
    if (!op.complete) op.complete = &complete_io_op;
    op.cancel_requested = false;
    op.queued_ = false;
    if (op.code == op_code::sleep) {
        op.deadline = std::chrono::steady_clock::now() +
                      std::chrono::seconds(op.ts.tv_sec) + std::chrono::nanoseconds(op.ts.tv_nsec);
        timers_.insert({op.deadline, &op});
        return false;
    }
    // Regular files are not pollable, so the fallback reads, writes and flushes them synchronously: a
    // slow disk blocks this loop for the syscall (io_uring does not). File operations skip the fd's
    // readiness state, which may be stale when a socket with the same number was closed with ::close.
    if (op.code == op_code::read || op.code == op_code::write || op.code == op_code::fsync) {
        if (!attempt(op)) op.res = -EAGAIN;
        return true;
    }
    bool writer = op.code == op_code::send || op.code == op_code::writev || op.code == op_code::connect ||
                  (op.code == op_code::poll && (op.poll_mask & POLLOUT) && !(op.poll_mask & POLLIN));
    fd_state& st = state(op.fd);
    wait_list& list = writer ? st.writers : st.readers;
    // Keep order: if others wait on this direction, queue behind them.
    if (!list.head && (writer ? st.writable : st.readable) && attempt(op)) return true;
    if (op.code == op_code::read || op.code == op_code::write || op.code == op_code::close) return true;
    watch(op.fd);
    enqueue(list, op);
    if (op.has_timeout) {
        op.deadline = std::chrono::steady_clock::now() +
                      std::chrono::seconds(op.ts.tv_sec) + std::chrono::nanoseconds(op.ts.tv_nsec);
        timers_.insert({op.deadline, &op});
    }
    return false;
}

void epoll_backend::cancel(io_op& op) {
    op.cancel_requested = true;
    if (op.code == op_code::sleep) {
        if (timers_.erase({op.deadline, &op})) op.complete(&op, -ECANCELED, 0);
        return;
    }
    if (!op.queued_) return;
    fd_state& st = state(op.fd);
    bool in_writers = false;
    for (io_op* p = st.writers.head; p; p = p->next_) in_writers |= (p == &op);
    unlink(in_writers ? st.writers : st.readers, op);
    finish(op, -ECANCELED);
}

void epoll_backend::drain(wait_list& l) {
    while (io_op* op = l.head) {
        if (!attempt(*op)) break;
        unlink(l, *op);
        finish(*op, op->res);
    }
}

bool epoll_backend::take_buffer(uint16_t& id) {
    if (free_buffers_.empty()) {
        if (buffers_.size() >= max_pool_buffers) return false;
        buffers_.push_back(std::make_unique<char[]>(buffer_size_));
        free_buffers_.push_back(uint16_t(buffers_.size() - 1));
    }
    id = free_buffers_.back();
    free_buffers_.pop_back();
    return true;
}

void epoll_backend::release(uint16_t id) noexcept {
    free_buffers_.push_back(id);
    while (!starved_.empty()) {
        recv_stream* s = starved_.back();
        starved_.pop_back();
        if (!s->stopping_ && read_into(*s)) wake_stream(*s);
    }
}

bool epoll_backend::read_into(recv_stream& s) {
    fd_state& st = state(s.fd);
    if (!st.readable) return false;
    uint16_t id;
    if (!take_buffer(id)) {
        starved_.push_back(&s);
        return false;
    }
    ssize_t n = ::recv(s.fd, buffers_[id].get(), buffer_size_, MSG_DONTWAIT);
    if (n > 0) {
        s.pending_.push_back({int32_t(n), id, true});
        return true;
    }
    free_buffers_.push_back(id);
    if (n < 0 && would_block(errno)) {
        st.readable = false;
        return false;
    }
    s.pending_.push_back({n == 0 ? 0 : -errno, 0, false});
    return true;
}

bool epoll_backend::accept_into(accept_stream& s) {
    fd_state& st = state(s.fd);
    // Take what the backlog holds now, a bounded batch, to spend one wake-up on many connections.
    for (int i = 0; i < 32 && st.readable; ++i) {
        int fd = ::accept4(s.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            s.pending_.push_back({fd, 0, false});
        } else if (would_block(errno)) {
            st.readable = false;
        } else if (errno != ECONNABORTED && errno != EINTR) {
            s.pending_.push_back({-errno, 0, false});
            break;
        }
    }
    return s.has_pending();
}

bool epoll_backend::stream_next(accept_stream& s) {
    if (s.has_pending()) return true;
    if (s.stopping_) return false;
    state(s.fd);
    if (accept_into(s)) return true;
    watch(s.fd);
    fd_state& st = state(s.fd);
    st.stream = &s;
    st.stream_is_accept = true;
    s.armed_ = true;
    return false;
}

bool epoll_backend::stream_next(recv_stream& s) {
    if (s.has_pending()) return true;
    if (s.stopping_) return false;
    state(s.fd);
    if (read_into(s)) return true;
    watch(s.fd);
    fd_state& st = state(s.fd);
    st.stream = &s;
    st.stream_is_accept = false;
    s.armed_ = true;
    return false;
}

void epoll_backend::stream_stop(io_stream& s) {
    s.stopping_ = true;
    std::erase(starved_, static_cast<recv_stream*>(&s));
    if (size_t(s.fd) < fds_.size() && fds_[size_t(s.fd)].stream == &s) fds_[size_t(s.fd)].stream = nullptr;
    s.armed_ = false;
    wake_stream(s);
}

void epoll_backend::forget_fd(int fd) noexcept {
    if (fd < 0 || size_t(fd) >= fds_.size()) return;
    fd_state& st = fds_[size_t(fd)];
    if (st.registered) ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
    for (wait_list* l : {&st.readers, &st.writers}) {
        while (io_op* op = l->head) {
            unlink(*l, *op);
            finish(*op, -EBADF);
        }
    }
    io_stream* s = st.stream;
    st = fd_state{};
    if (s) {
        s->armed_ = false;
        wake_stream(*s);
    }
}

void epoll_backend::watch_wakeup(int event_fd) {
    wake_fd_ = event_fd;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = event_fd;
    ::epoll_ctl(epfd_, EPOLL_CTL_ADD, event_fd, &ev);
}

void epoll_backend::expire_timers(std::chrono::steady_clock::time_point now) {
    while (!timers_.empty() && timers_.begin()->first <= now) {
        io_op* op = timers_.begin()->second;
        timers_.erase(timers_.begin());
        if (op->code == op_code::sleep) {
            op->complete(op, 0, 0);
        } else {
            fd_state& st = state(op->fd);
            bool in_writers = false;
            for (io_op* p = st.writers.head; p; p = p->next_) in_writers |= (p == op);
            unlink(in_writers ? st.writers : st.readers, *op);
            op->complete(op, -ETIMEDOUT, 0);
        }
    }
}

int epoll_backend::wait(std::chrono::nanoseconds timeout) {
    auto now = std::chrono::steady_clock::now();
    if (!timers_.empty()) {
        auto until = timers_.begin()->first - now;
        if (until < timeout) timeout = std::max(until, std::chrono::nanoseconds{0});
    }
    epoll_event events[256];
    timespec ts{time_t(timeout.count() / 1'000'000'000), long(timeout.count() % 1'000'000'000)};
    int n = ::epoll_pwait2(epfd_, events, 256, &ts, nullptr);
    if (n < 0 && errno == ENOSYS) {
        int ms = int((timeout.count() + 999'999) / 1'000'000);
        n = ::epoll_wait(epfd_, events, 256, ms);
    }
    int handled = 0;
    for (int i = 0; i < n; ++i) {
        int fd = events[i].data.fd;
        uint32_t ev = events[i].events;
        if (fd == wake_fd_) {
            uint64_t v;
            [[maybe_unused]] auto r = ::read(wake_fd_, &v, sizeof v);
            continue;
        }
        ++handled;
        fd_state& st = state(fd);
        bool failed = ev & (EPOLLERR | EPOLLHUP);
        if (ev & (EPOLLIN | EPOLLRDHUP) || failed) st.readable = true;
        if (ev & EPOLLOUT || failed) st.writable = true;
        if (st.writable) drain(st.writers);
        if (st.readable) {
            drain(st.readers);
            if (io_stream* s = st.stream; s && s->waiter_) {
                bool got = st.stream_is_accept ? accept_into(*static_cast<accept_stream*>(s))
                                               : read_into(*static_cast<recv_stream*>(s));
                if (got) {
                    s->armed_ = false;
                    st.stream = nullptr;
                    wake_stream(*s);
                }
            }
        }
    }
    expire_timers(std::chrono::steady_clock::now());
    return handled;
}

}  // namespace tallyhub
