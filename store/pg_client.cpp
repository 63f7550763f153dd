#include "store/pg_client.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/io.hpp"
#include "core/log.hpp"
#include "core/reactor.hpp"
#include "store/pg_libpq.hpp"

namespace tallyhub::store {

using namespace pg_libpq;

namespace {

void quiet_notices(void*, const char* message) { log_debug("postgres notice: {}", one_line(message)); }

}  // namespace

pg_client::pg_client(pg_conninfo info, pg_options opts) : info_(std::move(info)), opts_(std::move(opts)) {}

pg_client::~pg_client() { close_connection(); }

void pg_client::track_socket() noexcept {
    int s = conn_ ? PQsocket(conn_) : -1;
    if (s == sock_) return;
    // libpq closed (or replaced) its socket: the backend must forget the old number before it is reused.
    if (sock_ >= 0 && reactor::on_reactor_thread()) reactor::current().backend().forget_fd(sock_);
    sock_ = s;
}

void pg_client::close_connection() noexcept {
    if (sock_ >= 0 && reactor::on_reactor_thread()) reactor::current().backend().forget_fd(sock_);
    sock_ = -1;
    if (conn_) PQfinish(conn_);  // non-blocking mode: the Terminate message is best effort
    conn_ = nullptr;
}

void pg_client::disconnect() noexcept {
    close_connection();
    health_.state = link_state::disconnected;
    health_.reason.clear();
    health_.since = clock::now();
}

error pg_client::fail(pg_errc kind, std::string message, std::string sqlstate, std::string detail, int statement) {
    failure_ = pg_failure{kind, std::move(sqlstate), std::move(message), std::move(detail), statement};
    last_error_ = failure_.sqlstate.empty() ? failure_.message
                                            : fmt::format("{} (SQLSTATE {})", failure_.message, failure_.sqlstate);
    if (!failure_.detail.empty()) last_error_ += ": " + failure_.detail;
    switch (kind) {
    case pg_errc::rolled_back: ++stats_.rolled_back; return rolled_back_error;
    case pg_errc::busy: ++stats_.rejected_busy; return busy_error;
    default: break;
    }
    // Every other failure is the link's: drop it, report it, and back off.
    ++stats_.failures;
    close_connection();
    bool repeated = health_.failures > 0 && health_.reason == last_error_;
    health_.set_down(last_error_, opts_.backoff, clock::now());
    if (!repeated) log_warn("postgres: {} (retrying with backoff)", last_error_);
    switch (kind) {
    case pg_errc::connection_lost: return lost_error;
    case pg_errc::outcome_unknown: return unknown_error;
    default: return connect_error;
    }
}

void pg_client::end_turn() noexcept {
    if (waiters_.empty()) {
        busy_ = false;
        return;
    }
    auto h = waiters_.front();  // busy_ stays set: the turn passes straight to the oldest waiter
    waiters_.pop_front();
    reactor::current().schedule(h);
}

bool pg_client::take_turn_or_refuse() {
    if (!busy_) {
        busy_ = true;
        return true;
    }
    return waiters_.size() < opts_.max_queued;
}

task<result<void>> pg_client::connect() {
    bool now = !busy_;
    if (!take_turn_or_refuse()) co_return fail(pg_errc::busy, "a batch is in flight");
    if (!now) co_await turn_awaiter{this};
    turn_guard turn{this};
    auto r = co_await ensure_connected();
    co_return r;
}

task<result<void>> pg_client::ping() {
    pg_batch sync;
    sync.begin.clear();
    auto r = co_await run(std::move(sync));
    if (!r) co_return r.err();
    co_return result<void>{};
}

task<result<std::vector<pg_result>>> pg_client::run(pg_batch batch) {
    bool now = !busy_;
    if (!take_turn_or_refuse()) co_return fail(pg_errc::busy, "a batch is in flight and the queue is full");
    if (!now) co_await turn_awaiter{this};
    turn_guard turn{this};
    auto ready = co_await ensure_connected();
    if (!ready) co_return ready.err();
    auto r = co_await exchange(batch);
    if (r) {
        ++stats_.batches;
        stats_.statements += batch.statements.size();
    }
    co_return r;
}

// An idle connection has nothing to read but notices: readable means the server is closing it
// (pg_ctl restart: FATAL 57P01, then EOF), and libpq must see that before we send into it.
bool pg_client::peer_closed() noexcept {
    for (int i = 0; i < 4; ++i) {
        pollfd p{sock_, POLLIN, 0};
        if (::poll(&p, 1, 0) == 0) return false;
        if (!PQconsumeInput(conn_) || PQstatus(conn_) == CONNECTION_BAD) return true;
    }
    return false;
}

task<result<void>> pg_client::ensure_connected() {
    if (conn_) {
        if (PQstatus(conn_) == CONNECTION_OK && !peer_closed()) co_return result<void>{};
        log_info("postgres {}: the server closed the connection ({}); reconnecting", info_.display,
                 one_line(PQerrorMessage(conn_)));
        close_connection();
        health_.state = link_state::disconnected;
    } else if (health_.state == link_state::down && clock::now() < health_.retry_at) {
        co_return down_error;
    }
    auto r = co_await open_connection();
    co_return r;
}

task<result<void>> pg_client::open_connection() {
    close_connection();
    health_.state = link_state::connecting;
    auto deadline = clock::now() + opts_.connect_timeout;
    auto params = session_params(info_, opts_.statement_timeout, opts_.application_name);
    std::vector<const char*> keys, values;
    for (const auto& [k, v] : params) {
        keys.push_back(k.c_str());
        values.push_back(v.c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);

    conn_ = PQconnectStartParams(keys.data(), values.data(), 0);
    if (!conn_) co_return fail(pg_errc::unavailable, "connect: libpq is out of memory");
    PQsetNoticeProcessor(conn_, &quiet_notices, nullptr);
    // Before the first PQconnectPoll the socket is waited on as if it had returned WRITING.
    PostgresPollingStatusType st = PQstatus(conn_) == CONNECTION_BAD ? PGRES_POLLING_FAILED : PGRES_POLLING_WRITING;
    sock_ = PQsocket(conn_);
    while (st != PGRES_POLLING_OK) {
        if (st == PGRES_POLLING_FAILED || sock_ < 0)
            co_return fail(pg_errc::unavailable,
                           fmt::format("connect {}: {}", info_.display, one_line(PQerrorMessage(conn_))));
        auto left = remaining(deadline);
        uint32_t mask = st == PGRES_POLLING_READING ? POLLIN : POLLOUT;
        int32_t r = left.count() == 0 ? -ETIMEDOUT : co_await io::poll(sock_, mask).timeout(left);
        if (r == -ETIMEDOUT)
            co_return fail(pg_errc::unavailable, fmt::format("connect {}: timed out after {} ms", info_.display,
                                                             opts_.connect_timeout.count()));
        if (r < 0)
            co_return fail(pg_errc::unavailable, fmt::format("connect {}: poll: {}", info_.display, std::strerror(-r)));
        // PQconnectPoll may close this socket and open another (next address, SSL/GSS fallback), and
        // the kernel may give the new one the same number: forget it so the backend watches afresh.
        reactor::current().backend().forget_fd(sock_);
        st = PQconnectPoll(conn_);
        sock_ = PQsocket(conn_);
    }
    if (PQsetnonblocking(conn_, 1) != 0 || PQenterPipelineMode(conn_) != 1)
        co_return fail(pg_errc::unavailable,
                       fmt::format("connect {}: {}", info_.display, one_line(PQerrorMessage(conn_))));
    health_.set_up(clock::now());
    ++stats_.connects;
    co_return result<void>{};
}

}  // namespace tallyhub::store
