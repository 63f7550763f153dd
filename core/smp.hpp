#pragma once
// smp: the reactor threads, one per core, pinned, and the message passing between them.
//
// Core i sends to core j through ring[i][j], a bounded SPSC ring, then wakes j's loop (an eventfd
// write, made only when j sleeps). A full ring never loses a message: the sender keeps it in a
// core-local overflow list and retries each loop turn. Threads that are not reactors (main, signal
// handling) use a small locked queue per core: control traffic only, never the data path.
//
// invoke_on(core, fn) runs fn on another core and resumes the caller on its own core with the result.

#include <atomic>
#include <coroutine>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "core/reactor.hpp"
#include "core/result.hpp"
#include "core/spsc_ring.hpp"
#include "core/task.hpp"

namespace tallyhub {

/// A unit of work sent to another core.
struct cross_message {
    virtual ~cross_message() = default;
    virtual void run() = 0;
};
using message_ptr = std::unique_ptr<cross_message>;

template <typename Fn>
message_ptr make_message(Fn&& fn) {
    struct impl final : cross_message {
        std::decay_t<Fn> fn;
        explicit impl(Fn&& f) : fn(std::forward<Fn>(f)) {}
        void run() override { fn(); }
    };
    return std::make_unique<impl>(std::forward<Fn>(fn));
}

struct smp_options {
    unsigned cores = 1;
    bool pin = true;
    reactor_options reactor;
    size_t ring_capacity = 1024;
};

class smp {
public:
    explicit smp(smp_options opts);
    ~smp();
    smp(const smp&) = delete;
    smp& operator=(const smp&) = delete;

    /// Starts the threads; each creates and runs its reactor. Fails (and stops what started) when a
    /// reactor cannot be created, e.g. io_uring refused with --io-backend uring.
    result<void> start();
    /// Asks every reactor to stop, and joins the threads.
    void stop_and_join();

    unsigned count() const noexcept { return unsigned(cores_.size()); }
    /// The reactor of `core` (valid after start): for its thread-safe members and for its own thread.
    reactor& at(unsigned core) noexcept { return *cores_[core]->reactor_; }
    /// What the first reactor said about its backend set-up (e.g. why io_uring was not used).
    const std::string& backend_note() const noexcept { return note_; }

    /// The smp of the calling reactor thread.
    static smp& current() noexcept { return *current_; }

    /// Runs `fn` on `core`. From a reactor thread: lock-free ring; from any other thread: locked queue.
    void submit_to(unsigned core, message_ptr msg);
    template <typename Fn>
    void submit_to(unsigned core, Fn&& fn) {
        submit_to(core, make_message(std::forward<Fn>(fn)));
    }

    /// From a reactor thread: runs `fn()` on `core` and resumes the caller with its result.
    template <typename Fn, typename R = std::invoke_result_t<Fn>>
    task<R> invoke_on(unsigned core, Fn fn);

private:
    struct per_core {
        std::unique_ptr<reactor> reactor_;
        std::thread thread_;
        std::vector<std::unique_ptr<spsc_ring<message_ptr>>> inbox_;  // inbox_[src]
        std::vector<std::deque<message_ptr>> overflow_;                // overflow_[dst], owned by this core
        std::atomic<bool> has_overflow_{false};
        std::mutex external_mutex_;
        std::deque<message_ptr> external_;
        std::atomic<bool> has_external_{false};
    };

    void thread_main(unsigned core);
    static bool mailbox_run(void* ctx);
    static bool mailbox_has_work(void* ctx);
    bool drain_inbox(unsigned core);

    static thread_local smp* current_;
    static thread_local unsigned current_core_;
    smp_options opts_;
    std::vector<std::unique_ptr<per_core>> cores_;
    std::vector<int> cpus_;
    std::string note_;
    std::atomic<unsigned> started_{0};
    std::atomic<unsigned> failed_{0};
    std::string failure_;
    std::mutex failure_mutex_;
};

namespace detail {
template <typename R>
struct invoke_slot {
    std::optional<R> value;
    R take() { return std::move(*value); }
    template <typename Fn>
    void fill(Fn& fn) { value.emplace(fn()); }
};
template <>
struct invoke_slot<void> {
    void take() {}
    template <typename Fn>
    void fill(Fn& fn) { fn(); }
};
}  // namespace detail

template <typename Fn, typename R>
task<R> smp::invoke_on(unsigned core, Fn fn) {
    if (core == current_core_) co_return fn();
    struct awaiter {
        smp* self;
        unsigned target;
        unsigned origin;
        Fn* fn;
        detail::invoke_slot<R> slot;
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<> h) {
            self->submit_to(target, [this, h] {
                slot.fill(*fn);
                self->submit_to(origin, [h] { reactor::current().schedule(h); });
            });
        }
        R await_resume() { return slot.take(); }
    };
    co_return co_await awaiter{this, core, current_core_, &fn, {}};
}

}  // namespace tallyhub
