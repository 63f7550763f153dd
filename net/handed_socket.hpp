#pragma once
// A TCP socket on its way from one core to another, with the bytes the first core already read
// from it. Sockets normally live and die on the core that accepted them; a request that needs state
// another core owns (a stateful SignalR reconnect, net/http_server.hpp's hand_off) moves its socket
// there instead of moving the state.
//
// Lifecycle: connection::detach() on the sending core lets go of the fd (no receive stream, no
// write in flight, forgotten by its I/O backend) and returns it as a handed_socket; the message that
// carries it to the other core owns it; the receiving core release()s the fd into its own
// net::connection. Whoever holds a handed_socket that is never adopted (the target core stopped,
// the process shuts down with the message still queued) closes the fd by dropping it: no leak, and
// exactly one close, since the fd has exactly one owner at any time.

#include <unistd.h>

#include <string>
#include <utility>

namespace tallyhub::net {

class handed_socket {
public:
    handed_socket() = default;
    /// Takes ownership of `fd`; `input` holds bytes read from it but not consumed yet.
    handed_socket(int fd, std::string input) noexcept : fd_(fd), input_(std::move(input)) {}
    handed_socket(handed_socket&& o) noexcept : fd_(std::exchange(o.fd_, -1)), input_(std::move(o.input_)) {}
    handed_socket& operator=(handed_socket&& o) noexcept {
        if (this != &o) {
            reset();
            fd_ = std::exchange(o.fd_, -1);
            input_ = std::move(o.input_);
        }
        return *this;
    }
    handed_socket(const handed_socket&) = delete;
    handed_socket& operator=(const handed_socket&) = delete;
    /// A socket nobody adopted is closed. It is registered with no I/O backend, so a plain close()
    /// is right from any thread.
    ~handed_socket() { reset(); }

    bool valid() const noexcept { return fd_ >= 0; }
    int fd() const noexcept { return fd_; }
    const std::string& input() const noexcept { return input_; }

    /// Gives the fd to the caller, who closes it from now on.
    int release() noexcept { return std::exchange(fd_, -1); }
    /// The bytes read before the move (the start of what the peer sent after the request).
    std::string take_input() noexcept { return std::exchange(input_, {}); }

private:
    void reset() noexcept {
        if (fd_ >= 0) ::close(std::exchange(fd_, -1));
    }

    int fd_ = -1;
    std::string input_;
};

}  // namespace tallyhub::net
