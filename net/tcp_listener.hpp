#pragma once
// A listening TCP socket per core. Every core binds the same address with SO_REUSEPORT and the
// kernel spreads new connections over them; a multishot accept stream hands each core its own.

#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <string>

#include "core/io_backend.hpp"
#include "core/result.hpp"
#include "core/task.hpp"

namespace tallyhub::net {

/// Opens a non-blocking listening socket on `addr` with SO_REUSEADDR and SO_REUSEPORT.
result<int> listen_tcp(const sockaddr_storage& addr, socklen_t len, int backlog = 4096);
/// The port a socket is bound to (to learn what port 0 became).
uint16_t bound_port(int fd);
/// "127.0.0.1:8080" / "[::1]:8080" for a bound socket.
std::string bound_address(int fd);

/// Accepts on `fd` until stop(); calls `on_accept(client_fd)` for each connection (the callee owns
/// the fd). Transient errors (EMFILE, ENFILE, ENOBUFS) pause accepting briefly instead of spinning.
class tcp_listener {
public:
    using accept_fn = std::function<void(int client_fd)>;
    tcp_listener(int fd, accept_fn on_accept);
    ~tcp_listener();
    tcp_listener(const tcp_listener&) = delete;
    tcp_listener& operator=(const tcp_listener&) = delete;

    /// The accept loop; returns after stop() once the kernel let go of the accept stream.
    task<void> run();
    /// Stops accepting (the socket is closed when run() returns). Call on the owning core.
    void stop();
    int fd() const noexcept { return fd_; }

private:
    int fd_;
    accept_fn on_accept_;
    accept_stream stream_;
    bool stopping_ = false;
};

}  // namespace tallyhub::net
