#include "app/amqp_ingest.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "app/amqp_session.hpp"
#include "core/log.hpp"
#include "core/reactor.hpp"
#include "net/tcp_listener.hpp"

namespace tallyhub::app {

namespace {

using namespace std::chrono_literals;

constexpr auto first_backoff = 100ms;
constexpr auto max_backoff = 30s;
constexpr auto stable_link = 10s;  // a link up this long resets the backoff
constexpr auto sweep_period = 1s;

amqp::engine_options listener_engine(const amqp_service_options& o) {
    amqp::engine_options e;
    e.role = amqp::engine_role::listener;
    e.credit = o.credit;
    e.max_message_size = o.max_message;
    e.allow_anonymous = o.anonymous;
    e.plain_user = o.user;
    e.plain_password = o.password;
    return e;
}

amqp::engine_options receiver_engine(const amqp_service_options& o, const broker_url& u) {
    amqp::engine_options e;
    e.role = amqp::engine_role::client;
    e.direction = amqp::link_direction::receive;
    e.credit = o.credit;
    e.max_message_size = o.max_message;
    e.hostname = u.vhost.empty() ? u.host : "vhost:" + u.vhost;
    e.sasl_user = u.user;
    e.sasl_password = u.password;
    e.address = u.address;
    e.link_name = "tallyhub-" + u.address;
    return e;
}

std::string peer_of(int fd) {
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return "producer";
    char host[64] = "?";
    std::uint16_t port = 0;
    if (a.ss_family == AF_INET6) {
        auto* s = reinterpret_cast<sockaddr_in6*>(&a);
        ::inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof host);
        port = ntohs(s->sin6_port);
    } else {
        auto* s = reinterpret_cast<sockaddr_in*>(&a);
        ::inet_ntop(AF_INET, &s->sin_addr, host, sizeof host);
        port = ntohs(s->sin_port);
    }
    return fmt::format("producer {}:{}", host, port);
}

// Backoff with jitter in [0.5, 1.5) of the nominal delay, from a per-receiver xorshift.
std::chrono::milliseconds jittered(std::chrono::milliseconds d, std::uint64_t& state) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    const double f = 0.5 + double(state % 1000) / 1000.0;
    return std::chrono::milliseconds(std::int64_t(double(d.count()) * f));
}

}  // namespace

amqp_service::amqp_service(amqp_service_options opts, analytics& engine, unsigned cores)
    : opts_(std::move(opts)), engine_(engine), cores_(cores == 0 ? 1 : cores) {
    for (unsigned i = 0; i < cores_; ++i) {
        auto p = std::make_unique<core_part>();
        p->ingest = std::make_unique<event_ingest>(engine_, opts_.max_message);
        parts_.push_back(std::move(p));
    }
}

amqp_service::~amqp_service() {
    for (int fd : listen_fds_)
        if (fd >= 0) ::close(fd);
}

amqp_service::core_part& amqp_service::local() { return *parts_[reactor::current().core()]; }

const amqp_counters& amqp_service::counters(unsigned i) const noexcept { return parts_[i]->stats; }
const ingest_counters& amqp_service::ingest(unsigned i) const noexcept { return parts_[i]->ingest->counters(); }

result<void> amqp_service::open_listeners() {
    if (!opts_.listen) return {};
    sockaddr_storage addr = opts_.listen->address;
    for (unsigned i = 0; i < cores_; ++i) {
        auto fd = net::listen_tcp(addr, opts_.listen->length);
        if (!fd) return fd.err();
        if (i == 0 && opts_.listen->port() == 0) {
            // Port 0: every core listens on the port the first socket got.
            const std::uint16_t port = htons(net::bound_port(*fd));
            if (addr.ss_family == AF_INET6) reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port = port;
            else reinterpret_cast<sockaddr_in*>(&addr)->sin_port = port;
        }
        listen_fds_.push_back(*fd);
    }
    listen_address_ = net::bound_address(listen_fds_[0]);
    return {};
}

std::string amqp_service::listen_address() const { return listen_address_; }

std::uint64_t amqp_service::unsettled_local() const noexcept {
    std::uint64_t n = 0;
    for (const session* s : parts_[reactor::current().core()]->sessions) n += s->unsettled();
    return n;
}

namespace {

task<void> serve_producer(amqp_service* svc, amqp_service::core_part* part, int fd, amqp::engine_options eo,
                          net::connection_limits limits) {
    part->stats.connections.add(1);
    {
        net::connection conn(fd, limits);
        {
            amqp_service::session s(*svc, *part, conn, std::move(eo), peer_of(fd));
            co_await s.run();
        }
        co_await conn.close();
    }
    part->stats.connections.sub(1);
}

task<void> sweep_loop(amqp_service::core_part* part) {
    while (part->running) {
        co_await io::sleep(sweep_period).cancel_with(part->sweep_wake);
        const auto now = std::chrono::steady_clock::now();
        for (amqp_service::session* s : std::vector<amqp_service::session*>(part->sessions)) s->sweep(now);
    }
}

task<void> receive_from(amqp_service* svc, amqp_service::core_part* part, broker_url url, io::cancel_slot* wake,
                        std::uint64_t seed) {
    auto backoff = std::chrono::milliseconds(first_backoff);
    const std::string label = "broker " + url.redacted();
    while (part->running) {
        const int fd = ::socket(url.where.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        std::string failure_text;
        bool stable = false;
        if (fd < 0) {
            failure_text = std::string("socket: ") + std::strerror(errno);
        } else {
            const int32_t rc =
                co_await io::connect(fd, reinterpret_cast<const sockaddr*>(&url.where.address), url.where.length);
            if (rc < 0) {
                failure_text = std::string("connect: ") + std::strerror(-rc);
                reactor::current().backend().forget_fd(fd);
                ::close(fd);
            } else {
                int one = 1;
                ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                net::connection conn(fd, svc->options().output);
                {
                    amqp_service::session s(*svc, *part, conn, receiver_engine(svc->options(), url), label);
                    co_await s.run();
                    stable = s.link_ready() && std::chrono::steady_clock::now() - s.ready_at() >= stable_link;
                    if (s.end_reason().failed()) failure_text = std::string(s.end_reason().description());
                    else if (part->running) failure_text = "the connection ended";
                }
                co_await conn.close();
            }
        }
        if (!part->running) break;
        part->stats.receiver_failures.add();
        if (stable) backoff = first_backoff;
        const auto delay = jittered(backoff, seed);
        TALLYHUB_LOG_LIMITED(log_level::warn, 5, "amqp {}: {}; reconnecting in {} ms", label, failure_text,
                             delay.count());
        co_await io::sleep(delay).cancel_with(*wake);
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, max_backoff);
    }
}

}  // namespace

void amqp_service::start_core(unsigned core) {
    core_part& p = local();
    p.running = true;
    reactor& loop = reactor::current();
    if (core < listen_fds_.size()) {
        const int fd = listen_fds_[core];
        listen_fds_[core] = -1;  // the listener owns it now
        core_part* part = &p;
        p.listener = std::make_unique<net::tcp_listener>(fd, [this, part](int client) {
            if (part->draining || std::size_t(part->stats.connections.load()) >= opts_.max_connections_per_core) {
                part->stats.connections_refused.add();
                ::close(client);
                return;
            }
            part->stats.connections_accepted.add();
            reactor::current().spawn(serve_producer(this, part, client, listener_engine(opts_), opts_.output));
        });
        loop.spawn(p.listener->run());
    }
    for (std::size_t i = core; i < opts_.brokers.size(); i += cores_) {
        p.receiver_wakes.push_back(std::make_unique<io::cancel_slot>());
        loop.spawn(receive_from(this, &p, opts_.brokers[i], p.receiver_wakes.back().get(), 0x9e3779b97f4a7c15ull ^ (i + 1)));
        log_info("amqp: consuming {} on core {}", opts_.brokers[i].redacted(), core);
    }
    loop.spawn(sweep_loop(&p));
}

void amqp_service::begin_drain_core() {
    core_part& p = local();
    p.draining = true;
    if (p.listener) p.listener->stop();
    for (session* s : std::vector<session*>(p.sessions)) s->drain();
}

void amqp_service::stop_core() {
    core_part& p = local();
    p.running = false;
    p.sweep_wake.cancel();
    for (auto& w : p.receiver_wakes) w->cancel();
    if (p.listener && !p.draining) p.listener->stop();
    for (session* s : std::vector<session*>(p.sessions)) s->stop();
}

}  // namespace tallyhub::app
