#pragma once
// io_uring backend: one ring per reactor thread, created on that thread (SINGLE_ISSUER and
// DEFER_TASKRUN tie the ring to its creator), with a provided-buffer ring for multishot recv.

#include <liburing.h>

#include <memory>
#include <string>
#include <vector>

#include "core/io_backend.hpp"
#include "core/reactor.hpp"
#include "core/result.hpp"

namespace tallyhub {

class uring_backend final : public io_backend {
public:
    /// Sets up the ring (with fallbacks for older kernels) and checks every opcode tallyhub uses.
    /// On failure the error says what was refused; `note` receives the flags that were accepted.
    static result<std::unique_ptr<io_backend>> create(const reactor_options& opts, std::string* note);
    ~uring_backend() override;

    const char* name() const noexcept override { return "uring"; }
    bool start(io_op& op) override;
    void cancel(io_op& op) override;
    bool stream_next(accept_stream& s) override;
    bool stream_next(recv_stream& s) override;
    void stream_stop(io_stream& s) override;
    char* buffer_data(uint16_t buffer_id) noexcept override;
    void release(uint16_t buffer_id) noexcept override;
    void forget_fd(int) noexcept override {}
    void watch_wakeup(int event_fd) override;
    int wait(std::chrono::nanoseconds timeout) override;

private:
    uring_backend() = default;
    io_uring_sqe* sqe();
    void arm_recv(recv_stream& s);
    static void complete_accept(completion* c, int32_t res, uint32_t flags);
    static void complete_recv(completion* c, int32_t res, uint32_t flags);
    static void complete_wakeup(completion* c, int32_t res, uint32_t flags);

    io_uring ring_{};
    bool ring_ready_ = false;
    io_uring_buf_ring* buf_ring_ = nullptr;
    size_t buf_ring_bytes_ = 0;
    char* buffers_ = nullptr;
    size_t buffers_bytes_ = 0;
    unsigned buffer_count_ = 0;
    unsigned buffer_size_ = 0;
    unsigned free_buffers_ = 0;
    std::vector<recv_stream*> starved_;  // streams that ran out of buffers while their owner waits

    struct wakeup : completion {
        uring_backend* self;
        int fd = -1;
        uint64_t value = 0;
    } wakeup_{};
};

}  // namespace tallyhub
