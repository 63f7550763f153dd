// The reactor and its awaiters, on both backends: every test runs once with io_uring, once with epoll.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>

#include "core/io.hpp"
#include "tests/core/reactor_harness.hpp"

namespace tallyhub {
namespace {

using namespace std::chrono_literals;
using tallyhub::testing::run_on_reactor;

class reactor_test : public ::testing::TestWithParam<std::string> {
protected:
    backend_kind kind() const { return tallyhub::testing::backend_param(GetParam()); }
};

struct socket_pair {
    int fd[2] = {-1, -1};
    socket_pair() { EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd), 0); }
    ~socket_pair() {
        for (int f : fd)
            if (f >= 0) ::close(f);
    }
};

int listen_loopback(uint16_t& port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd, 128), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    return fd;
}

TEST_P(reactor_test, reports_its_backend) {
    run_on_reactor(kind(), []() -> task<void> {
        co_return;
    });
    reactor_options o;
    o.backend = kind();
    auto r = reactor::create(0, o);
    ASSERT_TRUE(r.ok());
    EXPECT_STREQ((*r)->backend_name(), GetParam().c_str());
}

task<void> sleeps(std::chrono::steady_clock::duration* took) {
    auto t0 = std::chrono::steady_clock::now();
    int32_t rc = co_await io::sleep(30ms);
    EXPECT_EQ(rc, 0);
    *took = std::chrono::steady_clock::now() - t0;
}

TEST_P(reactor_test, sleep_waits_at_least_its_duration) {
    std::chrono::steady_clock::duration took{};
    run_on_reactor(kind(), [&] { return sleeps(&took); });
    EXPECT_GE(took, 30ms);
    EXPECT_LT(took, 2s);
}

task<void> send_and_receive(int a, int b) {
    const char msg[] = "hello over the loop";
    int32_t n = co_await io::send(a, msg, sizeof msg);
    EXPECT_EQ(n, int32_t(sizeof msg));
    char buf[64] = {};
    n = co_await io::recv(b, buf, sizeof buf);
    EXPECT_EQ(n, int32_t(sizeof msg));
    EXPECT_STREQ(buf, msg);
}

TEST_P(reactor_test, send_then_recv) {
    socket_pair sp;
    run_on_reactor(kind(), [&] { return send_and_receive(sp.fd[0], sp.fd[1]); });
}

task<void> recv_times_out(int fd, int32_t* rc) {
    char buf[16];
    *rc = co_await io::recv(fd, buf, sizeof buf).timeout(20ms);
}

TEST_P(reactor_test, recv_times_out_with_etimedout) {
    socket_pair sp;
    int32_t rc = 0;
    run_on_reactor(kind(), [&] { return recv_times_out(sp.fd[1], &rc); });
    EXPECT_EQ(rc, -ETIMEDOUT);
}

task<void> waits_cancellably(int fd, io::cancel_slot* slot, int32_t* rc) {
    char buf[16];
    *rc = co_await io::recv(fd, buf, sizeof buf).cancel_with(*slot);
}
task<void> cancels_after(io::cancel_slot* slot) {
    co_await io::sleep(10ms);
    EXPECT_TRUE(slot->waiting());
    slot->cancel();
}
task<void> cancel_scenario(int fd, int32_t* rc) {
    io::cancel_slot slot;
    reactor::current().spawn(cancels_after(&slot));
    co_await waits_cancellably(fd, &slot, rc);
    EXPECT_FALSE(slot.waiting());
}

TEST_P(reactor_test, cancelled_recv_completes_with_ecanceled) {
    socket_pair sp;
    int32_t rc = 0;
    run_on_reactor(kind(), [&] { return cancel_scenario(sp.fd[1], &rc); });
    EXPECT_EQ(rc, -ECANCELED);
}

task<void> cancel_sleep_scenario(int32_t* rc) {
    io::cancel_slot slot;
    reactor::current().spawn(cancels_after(&slot));
    auto t0 = std::chrono::steady_clock::now();
    *rc = co_await io::sleep(10s).cancel_with(slot);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}

TEST_P(reactor_test, cancelled_sleep_ends_early) {
    int32_t rc = 0;
    run_on_reactor(kind(), [&] { return cancel_sleep_scenario(&rc); });
    EXPECT_EQ(rc, -ECANCELED);
}

task<void> client_sends(uint16_t port, std::string payload) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    int32_t rc = co_await io::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    EXPECT_EQ(rc, 0);
    rc = co_await io::send(fd, payload.data(), uint32_t(payload.size()));
    EXPECT_EQ(rc, int32_t(payload.size()));
    co_await io::close(fd);
}

// Accepts `clients` connections through a multishot accept stream, reads each to EOF through a
// recv stream (buffers from the pool), and checks every byte arrived.
task<void> serve_streams(int listen_fd, int clients, std::string expected) {
    accept_stream acc;
    acc.fd = listen_fd;
    for (int i = 0; i < clients; ++i) {
        stream_entry e = co_await io::next(acc);
        EXPECT_GE(e.res, 0) << strerror(-e.res);
        if (e.res < 0) break;
        recv_stream rs;
        rs.fd = e.res;
        std::string got;
        for (;;) {
            stream_entry r = co_await io::next(rs);
            if (r.res <= 0) break;
            recv_chunk c = io::chunk_of(r);
            got.append(c.data, c.len);
            io::release_buffer(r);
        }
        EXPECT_EQ(got, expected);
        co_await io::stop_stream(rs);
        co_await io::close(rs.fd);
    }
    co_await io::stop_stream(acc);
    EXPECT_FALSE(acc.armed_);
}

task<void> accept_scenario(int listen_fd, uint16_t port) {
    std::string payload(10000, 'x');
    for (size_t i = 0; i < payload.size(); ++i) payload[i] = char('a' + i % 26);
    for (int i = 0; i < 5; ++i) reactor::current().spawn(client_sends(port, payload));
    co_await serve_streams(listen_fd, 5, payload);
}

// A spawned task counts as live until its body ends, and then its frame (and everything in it) is
// gone: nothing waits around it.
TEST_P(reactor_test, spawned_tasks_free_themselves_when_done) {
    struct tracked {
        int* destroyed;
        ~tracked() { ++*destroyed; }
    };
    static int destroyed;
    destroyed = 0;
    run_on_reactor(kind(), []() -> task<void> {
        reactor& r = reactor::current();
        const size_t before = r.live_tasks();
        auto sleeper = [](std::chrono::milliseconds d) -> task<void> {
            tracked t{&destroyed};
            co_await io::sleep(d);
        };
        for (int i = 0; i < 3; ++i) r.spawn(sleeper(5ms * (i + 1)));
        EXPECT_EQ(r.live_tasks(), before + 3);
        co_await io::sleep(2ms);
        EXPECT_EQ(destroyed, 0);
        EXPECT_EQ(r.live_tasks(), before + 3);
        co_await io::sleep(40ms);
        EXPECT_EQ(destroyed, 3);
        EXPECT_EQ(r.live_tasks(), before);
    });
}

TEST_P(reactor_test, multishot_accept_and_recv_streams) {
    uint16_t port = 0;
    int lfd = listen_loopback(port);
    run_on_reactor(kind(), [&] { return accept_scenario(lfd, port); });
    ::close(lfd);
}

task<void> stop_idle_stream(int fd) {
    recv_stream rs;
    rs.fd = fd;
    struct stopper {
        static task<void> go(recv_stream* s) {
            co_await io::sleep(10ms);
            io::request_stop(*s);
        }
    };
    reactor::current().spawn(stopper::go(&rs));
    stream_entry e = co_await io::next(rs);  // nothing arrives: the stop ends the wait
    EXPECT_EQ(e.res, -ECANCELED);
    EXPECT_FALSE(rs.armed_);
    co_await io::stop_stream(rs);
}

TEST_P(reactor_test, stopping_a_waiting_recv_stream_wakes_its_owner) {
    socket_pair sp;
    run_on_reactor(kind(), [&] { return stop_idle_stream(sp.fd[1]); });
}

task<void> poll_foreign(int read_end, int write_end) {
    struct writer {
        static task<void> go(int fd) {
            co_await io::sleep(10ms);
            EXPECT_EQ(::write(fd, "!", 1), 1);
        }
    };
    reactor::current().spawn(writer::go(write_end));
    int32_t revents = co_await io::poll(read_end, POLLIN);
    EXPECT_TRUE(revents & POLLIN);
}

TEST_P(reactor_test, poll_on_a_foreign_fd) {
    int p[2];
    ASSERT_EQ(::pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
    run_on_reactor(kind(), [&] { return poll_foreign(p[0], p[1]); });
    ::close(p[0]);
    ::close(p[1]);
}

task<void> writev_scenario(int a, int b) {
    iovec iov[3] = {{const_cast<char*>("one "), 4}, {const_cast<char*>("two "), 4}, {const_cast<char*>("three"), 5}};
    int32_t n = co_await io::writev(a, iov, 3);
    EXPECT_EQ(n, 13);
    char buf[32] = {};
    n = co_await io::recv(b, buf, sizeof buf);
    EXPECT_EQ(std::string(buf, size_t(std::max(n, 0))), "one two three");
}

TEST_P(reactor_test, writev_gathers_buffers) {
    socket_pair sp;
    run_on_reactor(kind(), [&] { return writev_scenario(sp.fd[0], sp.fd[1]); });
}

task<void> connect_refused(uint16_t port, int32_t* rc) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    *rc = co_await io::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    co_await io::close(fd);
}

TEST_P(reactor_test, connect_to_a_closed_port_is_refused) {
    uint16_t port = 0;
    int lfd = listen_loopback(port);
    ::close(lfd);  // the port is now closed
    int32_t rc = 0;
    run_on_reactor(kind(), [&] { return connect_refused(port, &rc); });
    EXPECT_EQ(rc, -ECONNREFUSED);
}

INSTANTIATE_TEST_SUITE_P(backends, reactor_test, ::testing::Values("uring", "epoll"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace tallyhub
