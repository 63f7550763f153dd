#pragma once
// Real reactor cores (core/smp.hpp) for tests of cross-core behaviour, driven from the test's own
// thread: run a function on a core and wait for its result, run a task there to its end, and a
// blocking client over socketpairs whose server ends a core's HTTP server accepts.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>

#include "core/smp.hpp"
#include "net/net_stats.hpp"
#include "tests/core/reactor_harness.hpp"

namespace tallyhub::testing {

class smp_harness {
public:
    /// Starts `cores` reactors on `kind`; check ok() (io_uring may be refused here).
    explicit smp_harness(backend_kind kind, unsigned cores = 2) {
        net::init_net_stats(cores);
        smp_options o;
        o.cores = cores;
        o.pin = false;
        o.reactor.backend = kind;
        o.reactor.buffer_count = 64;
        o.reactor.buffer_size = 4096;
        smp_ = std::make_unique<smp>(o);
        auto r = smp_->start();
        if (!r) why_ = std::string(r.err().reason);
    }
    ~smp_harness() { stop(); }

    bool ok() const noexcept { return why_.empty(); }
    const std::string& why() const noexcept { return why_; }
    smp& cores() noexcept { return *smp_; }

    /// Runs `fn()` on `core` and returns its result.
    template <typename Fn, typename R = std::invoke_result_t<Fn>>
    R on(unsigned core, Fn fn) {
        std::promise<R> done;
        auto f = done.get_future();
        smp_->submit_to(core, [&] {
            if constexpr (std::is_void_v<R>) {
                fn();
                done.set_value();
            } else {
                done.set_value(fn());
            }
        });
        return f.get();
    }

    /// Spawns `t` on `core` and waits up to `within` for it to end; false when it did not.
    bool run(unsigned core, task<void> t, std::chrono::milliseconds within = std::chrono::seconds(10)) {
        std::atomic<bool> finished{false};
        on(core, [&] { reactor::current().spawn(signal_end(std::move(t), &finished)); });
        return wait_for([&] { return finished.load(); }, within);
    }

    /// Waits until every core runs no spawned task (bounded); false when some still run.
    bool idle(std::chrono::milliseconds within = std::chrono::seconds(5)) {
        return wait_for(
            [&] {
                for (unsigned i = 0; i < smp_->count(); ++i)
                    if (on(i, [] { return reactor::current().live_tasks(); }) != 0) return false;
                return true;
            },
            within);
    }

    /// Stops the reactors (once).
    void stop() {
        if (smp_) smp_->stop_and_join();
    }
    /// Destroys the reactors and what their queues still hold.
    void destroy() {
        stop();
        smp_.reset();
    }

    template <typename Pred>
    static bool wait_for(Pred pred, std::chrono::milliseconds within) {
        auto deadline = std::chrono::steady_clock::now() + within;
        while (!pred()) {
            if (std::chrono::steady_clock::now() >= deadline) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return true;
    }

private:
    static task<void> signal_end(task<void> t, std::atomic<bool>* finished) {
        co_await std::move(t);
        finished->store(true);
    }

    std::unique_ptr<smp> smp_;
    std::string why_;
};

/// A connected socketpair: `server` non-blocking (for a reactor), `client` blocking (for the test).
struct socket_pair {
    int server = -1;
    int client = -1;
};

inline socket_pair make_socket_pair() {
    int sv[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    ::fcntl(sv[0], F_SETFL, ::fcntl(sv[0], F_GETFL) | O_NONBLOCK);
    return {sv[0], sv[1]};
}

/// Writes all of `bytes` to a blocking socket.
inline void write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        ASSERT_GT(n, 0) << "send failed";
        bytes.remove_prefix(std::size_t(n));
    }
}

/// Reads what arrives within `within` (or until `enough` bytes); `eof` tells whether the stream ended.
inline std::string read_some(int fd, std::chrono::milliseconds within, std::size_t enough = SIZE_MAX,
                             bool* eof = nullptr) {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + within;
    if (eof) *eof = false;
    while (out.size() < enough) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, int(left.count())) <= 0) break;
        char buf[4096];
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            if (eof) *eof = true;
            break;
        }
        out.append(buf, std::size_t(n));
    }
    return out;
}

/// Reads until the peer ends the stream (bounded); `eof` tells whether it did.
inline std::string read_to_end(int fd, std::chrono::milliseconds within = std::chrono::seconds(5), bool* eof = nullptr) {
    bool ended = false;
    std::string out = read_some(fd, within, SIZE_MAX, &ended);
    if (eof) *eof = ended;
    return out;
}

}  // namespace tallyhub::testing
