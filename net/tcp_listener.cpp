#include "net/tcp_listener.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <cerrno>

#include "core/io.hpp"
#include "core/log.hpp"
#include "net/net_stats.hpp"

namespace tallyhub::net {

result<int> listen_tcp(const sockaddr_storage& addr, socklen_t len, int backlog) {
    int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return error{errno, "socket() failed"};
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) {
        int e = errno;
        ::close(fd);
        return error{e, "SO_REUSEPORT refused"};
    }
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), len) < 0) {
        int e = errno;
        ::close(fd);
        if (e == EADDRINUSE) return error{e, "address already in use"};
        if (e == EACCES) return error{e, "permission denied (ports below 1024 need privileges)"};
        if (e == EADDRNOTAVAIL) return error{e, "address not available on this machine"};
        return error{e, "bind() failed"};
    }
    if (::listen(fd, backlog) < 0) {
        int e = errno;
        ::close(fd);
        return error{e, "listen() failed"};
    }
    return fd;
}

uint16_t bound_port(int fd) {
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) < 0) return 0;
    if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&a)->sin6_port);
    return ntohs(reinterpret_cast<sockaddr_in*>(&a)->sin_port);
}

std::string bound_address(int fd) {
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) < 0) return "?";
    char host[INET6_ADDRSTRLEN] = {};
    if (a.ss_family == AF_INET6) {
        ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&a)->sin6_addr, host, sizeof host);
        return fmt::format("[{}]:{}", host, bound_port(fd));
    }
    ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&a)->sin_addr, host, sizeof host);
    return fmt::format("{}:{}", host, bound_port(fd));
}

tcp_listener::tcp_listener(int fd, accept_fn on_accept) : fd_(fd), on_accept_(std::move(on_accept)) {
    stream_.fd = fd;
}

tcp_listener::~tcp_listener() {
    if (fd_ >= 0) ::close(fd_);
}

task<void> tcp_listener::run() {
    using namespace std::chrono_literals;
    while (!stopping_) {
        stream_entry e = co_await io::next(stream_);
        if (e.res >= 0) {
            int one = 1;
            ::setsockopt(e.res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            local_stats().connections_accepted.add();
            on_accept_(e.res);
            continue;
        }
        if (e.res == -ECANCELED && stopping_) break;
        local_stats().accept_errors.add();
        if (e.res == -EMFILE || e.res == -ENFILE || e.res == -ENOBUFS || e.res == -ENOMEM) {
            TALLYHUB_LOG_LIMITED(log_level::warn, 1, "accept on {}: {} (file or memory limit); pausing 100 ms",
                                 bound_address(fd_), strerror(-e.res));
            co_await io::sleep(100ms);
        }
    }
    co_await io::stop_stream(stream_);
    reactor::current().backend().forget_fd(fd_);
    ::close(fd_);
    fd_ = -1;
}

void tcp_listener::stop() {
    stopping_ = true;
    io::request_stop(stream_);
}

}  // namespace tallyhub::net
