#include "core/uring_backend.hpp"

#include <poll.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>

namespace tallyhub {

namespace {

// Ring set-up attempts, best first. DEFER_TASKRUN runs completion work only when we ask for events
// (no interrupts of the loop); SINGLE_ISSUER lets the kernel skip submission locking.
constexpr unsigned setup_attempts[] = {
    IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQSIZE,
    IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_CQSIZE,
    IORING_SETUP_CQSIZE,
    0,
};

struct needed_op {
    int opcode;
    const char* name;
};
constexpr needed_op needed_ops[] = {
    {IORING_OP_ACCEPT, "ACCEPT"},     {IORING_OP_RECV, "RECV"},
    {IORING_OP_SEND, "SEND"},         {IORING_OP_SENDMSG, "SENDMSG"},
    {IORING_OP_CONNECT, "CONNECT"},   {IORING_OP_POLL_ADD, "POLL_ADD"},
    {IORING_OP_TIMEOUT, "TIMEOUT"},   {IORING_OP_LINK_TIMEOUT, "LINK_TIMEOUT"},
    {IORING_OP_ASYNC_CANCEL, "ASYNC_CANCEL"}, {IORING_OP_READ, "READ"},
    {IORING_OP_WRITE, "WRITE"},       {IORING_OP_CLOSE, "CLOSE"},
    {IORING_OP_FSYNC, "FSYNC"},
};

constexpr uint16_t buffer_group = 0;

}  // namespace

result<std::unique_ptr<io_backend>> uring_backend::create(const reactor_options& opts, std::string* note) {
    std::unique_ptr<uring_backend> b(new uring_backend());
    int rc = -ENOSYS;
    for (unsigned flags : setup_attempts) {
        io_uring_params p{};
        p.flags = flags;
        p.cq_entries = opts.ring_entries * 4;
        rc = io_uring_queue_init_params(opts.ring_entries, &b->ring_, &p);
        if (rc == 0) {
            if (note) {
                *note = (flags & IORING_SETUP_DEFER_TASKRUN) ? "io_uring (single issuer, deferred task run)"
                        : flags & IORING_SETUP_COOP_TASKRUN   ? "io_uring (cooperative task run)"
                                                              : "io_uring (basic set-up)";
            }
            break;
        }
        if (rc != -EINVAL) break;  // EPERM/ENOSYS: refused outright (seccomp, sysctl), no point retrying
    }
    if (rc < 0) {
        if (rc == -EPERM) return error{-rc, "io_uring refused (EPERM: seccomp or kernel.io_uring_disabled)"};
        if (rc == -ENOSYS) return error{-rc, "io_uring not available in this kernel (ENOSYS)"};
        if (rc == -ENOMEM) return error{-rc, "io_uring set-up failed: out of locked memory (ENOMEM)"};
        return error{-rc, "io_uring set-up failed"};
    }
    b->ring_ready_ = true;

    io_uring_probe* probe = io_uring_get_probe_ring(&b->ring_);
    if (!probe) return error{ENOSYS, "io_uring opcode probe failed (kernel older than 5.6)"};
    static thread_local std::string missing;
    missing.clear();
    for (auto& op : needed_ops) {
        if (!io_uring_opcode_supported(probe, op.opcode)) missing += std::string(missing.empty() ? "" : ", ") + op.name;
    }
    io_uring_free_probe(probe);
    if (!missing.empty()) {
        if (note) *note = "io_uring lacks opcodes: " + missing;
        return error{ENOSYS, "io_uring lacks opcodes tallyhub needs (see log)"};
    }

    // Provided-buffer ring: the kernel picks a buffer only when bytes arrive on a socket.
    unsigned count = 1;
    while (count < opts.buffer_count && count < 32768) count <<= 1;
    b->buffer_count_ = count;
    b->buffer_size_ = opts.buffer_size;
    b->buf_ring_bytes_ = count * sizeof(io_uring_buf);
    void* ring_mem = ::mmap(nullptr, b->buf_ring_bytes_, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (ring_mem == MAP_FAILED) return error{errno, "mmap of the buffer ring failed"};
    b->buf_ring_ = static_cast<io_uring_buf_ring*>(ring_mem);
    b->buffers_bytes_ = size_t(count) * opts.buffer_size;
    void* buf_mem = ::mmap(nullptr, b->buffers_bytes_, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (buf_mem == MAP_FAILED) return error{errno, "mmap of receive buffers failed"};
    b->buffers_ = static_cast<char*>(buf_mem);

    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<uint64_t>(b->buf_ring_);
    reg.ring_entries = count;
    reg.bgid = buffer_group;
    rc = io_uring_register_buf_ring(&b->ring_, &reg, 0);
    if (rc < 0) return error{-rc, "io_uring provided-buffer ring registration failed (kernel < 5.19)"};
    io_uring_buf_ring_init(b->buf_ring_);
    int mask = io_uring_buf_ring_mask(count);
    for (unsigned i = 0; i < count; ++i) {
        io_uring_buf_ring_add(b->buf_ring_, b->buffers_ + size_t(i) * opts.buffer_size, opts.buffer_size, i, mask, i);
    }
    io_uring_buf_ring_advance(b->buf_ring_, count);
    b->free_buffers_ = count;
    return std::unique_ptr<io_backend>(std::move(b));
}

uring_backend::~uring_backend() {
    if (ring_ready_) {
        if (buf_ring_) io_uring_unregister_buf_ring(&ring_, buffer_group);
        io_uring_queue_exit(&ring_);
    }
    if (buf_ring_) ::munmap(buf_ring_, buf_ring_bytes_);
    if (buffers_) ::munmap(buffers_, buffers_bytes_);
}

io_uring_sqe* uring_backend::sqe() {
    io_uring_sqe* s = io_uring_get_sqe(&ring_);
    while (!s) {
        io_uring_submit(&ring_);
        s = io_uring_get_sqe(&ring_);
    }
    return s;
}

bool uring_backend::start(io_op& op) {
    if (!op.complete) op.complete = &complete_io_op;
    op.cancel_requested = false;
    io_uring_sqe* s = sqe();
    switch (op.code) {
    case op_code::accept: io_uring_prep_accept(s, op.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC); break;
    case op_code::recv: io_uring_prep_recv(s, op.fd, op.buf, op.len, op.msg_flags); break;
    case op_code::send: io_uring_prep_send(s, op.fd, op.buf, op.len, op.msg_flags | MSG_NOSIGNAL); break;
    case op_code::writev:
        op.msg = msghdr{};
        op.msg.msg_iov = const_cast<iovec*>(op.iov);
        op.msg.msg_iovlen = op.iovcnt;
        io_uring_prep_sendmsg(s, op.fd, &op.msg, MSG_NOSIGNAL);
        break;
    case op_code::connect: io_uring_prep_connect(s, op.fd, op.addr, op.addrlen); break;
    case op_code::poll: io_uring_prep_poll_add(s, op.fd, op.poll_mask); break;
    case op_code::sleep: io_uring_prep_timeout(s, &op.ts, 0, 0); break;
    case op_code::read: io_uring_prep_read(s, op.fd, op.buf, op.len, op.offset); break;
    case op_code::write: io_uring_prep_write(s, op.fd, op.buf, op.len, op.offset); break;
    case op_code::close: io_uring_prep_close(s, op.fd); break;
    case op_code::fsync: io_uring_prep_fsync(s, op.fd, op.datasync ? IORING_FSYNC_DATASYNC : 0); break;
    }
    io_uring_sqe_set_data(s, static_cast<completion*>(&op));
    if (op.has_timeout && op.code != op_code::sleep) {
        s->flags |= IOSQE_IO_LINK;
        io_uring_sqe* t = sqe();
        io_uring_prep_link_timeout(t, &op.ts, 0);
        io_uring_sqe_set_data64(t, 0);
    }
    return false;
}

void uring_backend::cancel(io_op& op) {
    op.cancel_requested = true;
    io_uring_sqe* s = sqe();
    io_uring_prep_cancel(s, static_cast<completion*>(&op), 0);
    io_uring_sqe_set_data64(s, 0);
}

bool uring_backend::stream_next(accept_stream& s) {
    if (s.has_pending()) return true;
    if (!s.armed_ && !s.stopping_) {
        s.complete = &complete_accept;
        io_uring_sqe* q = sqe();
        io_uring_prep_multishot_accept(q, s.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        io_uring_sqe_set_data(q, static_cast<completion*>(&s));
        s.armed_ = true;
    }
    return false;
}

void uring_backend::arm_recv(recv_stream& s) {
    s.complete = &complete_recv;
    io_uring_sqe* q = sqe();
    io_uring_prep_recv_multishot(q, s.fd, nullptr, 0, 0);
    q->flags |= IOSQE_BUFFER_SELECT;
    q->buf_group = buffer_group;
    io_uring_sqe_set_data(q, static_cast<completion*>(&s));
    s.armed_ = true;
    s.exhausted_ = false;
}

bool uring_backend::stream_next(recv_stream& s) {
    if (s.has_pending()) return true;
    if (!s.armed_ && !s.stopping_) {
        if (s.exhausted_ && free_buffers_ == 0) {
            starved_.push_back(&s);  // re-armed by release() once a buffer is back
        } else {
            arm_recv(s);
        }
    }
    return false;
}

void uring_backend::stream_stop(io_stream& s) {
    s.stopping_ = true;
    std::erase(starved_, static_cast<recv_stream*>(&s));
    if (!s.armed_) {
        wake_stream(s);
        return;
    }
    io_uring_sqe* q = sqe();
    io_uring_prep_cancel(q, static_cast<completion*>(&s), 0);
    io_uring_sqe_set_data64(q, 0);
}

char* uring_backend::buffer_data(uint16_t id) noexcept { return buffers_ + size_t(id) * buffer_size_; }

void uring_backend::release(uint16_t id) noexcept {
    io_uring_buf_ring_add(buf_ring_, buffer_data(id), buffer_size_, id, io_uring_buf_ring_mask(buffer_count_), 0);
    io_uring_buf_ring_advance(buf_ring_, 1);
    ++free_buffers_;
    while (!starved_.empty()) {
        recv_stream* s = starved_.back();
        starved_.pop_back();
        if (!s->armed_ && !s->stopping_) arm_recv(*s);
    }
}

void uring_backend::complete_accept(completion* c, int32_t res, uint32_t flags) {
    auto* s = static_cast<accept_stream*>(c);
    if (!(flags & IORING_CQE_F_MORE)) s->armed_ = false;
    // A cancelled stream reports nothing: its owner asked for the stop.
    if (!(res == -ECANCELED && s->stopping_)) s->pending_.push_back({res, 0, false});
    wake_stream(*s);
}

void uring_backend::complete_recv(completion* c, int32_t res, uint32_t flags) {
    auto* s = static_cast<recv_stream*>(c);
    if (!(flags & IORING_CQE_F_MORE)) s->armed_ = false;
    if (flags & IORING_CQE_F_BUFFER) {
        auto* self = static_cast<uring_backend*>(&reactor::current().backend());
        --self->free_buffers_;
        s->pending_.push_back({res, uint16_t(flags >> IORING_CQE_BUFFER_SHIFT), true});
    } else if (res == -ENOBUFS) {
        // Every buffer is in use. An owner that is waiting gets the stream re-armed as soon as a
        // buffer comes back; one that is busy re-arms when it next asks.
        s->exhausted_ = true;
        if (s->waiter_ && !s->has_pending() && !s->stopping_ && !s->armed_) {
            auto* self = static_cast<uring_backend*>(&reactor::current().backend());
            if (self->free_buffers_ > 0) self->arm_recv(*s);
            else self->starved_.push_back(s);
        }
    } else if (!(res == -ECANCELED && s->stopping_)) {
        s->pending_.push_back({res, 0, false});
    }
    wake_stream(*s);
}

void uring_backend::complete_wakeup(completion* c, int32_t, uint32_t) {
    auto* w = static_cast<wakeup*>(c);
    io_uring_sqe* s = w->self->sqe();
    io_uring_prep_read(s, w->fd, &w->value, sizeof w->value, 0);
    io_uring_sqe_set_data(s, static_cast<completion*>(w));
}

void uring_backend::watch_wakeup(int event_fd) {
    wakeup_.self = this;
    wakeup_.fd = event_fd;
    wakeup_.complete = &complete_wakeup;
    complete_wakeup(&wakeup_, 0, 0);
}

int uring_backend::wait(std::chrono::nanoseconds timeout) {
    if (timeout.count() > 0) {
        __kernel_timespec ts = to_timespec(timeout);
        io_uring_cqe* cqe = nullptr;
        int rc = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
        (void)rc;  // -ETIME: nothing happened; -EINTR: a signal; completions are read below either way
    } else {
        io_uring_submit_and_get_events(&ring_);
    }
    unsigned head;
    unsigned n = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(&ring_, head, cqe) {
        ++n;
        if (cqe->user_data == 0) continue;  // cancel requests and link timeouts
        auto* c = reinterpret_cast<completion*>(cqe->user_data);
        c->complete(c, cqe->res, cqe->flags);
    }
    io_uring_cq_advance(&ring_, n);
    return int(n);
}

}  // namespace tallyhub
