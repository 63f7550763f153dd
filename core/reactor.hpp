#pragma once
// The per-core event loop. One reactor per thread, pinned to its core, owning one I/O backend.
//
// A loop turn:
//   1. wait for completions (not at all if work is ready; else until the next timer or a wake-up);
//      backends record results and put the waiting coroutines on the ready queue;
//   2. run cross-core messages (core/smp.hpp) and resume every ready coroutine;
//   3. flush: every object that asked with `defer_flush` (corked connection output) writes once.
// Coroutines are resumed from the ready queue after the completion batch, never inside it.

#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/io_backend.hpp"
#include "core/result.hpp"
#include "core/task.hpp"
#include "core/timer_wheel.hpp"

namespace tallyhub {

enum class backend_kind { uring, epoll, automatic };

/// Parses "uring", "epoll" or "auto".
result<backend_kind> parse_backend_kind(std::string_view s);

/// Something with corked output, flushed once per loop turn before the reactor sleeps.
class flushable {
public:
    virtual void flush() noexcept = 0;

protected:
    ~flushable() = default;

private:
    friend class reactor;
    bool flush_queued_ = false;
};

/// Something with a coarse deadline on the reactor's timer wheel: embed a timer_wheel::entry whose
/// owner is this object; on_deadline() runs on the reactor thread when it expires.
class deadline_target {
public:
    virtual void on_deadline() noexcept = 0;

protected:
    ~deadline_target() = default;
};

struct reactor_options {
    backend_kind backend = backend_kind::automatic;
    unsigned ring_entries = 4096;     // io_uring submission queue size
    unsigned buffer_count = 1024;     // receive buffers per core (power of two for io_uring)
    unsigned buffer_size = 16384;     // bytes per receive buffer
};

class reactor {
public:
    /// Creates the reactor for `core_id` on the calling thread's behalf. With backend_kind::automatic,
    /// io_uring is tried first and epoll used when io_uring is refused; `note` says why.
    static result<std::unique_ptr<reactor>> create(int core_id, const reactor_options& opts,
                                                   std::string* note = nullptr);
    ~reactor();
    reactor(const reactor&) = delete;
    reactor& operator=(const reactor&) = delete;

    /// The reactor running on this thread (only valid on reactor threads, inside run()).
    static reactor& current() noexcept { return *current_; }
    static bool on_reactor_thread() noexcept { return current_ != nullptr; }

    int core() const noexcept { return core_; }
    io_backend& backend() noexcept { return *backend_; }
    const char* backend_name() const noexcept { return backend_->name(); }

    /// Queues a coroutine to resume in this loop turn's run phase.
    void schedule(std::coroutine_handle<> h) { ready_.push_back(h); }
    /// Runs `t` to completion without anyone awaiting it; the frame frees itself at the end.
    void spawn(task<void> t);
    /// Number of spawned tasks still running (drain waits for this to reach zero).
    size_t live_tasks() const noexcept { return live_tasks_; }

    /// Asks for `f.flush()` before the loop next sleeps (once, however often it is called).
    void defer_flush(flushable& f);
    /// Forgets a pending flush of `f` (call before destroying an object that may have asked for one).
    void cancel_flush(flushable& f) noexcept;

    /// Runs the loop on the calling thread until stop() has been called and the turn ends.
    void run();
    /// Ends run() after the current turn. Thread-safe.
    void stop() noexcept;
    bool stopping() const noexcept { return stop_.load(std::memory_order_relaxed); }

    /// Wakes the loop if it sleeps. Thread-safe; cheap when the loop is awake.
    void wake() noexcept;

    /// Called each turn to move cross-core messages (installed by core/smp.hpp). Returns true when
    /// it ran something; `has_work` must tell (thread-safe) whether messages wait, for the sleep check.
    using poll_fn = bool (*)(void* ctx);
    void set_mailbox(poll_fn run, poll_fn has_work, void* ctx) {
        mailbox_run_ = run;
        mailbox_has_work_ = has_work;
        mailbox_ctx_ = ctx;
    }

    /// The per-core wheel for idle, keep-alive and handshake deadlines (100 ms resolution). Entries'
    /// owners must be deadline_target objects.
    timer_wheel& deadlines() noexcept { return wheel_; }

    /// Steady-clock time of the start of this loop turn (cheap to read, coarse).
    std::chrono::steady_clock::time_point now() const noexcept { return now_; }
    /// Steady time of the last loop turn, published for health checks on other threads.
    int64_t heartbeat_ns() const noexcept { return heartbeat_ns_.load(std::memory_order_relaxed); }
    /// Upper bound on how long the loop sleeps without a timer (so the heartbeat keeps moving).
    static constexpr std::chrono::milliseconds max_sleep{250};

    /// Loop turns and completions handled so far (single writer: this reactor).
    uint64_t turns() const noexcept { return turns_.load(std::memory_order_relaxed); }

private:
    reactor(int core_id, std::unique_ptr<io_backend> backend, int wake_fd);
    void run_ready();
    void run_flushes();
    friend void detail::detached_task_done() noexcept;

    static thread_local reactor* current_;
    int core_;
    std::unique_ptr<io_backend> backend_;
    int wake_fd_;
    std::vector<std::coroutine_handle<>> ready_;
    std::vector<std::coroutine_handle<>> running_;
    std::vector<flushable*> flush_;
    std::vector<flushable*> flushing_;
    size_t live_tasks_ = 0;
    poll_fn mailbox_run_ = nullptr;
    poll_fn mailbox_has_work_ = nullptr;
    void* mailbox_ctx_ = nullptr;
    std::chrono::steady_clock::time_point now_;
    timer_wheel wheel_;
    std::atomic<bool> stop_{false};
    std::atomic<bool> sleeping_{false};
    std::atomic<int64_t> heartbeat_ns_{0};
    std::atomic<uint64_t> turns_{0};
};

}  // namespace tallyhub
