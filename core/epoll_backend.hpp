#pragma once
// epoll backend: the same completion interface as io_uring, built on readiness. An operation is
// tried at once; when the socket is not ready it waits on the fd's list and is retried when
// edge-triggered epoll reports readiness. Used where io_uring is refused (containers' seccomp
// profiles) or chosen with --io-backend epoll.

#include <chrono>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "core/io_backend.hpp"
#include "core/reactor.hpp"
#include "core/result.hpp"

namespace tallyhub {

class epoll_backend final : public io_backend {
public:
    static result<std::unique_ptr<io_backend>> create(const reactor_options& opts);
    ~epoll_backend() override;

    const char* name() const noexcept override { return "epoll"; }
    bool start(io_op& op) override;
    void cancel(io_op& op) override;
    bool stream_next(accept_stream& s) override;
    bool stream_next(recv_stream& s) override;
    void stream_stop(io_stream& s) override;
    char* buffer_data(uint16_t buffer_id) noexcept override { return buffers_[buffer_id].get(); }
    void release(uint16_t buffer_id) noexcept override;
    void forget_fd(int fd) noexcept override;
    void watch_wakeup(int event_fd) override;
    int wait(std::chrono::nanoseconds timeout) override;

private:
    struct wait_list {
        io_op* head = nullptr;
        io_op* tail = nullptr;
    };
    struct fd_state {
        bool registered = false;
        bool readable = true;   // unknown counts as ready: try the syscall first
        bool writable = true;
        wait_list readers;
        wait_list writers;
        io_stream* stream = nullptr;  // an armed stream waiting for readiness
        bool stream_is_accept = false;
    };

    explicit epoll_backend(int epfd, unsigned buffer_size) : epfd_(epfd), buffer_size_(buffer_size) {}
    fd_state& state(int fd);
    void watch(int fd);
    bool attempt(io_op& op);           // true when the op finished (res set)
    void finish(io_op& op, int32_t res);
    void enqueue(wait_list& l, io_op& op);
    void unlink(wait_list& l, io_op& op);
    void drain(wait_list& l);
    bool take_buffer(uint16_t& id);
    bool read_into(recv_stream& s);    // one recv into a pooled buffer: true when an entry was queued
    bool accept_into(accept_stream& s);
    void expire_timers(std::chrono::steady_clock::time_point now);

    int epfd_;
    int wake_fd_ = -1;
    unsigned buffer_size_;
    std::vector<fd_state> fds_;
    std::vector<std::unique_ptr<char[]>> buffers_;
    std::vector<uint16_t> free_buffers_;
    std::vector<recv_stream*> starved_;
    std::set<std::pair<std::chrono::steady_clock::time_point, io_op*>> timers_;
};

}  // namespace tallyhub
