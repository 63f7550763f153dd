// Moving a request's socket to another core (net/http_handoff.cpp) on two real reactor cores, for
// each I/O backend: the bytes read past the request and those arriving during the move reach the
// adopting core in order, earlier pipelined responses leave first, each core's connection count
// stays right, and a target that is draining, full or gone closes the socket (once) instead.
// Also a socket taken over for good (exchange::take_socket, what a WebSocket upgrade does): counted
// until its task closes it, and closed, not leaked, when the handler fails after taking it.

#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "core/io.hpp"
#include "net/http_query.hpp"
#include "net/http_server.hpp"
#include "tests/net/smp_harness.hpp"

namespace tallyhub::http {
namespace {

using namespace std::chrono_literals;
using tallyhub::testing::make_socket_pair;
using tallyhub::testing::read_some;
using tallyhub::testing::read_to_end;
using tallyhub::testing::smp_harness;
using tallyhub::testing::write_all;

// What the adopting core runs: reads until `expect` bytes of input arrived, then answers with where
// it runs and what it got, and lets the socket close.
task<void> answer_here(net::connection& conn, std::string input, std::size_t expect) {
    while (input.size() < expect) {
        net::read_result r = co_await conn.read();
        if (r.status <= 0) co_return;
        input.append(r.bytes);
    }
    std::string body = fmt::format("core {} got [{}]", reactor::current().core(), input);
    response_head head;
    head.connection = connection_header::close;
    std::string out;
    append_response(out, head, body);
    conn.send(std::move(out));
}

// GET /move?to=N&expect=M[&wait=MS] hands the socket to core N (after MS milliseconds), which reads
// M bytes more and answers; GET /where answers at once with the core that read it.
task<void> move_handler(exchange& ex) {
    auto q = query_params::parse(ex.req().query);
    const unsigned to = unsigned(std::stoul(std::string(q->get("to").value_or("0"))));
    const std::size_t expect = std::stoul(std::string(q->get("expect").value_or("0")));
    // Bytes that arrive meanwhile land in this core's receive buffers (io_uring's multishot recv).
    if (auto wait = q->get("wait")) co_await io::sleep(std::chrono::milliseconds(std::stoul(std::string(*wait))));
    ex.hand_off(to, [expect](net::connection& c, std::string input) { return answer_here(c, std::move(input), expect); });
    co_return;
}

// GET /own?wait=MS takes the socket for a task of its own, which answers after MS milliseconds and
// closes it; GET /own-fail takes it and throws.
task<void> owned_answer(upgraded_socket s, std::chrono::milliseconds wait) {
    co_await io::sleep(wait);
    response_head head;
    head.connection = connection_header::close;
    std::string out;
    append_response(out, head, "owned");
    s.conn().send(std::move(out));
    co_await s.close();
}

task<void> own_handler(exchange& ex) {
    auto q = query_params::parse(ex.req().query);
    const auto wait = std::chrono::milliseconds(std::stoul(std::string(q->get("wait").value_or("0"))));
    ex.upgrade(owned_answer(ex.take_socket(), wait));
    co_return;
}

task<void> own_fail_handler(exchange& ex) {
    upgraded_socket s = ex.take_socket();
    throw std::runtime_error("failed after taking the socket");
    co_return;
}

class http_handoff_test : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        cores_ = std::make_unique<smp_harness>(tallyhub::testing::backend_param(GetParam()));
        if (!cores_->ok()) GTEST_SKIP() << "SKIPPED: no " << GetParam() << " reactor here: " << cores_->why();
        handler h;
        h.async = [](exchange& ex) { return move_handler(ex); };
        routes_.add(method::get, "/move", h);
        handler where;
        where.sync = [](exchange& ex) { ex.respond(200, "text/plain", fmt::format("core {}", reactor::current().core())); };
        routes_.add(method::get, "/where", where);
        handler own;
        own.async = [](exchange& ex) { return own_handler(ex); };
        routes_.add(method::get, "/own", own);
        handler own_fail;
        own_fail.async = [](exchange& ex) { return own_fail_handler(ex); };
        routes_.add(method::get, "/own-fail", own_fail);
    }
    void TearDown() override {
        if (!cores_->ok()) return;
        for (unsigned i = 0; i < 2; ++i) {
            EXPECT_TRUE(smp_harness::wait_for([&] { return open_on(i) == 0; }, 5s)) << "connections left on core " << i;
        }
        EXPECT_TRUE(cores_->idle()) << "a task is still running";
        for (unsigned i = 0; i < 2; ++i) cores_->on(i, [&, i] { servers_[i].reset(); });
        cores_->destroy();
    }

    void start_servers(std::size_t max_connections = 100) {
        server_options o;
        o.max_connections = max_connections;
        for (unsigned i = 0; i < 2; ++i) cores_->on(i, [&, i] { servers_[i] = std::make_unique<server>(o, &routes_, nullptr); });
    }
    // A client whose connection core `core`'s server accepted.
    int client_on(unsigned core) {
        auto p = make_socket_pair();
        cores_->on(core, [&] { servers_[core]->accept(p.server); });
        return p.client;
    }
    std::size_t open_on(unsigned core) {
        return cores_->on(core, [&] { return servers_[core] ? servers_[core]->open_connections() : 0; });
    }
    const net::net_counters& stats(unsigned core) { return net::net_stats().at(core); }

    std::unique_ptr<smp_harness> cores_;
    routes routes_;
    std::array<std::unique_ptr<server>, 2> servers_;
};

TEST_P(http_handoff_test, the_adopting_core_gets_the_bytes_read_past_the_request_and_later_ones_in_order) {
    start_servers();
    int fd = client_on(0);
    // "EXT" comes with the request (core 0 reads it), "RA" while the handler waits, "!" after the move.
    write_all(fd, "GET /move?to=1&expect=6&wait=100 HTTP/1.1\r\nHost: t\r\n\r\nEXT");
    std::this_thread::sleep_for(30ms);
    write_all(fd, "RA");
    std::this_thread::sleep_for(150ms);
    write_all(fd, "!");
    bool eof = false;
    std::string got = read_to_end(fd, 5s, &eof);
    EXPECT_TRUE(eof);
    EXPECT_NE(got.find("\r\n\r\ncore 1 got [EXTRA!]"), std::string::npos) << got;
    EXPECT_EQ(stats(0).handoffs_out.load(), 1u);
    EXPECT_EQ(stats(1).handoffs_in.load(), 1u);
    EXPECT_EQ(stats(0).handoffs_failed.load() + stats(1).handoffs_failed.load(), 0u);
    ::close(fd);
    EXPECT_TRUE(smp_harness::wait_for([&] { return stats(0).connections_open.load() + stats(1).connections_open.load() == 0; }, 2s));
}

TEST_P(http_handoff_test, earlier_pipelined_responses_leave_before_the_socket_moves) {
    start_servers();
    int fd = client_on(0);
    write_all(fd, "GET /where HTTP/1.1\r\nHost: t\r\n\r\nGET /move?to=1 HTTP/1.1\r\nHost: t\r\n\r\n");
    std::string got = read_to_end(fd, 5s);
    auto first = got.find("core 0");
    auto second = got.find("core 1 got []");
    EXPECT_NE(first, std::string::npos) << got;
    EXPECT_NE(second, std::string::npos) << got;
    EXPECT_LT(first, second);
    ::close(fd);
}

TEST_P(http_handoff_test, a_move_to_its_own_core_runs_there_without_a_handoff) {
    start_servers();
    int fd = client_on(1);
    write_all(fd, "GET /move?to=1 HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_NE(read_to_end(fd, 5s).find("core 1 got []"), std::string::npos);
    EXPECT_EQ(stats(1).handoffs_out.load(), 0u);
    ::close(fd);
}

TEST_P(http_handoff_test, a_draining_target_answers_503_and_closes) {
    start_servers();
    cores_->on(1, [&] { servers_[1]->begin_drain(); });
    int fd = client_on(0);
    write_all(fd, "GET /move?to=1 HTTP/1.1\r\nHost: t\r\n\r\n");
    bool eof = false;
    std::string got = read_to_end(fd, 5s, &eof);
    EXPECT_TRUE(eof);
    EXPECT_TRUE(got.starts_with("HTTP/1.1 503")) << got;
    EXPECT_NE(got.find("server is shutting down"), std::string::npos) << got;
    EXPECT_EQ(stats(1).handoffs_failed.load(), 1u);
    EXPECT_EQ(stats(1).handoffs_in.load(), 0u);
    ::close(fd);
}

TEST_P(http_handoff_test, a_full_target_answers_503_and_the_sender_no_longer_counts_the_socket) {
    start_servers(1);
    int idle = client_on(1);  // core 1's only connection
    EXPECT_TRUE(smp_harness::wait_for([&] { return open_on(1) == 1; }, 2s));
    int fd = client_on(0);
    write_all(fd, "GET /move?to=1 HTTP/1.1\r\nHost: t\r\n\r\n");
    std::string got = read_to_end(fd, 5s);
    EXPECT_TRUE(got.starts_with("HTTP/1.1 503")) << got;
    EXPECT_NE(got.find("connection limit"), std::string::npos) << got;
    EXPECT_EQ(open_on(0), 0u);
    EXPECT_EQ(stats(1).connections_rejected.load(), 1u);
    ::close(fd);
    ::close(idle);
}

TEST_P(http_handoff_test, a_taken_socket_counts_until_its_task_closes_it) {
    start_servers(1);
    int fd = client_on(0);
    write_all(fd, "GET /own?wait=300 HTTP/1.1\r\nHost: t\r\n\r\n");
    // The session has ended; the task holds the socket and its place under --max-connections.
    EXPECT_TRUE(smp_harness::wait_for([&] { return cores_->on(0, [] { return reactor::current().live_tasks(); }) >= 1; }, 2s));
    EXPECT_EQ(open_on(0), 1u);
    int refused = client_on(0);
    EXPECT_TRUE(read_to_end(refused, 5s).starts_with("HTTP/1.1 503"));
    ::close(refused);
    std::string got = read_to_end(fd, 5s);
    EXPECT_TRUE(got.starts_with("HTTP/1.1 200")) << got;
    EXPECT_NE(got.find("owned"), std::string::npos) << got;
    EXPECT_TRUE(smp_harness::wait_for([&] { return open_on(0) == 0; }, 2s));
    ::close(fd);
}

TEST_P(http_handoff_test, a_handler_that_fails_after_taking_the_socket_closes_it) {
    start_servers(1);
    for (int i = 0; i < 3; ++i) {  // each time the place comes back
        int fd = client_on(0);
        write_all(fd, "GET /own-fail HTTP/1.1\r\nHost: t\r\n\r\n");
        EXPECT_EQ(read_to_end(fd, 5s), "");  // closed, nothing written
        EXPECT_TRUE(smp_harness::wait_for([&] { return open_on(0) == 0; }, 2s));
        ::close(fd);
    }
}

TEST_P(http_handoff_test, a_target_without_a_server_closes_the_socket) {
    start_servers();
    cores_->on(1, [&] { servers_[1].reset(); });
    int fd = client_on(0);
    write_all(fd, "GET /move?to=1 HTTP/1.1\r\nHost: t\r\n\r\n");
    bool eof = false;
    EXPECT_EQ(read_to_end(fd, 5s, &eof), "");
    EXPECT_TRUE(eof) << "the socket was not closed";
    EXPECT_EQ(stats(1).handoffs_failed.load(), 1u);
    ::close(fd);
}

INSTANTIATE_TEST_SUITE_P(backends, http_handoff_test, ::testing::Values("uring", "epoll"));

// A socket in transit belongs to its message: destroyed unrun (the target stopped), it is closed.
TEST(handed_socket, a_socket_nobody_adopts_is_closed) {
    auto p = make_socket_pair();
    { net::handed_socket s(p.server, "bytes"); }
    bool eof = false;
    EXPECT_EQ(read_some(p.client, 2s, SIZE_MAX, &eof), "");
    EXPECT_TRUE(eof);
    ::close(p.client);
}

TEST(handed_socket, a_message_still_queued_when_the_cores_are_destroyed_closes_its_socket) {
    smp_harness cores(backend_kind::epoll);
    ASSERT_TRUE(cores.ok()) << cores.why();
    cores.stop();
    auto p = make_socket_pair();
    cores.cores().submit_to(1, [s = net::handed_socket(p.server, "")] { ADD_FAILURE() << "ran"; });
    cores.destroy();
    bool eof = false;
    EXPECT_EQ(read_some(p.client, 2s, SIZE_MAX, &eof), "");
    EXPECT_TRUE(eof);
    ::close(p.client);
}

}  // namespace
}  // namespace tallyhub::http
