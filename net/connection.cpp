#include "net/connection.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>

#include "net/net_stats.hpp"

namespace tallyhub::net {

namespace {
constexpr size_t coalesce_limit = 16 * 1024;  // small sends are copied into the tail segment up to this
}

namespace {
std::uint32_t clamp_limit(size_t n) noexcept { return std::uint32_t(std::min<size_t>(n, UINT32_MAX)); }
}  // namespace

connection::connection(int fd, connection_limits limits)
    : fd_(fd), soft_limit_(clamp_limit(limits.output_soft_limit)), hard_limit_(clamp_limit(limits.output_hard_limit)),
      deadline_(static_cast<deadline_target*>(this)) {
    stream_.fd = fd;
}

connection::~connection() {
    assert(!writing_ && !stream_.armed_ && "close() must finish before a connection is destroyed");
    if (fd_ >= 0) {
        reactor::current().backend().forget_fd(fd_);
        ::close(fd_);
    }
}

connection::read_awaiter connection::read() noexcept {
    if (holding_) {
        io::release_buffer(current_);
        holding_ = false;
    }
    return read_awaiter{*this, io::next(stream_)};
}

read_result connection::read_awaiter::await_resume() noexcept {
    stream_entry e = inner.await_resume();
    if (e.res > 0 && e.has_buffer) {
        c.current_ = e;
        c.holding_ = true;
        local_stats().bytes_in.add(uint64_t(e.res));
        recv_chunk chunk = io::chunk_of(e);
        return {std::string_view(chunk.data, chunk.len), e.res};
    }
    io::release_buffer(e);
    return {{}, e.res};
}

send_status connection::admit(size_t n, size_t headroom) {
    if (!open()) return send_status::dropped;
    if (queued_ + n > hard_limit_ + headroom) {
        local_stats().sends_dropped.add();
        return send_status::dropped;
    }
    queued_ += n;
    if (!out_) out_ = std::make_unique<output>();
    reactor::current().defer_flush(*this);
    return queued_ > soft_limit_ ? send_status::backpressure : send_status::ok;
}

send_status connection::send(std::string_view bytes) {
    if (bytes.empty()) return open() ? send_status::ok : send_status::dropped;
    send_status st = admit(bytes.size());
    if (st == send_status::dropped) return st;
    // Coalesce into the tail unless the write in flight points into it (an append may move it).
    auto& segs = out_->segs;
    bool tail_free = segs.size() > out_->in_flight && !segs.back().shared &&
                     segs.back().owned.size() + bytes.size() <= coalesce_limit;
    if (tail_free) {
        segs.back().owned.append(bytes);
    } else {
        segs.push_back(segment{std::string(bytes), {}, 0});
    }
    return st;
}

send_status connection::send_closing(std::string_view bytes) {
    if (bytes.empty()) return open() ? send_status::ok : send_status::dropped;
    send_status st = admit(bytes.size(), closing_headroom);
    if (st != send_status::dropped) out_->segs.push_back(segment{std::string(bytes), {}, 0});
    return st;
}

send_status connection::send(std::string&& bytes) {
    if (bytes.size() < 512) return send(std::string_view(bytes));
    send_status st = admit(bytes.size());
    if (st != send_status::dropped) out_->segs.push_back(segment{std::move(bytes), {}, 0});
    return st;
}

send_status connection::send(shared_bytes bytes) {
    if (bytes.size() == 0) return open() ? send_status::ok : send_status::dropped;
    send_status st = admit(bytes.size());
    if (st != send_status::dropped) out_->segs.push_back(segment{{}, std::move(bytes), 0});
    return st;
}

send_status connection::send_latest(shared_bytes bytes, std::uint8_t kind, bool* conflated) {
    if (conflated) *conflated = false;
    if (kind != 0 && out_ && out_->segs.size() > out_->in_flight && open()) {
        segment& tail = out_->segs.back();
        if (tail.kind == kind && tail.offset == 0) {
            const size_t old_size = tail.size();
            queued_ -= old_size;
            send_status st = admit(bytes.size());
            if (st == send_status::dropped) {
                queued_ += old_size;  // keep the older state rather than nothing
                return st;
            }
            tail.shared = std::move(bytes);
            if (conflated) *conflated = true;
            return st;
        }
    }
    if (bytes.size() == 0) return open() ? send_status::ok : send_status::dropped;
    send_status st = admit(bytes.size());
    if (st != send_status::dropped) out_->segs.push_back(segment{{}, std::move(bytes), 0, kind});
    return st;
}

void connection::flush() noexcept {
    if (!writing_ && has_output() && !failed_ && fd_ >= 0) start_write();
}


// While a write is in flight the segments it covers must not move or change: std::deque keeps
// elements in place on push_back, and send() never appends into a segment being written.
void connection::start_write() {
    uint32_t n = 0;
    iovec* iov = out_->iov;
    for (auto it = out_->segs.begin(); it != out_->segs.end() && n < std::size(out_->iov); ++it, ++n) {
        iov[n].iov_base = const_cast<char*>(it->data() + it->offset);
        iov[n].iov_len = it->size() - it->offset;
    }
    writing_ = true;
    out_->in_flight = n;
    write_op& op = out_->op;
    static_cast<io_op&>(op) = io_op{};
    op.complete = &write_done;
    op.self = this;
    op.fd = fd_;
    if (n == 1) {
        op.code = op_code::send;
        op.buf = iov[0].iov_base;
        op.len = uint32_t(std::min<size_t>(iov[0].iov_len, UINT32_MAX));
    } else {
        op.code = op_code::writev;
        op.iov = iov;
        op.iovcnt = n;
    }
    if (reactor::current().backend().start(op)) on_written(op.res);
}

// on_written may free the output (and the op with it): nothing may touch `c` after the call.
void connection::write_done(completion* c, int32_t res, uint32_t) {
    static_cast<write_op*>(c)->self->on_written(res);
}

void connection::on_written(int32_t res) {
    writing_ = false;
    if (out_) out_->in_flight = 0;
    if (res < 0) {
        if (res == -EAGAIN || res == -EINTR) {
            reactor::current().defer_flush(*this);
            return;
        }
        failed_ = true;  // EPIPE, ECONNRESET...: the peer is gone; queued bytes are discarded
        out_.reset();
        queued_ = 0;
    } else {
        local_stats().bytes_out.add(uint64_t(res));
        size_t left = size_t(res);
        queued_ -= left;
        auto& segs = out_->segs;
        while (left > 0 && !segs.empty()) {
            segment& s = segs.front();
            size_t in_seg = s.size() - s.offset;
            if (left >= in_seg) {
                left -= in_seg;
                segs.pop_front();
            } else {
                s.offset += left;
                left = 0;
            }
        }
        if (!segs.empty()) reactor::current().defer_flush(*this);
        else out_.reset();
    }
    if (!has_output() || failed_) {
        if (drain_waiter_) reactor::current().schedule(std::exchange(drain_waiter_, {}));
    }
    if (write_waiter_ && !writing_) reactor::current().schedule(std::exchange(write_waiter_, {}));
}

task<bool> connection::drain() {
    struct awaiter {
        connection& c;
        bool await_ready() const noexcept { return !c.has_output() || c.failed_ || c.fd_ < 0 || c.timed_out_; }
        void await_suspend(std::coroutine_handle<> h) noexcept { c.drain_waiter_ = h; }
        void await_resume() const noexcept {}
    };
    co_await awaiter{*this};
    co_return !has_output() && !failed_;
}

void connection::set_deadline(timer_wheel::time_point when) { reactor::current().deadlines().schedule(deadline_, when); }

void connection::clear_deadline() noexcept { deadline_.cancel(); }

void connection::on_deadline() noexcept {
    timed_out_ = true;
    local_stats().timeouts.add();
    stop_reading();
    if (drain_waiter_) reactor::current().schedule(std::exchange(drain_waiter_, {}));  // ends a linger
}

void connection::stop_reading() noexcept { io::request_stop(stream_); }

// The order matters: output first (a write in flight points into this core's queue), then the
// receive stream (a multishot recv may still fill this core's buffers; detach_stream keeps those
// bytes), then the backend forgets the fd, so nothing of this core refers to it when another core
// registers it with its own backend.
task<std::optional<handed_socket>> connection::detach(std::string input, std::chrono::milliseconds linger) {
    if (!open() || timed_out_) co_return std::nullopt;
    deadline_.cancel();
    if (holding_) {
        io::release_buffer(current_);
        holding_ = false;
    }
    if (has_output()) {
        set_deadline(reactor::current().now() + linger);
        const bool sent = co_await drain();
        deadline_.cancel();
        if (!sent || timed_out_) co_return std::nullopt;
    }
    const bool still_open = co_await io::detach_stream(stream_, input);
    if (!still_open || !open()) co_return std::nullopt;
    out_.reset();
    queued_ = 0;
    reactor::current().backend().forget_fd(fd_);
    co_return handed_socket(std::exchange(fd_, -1), std::move(input));
}

task<void> connection::close(std::chrono::milliseconds linger) {
    if (fd_ < 0) co_return;
    deadline_.cancel();
    if (holding_) {
        io::release_buffer(current_);
        holding_ = false;
    }
    // Give queued output (an error response, a Close message) a bounded chance to leave.
    if (has_output() && !failed_) {
        // A deadline that already ended the reads must not also cut the linger short (it would
        // discard a 408 or a Close queued after it): the linger gets its own deadline.
        const bool timed_out_before = std::exchange(timed_out_, false);
        set_deadline(reactor::current().now() + linger);
        co_await drain();
        deadline_.cancel();
        timed_out_ = timed_out_ || timed_out_before;
    }
    co_await io::stop_stream(stream_);
    if (writing_) {
        ::shutdown(fd_, SHUT_RDWR);  // makes a write stuck on a full socket buffer fail now
        reactor::current().backend().cancel(out_->op);
        struct awaiter {
            connection& c;
            bool await_ready() const noexcept { return !c.writing_; }
            void await_suspend(std::coroutine_handle<> h) noexcept { c.write_waiter_ = h; }
            void await_resume() const noexcept {}
        };
        co_await awaiter{*this};
    }
    out_.reset();
    queued_ = 0;
    co_await io::close(fd_);
    fd_ = -1;
}

}  // namespace tallyhub::net
