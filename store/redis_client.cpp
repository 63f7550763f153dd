#include "store/redis_client.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/io.hpp"
#include "core/log.hpp"
#include "core/reactor.hpp"

namespace tallyhub::store {

namespace {

using clock = std::chrono::steady_clock;

constexpr error down_error{ENOTCONN, "redis unavailable: waiting to reconnect (health() says why)"};
constexpr error busy_error{EBUSY, "redis pipeline queue full: one is in flight and others wait"};
constexpr error connect_error{ENOTCONN, "redis connect failed"};
constexpr error login_error{ENOTCONN, "redis refused the login commands (AUTH, SELECT)"};
constexpr error timeout_error{ETIMEDOUT, "redis pipeline timed out"};
constexpr error lost_error{ECONNRESET, "redis connection lost"};
constexpr error protocol_error{EPROTO, "redis sent bytes that are not RESP2"};

constexpr std::size_t read_chunk = 16 * 1024;

std::chrono::nanoseconds remaining(clock::time_point deadline) {
    return std::max(deadline - clock::now(), std::chrono::nanoseconds{0});
}

}  // namespace

redis_client::redis_client(redis_endpoint where, redis_options opts)
    : where_(std::move(where)), opts_(std::move(opts)), rbuf_(read_chunk) {}

redis_client::~redis_client() { close_socket(); }

void redis_client::close_socket() noexcept {
    if (fd_ < 0) return;
    if (reactor::on_reactor_thread()) reactor::current().backend().forget_fd(fd_);
    ::close(fd_);
    fd_ = -1;
    reader_.reset();
}

void redis_client::disconnect() noexcept {
    close_socket();
    health_.state = link_state::disconnected;
    health_.reason.clear();
    health_.since = clock::now();
}

error redis_client::fail(error e, std::string why) {
    close_socket();
    // Log transitions, not every retry of the same outage.
    bool repeated = health_.failures > 0 && health_.reason == why;
    last_error_ = std::move(why);
    health_.set_down(last_error_, opts_.backoff, clock::now());
    if (!repeated) log_warn("redis: {} (retrying with backoff)", last_error_);
    return e;
}

void redis_client::end_turn() noexcept {
    if (waiters_.empty()) {
        busy_ = false;
        return;
    }
    // Hand the turn over: busy_ stays set, so no newcomer can slip in before the waiter runs.
    auto h = waiters_.front();
    waiters_.pop_front();
    reactor::current().schedule(h);
}

// An idle connection has nothing to read (RESP2 without SUBSCRIBE pushes nothing): readable means
// the server closed it (a restart, `timeout` in redis.conf, CLIENT KILL) or sent garbage.
bool redis_client::peer_closed() const noexcept {
    pollfd p{fd_, POLLIN | POLLRDHUP, 0};
    return ::poll(&p, 1, 0) != 0;
}

task<result<void>> redis_client::connect() {
    if (busy_) {
        if (waiters_.size() >= opts_.max_queued) co_return busy_error;
        co_await turn_awaiter{this};
    } else {
        busy_ = true;
    }
    turn_guard turn{this};
    auto r = co_await ensure_connected();
    co_return r;
}

task<result<std::vector<redis_reply>>> redis_client::pipeline(std::vector<redis_command> commands) {
    if (busy_) {
        if (waiters_.size() >= opts_.max_queued) {
            ++stats_.rejected_busy;
            co_return busy_error;
        }
        co_await turn_awaiter{this};
    } else {
        busy_ = true;
    }
    turn_guard turn{this};
    if (commands.empty()) co_return std::vector<redis_reply>{};

    auto ready = co_await ensure_connected();
    if (!ready) {
        ++stats_.failures;
        co_return ready.err();
    }
    std::string out;
    for (const auto& c : commands) append_command(out, c);
    auto replies = co_await exchange(out, commands.size(), clock::now() + opts_.command_timeout);
    if (!replies) {
        ++stats_.failures;
        co_return replies.err();
    }
    ++stats_.pipelines;
    stats_.commands += commands.size();
    co_return replies;
}

task<result<void>> redis_client::ensure_connected() {
    if (fd_ >= 0) {
        if (!peer_closed()) co_return result<void>{};
        // Closed while idle: reconnect at once (this is not a failed attempt).
        log_info("redis {}: the server closed the connection; reconnecting", where_.display());
        close_socket();
        health_.state = link_state::disconnected;
    } else if (health_.state == link_state::down && clock::now() < health_.retry_at) {
        co_return down_error;
    }
    auto r = co_await open_connection();
    co_return r;
}

task<result<void>> redis_client::open_connection() {
    auto started = clock::now();
    health_.state = link_state::connecting;
    fd_ = ::socket(where_.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) co_return fail(connect_error, fmt::format("socket: {}", std::strerror(errno)));
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    int32_t rc = co_await io::connect(fd_, reinterpret_cast<const sockaddr*>(&where_.addr), where_.addr_len)
                     .timeout(opts_.connect_timeout);
    if (rc < 0) {
        const char* why = rc == -ETIMEDOUT ? "timed out" : std::strerror(-rc);
        co_return fail(connect_error, fmt::format("connect {}: {}", where_.display(), why));
    }

    // Log in: AUTH, SELECT and CLIENT SETNAME go out as one pipeline; any error reply refuses the link.
    std::vector<redis_command> login;
    if (!where_.password.empty()) {
        if (where_.username.empty()) login.push_back({"AUTH", where_.password});
        else login.push_back({"AUTH", where_.username, where_.password});
    }
    if (where_.db != 0) login.push_back({"SELECT", std::to_string(where_.db)});
    if (!opts_.client_name.empty()) login.push_back({"CLIENT", "SETNAME", opts_.client_name});
    if (!login.empty()) {
        std::string out;
        for (const auto& c : login) append_command(out, c);
        auto replies = co_await exchange(out, login.size(), started + opts_.connect_timeout);
        if (!replies) co_return replies.err();  // exchange() recorded the failure
        for (std::size_t i = 0; i < login.size(); ++i) {
            const redis_reply& rep = (*replies)[i];
            if (rep.is_error()) {
                co_return fail(login_error, fmt::format("{} {}: {}", where_.display(), login[i][0], rep.str));
            }
        }
    }
    health_.set_up(clock::now());
    ++stats_.connects;
    co_return result<void>{};
}

// Writes `out` and reads `count` replies, all before `deadline`. Any failure closes the socket: a
// late reply must never be taken for the answer to a later command.
task<result<std::vector<redis_reply>>> redis_client::exchange(const std::string& out, std::size_t count,
                                                              clock::time_point deadline) {
    auto limit_ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
    std::size_t sent = 0;
    while (sent < out.size()) {
        auto left = remaining(deadline);
        if (left.count() == 0) co_return fail(timeout_error, fmt::format("{}: write timed out", where_.display()));
        uint32_t len = uint32_t(std::min<std::size_t>(out.size() - sent, 1u << 30));
        int32_t n = co_await io::send(fd_, out.data() + sent, len).timeout(left);
        if (n == -ETIMEDOUT)
            co_return fail(timeout_error, fmt::format("{}: write timed out after {} ms", where_.display(), limit_ms));
        if (n <= 0)
            co_return fail(lost_error, fmt::format("{}: write: {}", where_.display(),
                                                   n == 0 ? "connection closed" : std::strerror(-n)));
        sent += std::size_t(n);
        stats_.bytes_out += std::size_t(n);
    }

    std::vector<redis_reply> replies;
    replies.reserve(count);
    while (replies.size() < count) {
        auto next = reader_.next();
        if (!next)
            co_return fail(protocol_error, fmt::format("{}: {}", where_.display(), reader_.protocol_error()));
        if (*next) {
            replies.push_back(std::move(**next));
            continue;
        }
        auto left = remaining(deadline);
        if (left.count() == 0)
            co_return fail(timeout_error, fmt::format("{}: no reply within {} ms", where_.display(), limit_ms));
        int32_t n = co_await io::recv(fd_, rbuf_.data(), uint32_t(rbuf_.size())).timeout(left);
        if (n == -ETIMEDOUT)
            co_return fail(timeout_error, fmt::format("{}: no reply within {} ms", where_.display(), limit_ms));
        if (n <= 0)
            co_return fail(lost_error, fmt::format("{}: read: {}", where_.display(),
                                                   n == 0 ? "connection closed by the server" : std::strerror(-n)));
        stats_.bytes_in += std::size_t(n);
        reader_.feed(std::string_view(rbuf_.data(), std::size_t(n)));
    }
    co_return replies;
}

}  // namespace tallyhub::store
