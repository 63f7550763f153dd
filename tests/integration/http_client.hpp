#pragma once
// A small blocking HTTP/1.1 client over a loopback TCP socket, for integration-test assertions.
// It sends exactly the bytes a test gives it and reads responses one at a time, so tests can check
// keep-alive, pipelining and malformed requests byte for byte. Every wait has a deadline.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tallyhub::testing {

/// One parsed HTTP response.
struct http_response {
    std::string version;   ///< e.g. "HTTP/1.1"
    int status = 0;
    std::string reason;
    std::vector<std::pair<std::string, std::string>> headers;   ///< in arrival order, values trimmed
    std::string body;      ///< de-chunked

    /// The first header named `name` (ASCII case-insensitive), if present.
    std::optional<std::string> header(std::string_view name) const {
        for (const auto& [k, v] : headers) {
            if (equals_ignore_case(k, name)) return v;
        }
        return std::nullopt;
    }

    /// ASCII case-insensitive comparison, as HTTP header names need.
    static bool equals_ignore_case(std::string_view a, std::string_view b) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
            if (lower(a[i]) != lower(b[i])) return false;
        }
        return true;
    }
};

/// A header list for requests: {{"If-None-Match", "\"abc\""}}.
using header_list = std::vector<std::pair<std::string, std::string>>;

/// One TCP connection to 127.0.0.1:port. Not copyable; closes the socket on destruction.
class http_client {
public:
    /// Connects at once; check connected() / error().
    explicit http_client(int port, std::chrono::milliseconds timeout = std::chrono::milliseconds(5000))
        : timeout_(timeout) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) {
            fail_errno("socket");
            return;
        }
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            fail_errno("connect to 127.0.0.1:" + std::to_string(port));
            ::close(fd_);
            fd_ = -1;
            return;
        }
        const int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    http_client(const http_client&) = delete;
    http_client& operator=(const http_client&) = delete;
    ~http_client() {
        if (fd_ >= 0) ::close(fd_);
    }

    /// True while the socket is open.
    bool connected() const { return fd_ >= 0; }
    /// What went wrong last, for failure messages.
    const std::string& error() const { return error_; }
    /// Changes the deadline of each later read.
    void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

    /// Sends all of `bytes` (MSG_NOSIGNAL: a closed peer is an error, not a SIGPIPE).
    bool send_raw(std::string_view bytes) {
        while (!bytes.empty()) {
            const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return fail_errno("send");
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }

    /// Builds a request with Host and the given headers, sends it and reads the response.
    std::optional<http_response> request(std::string_view method, std::string_view target,
                                         const header_list& headers = {}, std::string_view body = {}) {
        if (!send_raw(format_request(method, target, headers, body))) return std::nullopt;
        return read_response(method == "HEAD");
    }

    /// A request's bytes: `METHOD target HTTP/1.1`, Host, the headers, Content-Length when a body is given.
    static std::string format_request(std::string_view method, std::string_view target,
                                      const header_list& headers = {}, std::string_view body = {}) {
        std::string out;
        out.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (const auto& [k, v] : headers) out.append(k).append(": ").append(v).append("\r\n");
        if (!body.empty()) out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
        out.append("\r\n").append(body);
        return out;
    }

    /// Reads the next response: Content-Length, chunked, or until close. `head` = answer to HEAD (no body).
    std::optional<http_response> read_response(bool head = false) {
        const auto deadline = std::chrono::steady_clock::now() + timeout_;
        std::size_t end;
        while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
            if (!fill(deadline)) return std::nullopt;
        }
        http_response r;
        if (!parse_head(std::string_view(buffer_).substr(0, end + 2), r)) return std::nullopt;
        buffer_.erase(0, end + 4);

        const auto transfer = r.header("Transfer-Encoding");
        const auto length = r.header("Content-Length");
        if (head || r.status / 100 == 1 || r.status == 204 || r.status == 304) return r;
        if (transfer && transfer->find("chunked") != std::string::npos) {
            if (!read_chunked(r.body, deadline)) return std::nullopt;
        } else if (length) {
            const std::size_t n = std::stoul(*length);
            while (buffer_.size() < n) {
                if (!fill(deadline)) return std::nullopt;
            }
            r.body = buffer_.substr(0, n);
            buffer_.erase(0, n);
        } else {
            while (fill(deadline)) {
            }
            if (!peer_closed_) return std::nullopt;
            r.body = std::move(buffer_);
            buffer_.clear();
        }
        return r;
    }

    /// Waits until the server closes the connection (EOF or reset): true if it did before `timeout`.
    /// Bytes that arrive meanwhile are kept for read_response().
    bool wait_closed(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!peer_closed_) {
            if (!fill(deadline) && !peer_closed_) return false;
        }
        return true;
    }

private:
    // Receives more bytes into buffer_ before `deadline`; false on timeout, EOF or error.
    bool fill(std::chrono::steady_clock::time_point deadline) {
        if (peer_closed_) return fail_text("connection closed by the server");
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return fail_text("timed out waiting for the server");
            pollfd p{fd_, POLLIN, 0};
            const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
            if (ready < 0 && errno == EINTR) continue;
            if (ready < 0) return fail_errno("poll");
            if (ready == 0) continue;
            char chunk[16384];
            const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && errno == ECONNRESET) {
                peer_closed_ = true;
                return fail_text("connection reset by the server");
            }
            if (n < 0) return fail_errno("recv");
            if (n == 0) {
                peer_closed_ = true;
                return fail_text("connection closed by the server");
            }
            buffer_.append(chunk, static_cast<std::size_t>(n));
            return true;
        }
    }

    bool parse_head(std::string_view head, http_response& r) {
        auto eol = head.find("\r\n");
        const std::string_view status_line = head.substr(0, eol);
        const auto sp1 = status_line.find(' ');
        if (sp1 == std::string_view::npos || status_line.substr(0, 5) != "HTTP/") {
            return fail_text("bad status line: " + std::string(status_line));
        }
        r.version = status_line.substr(0, sp1);
        const auto sp2 = status_line.find(' ', sp1 + 1);
        const std::string code(status_line.substr(sp1 + 1, sp2 == std::string_view::npos ? 3 : sp2 - sp1 - 1));
        if (code.size() != 3 || code.find_first_not_of("0123456789") != std::string::npos) {
            return fail_text("bad status code in: " + std::string(status_line));
        }
        r.status = std::stoi(code);
        if (sp2 != std::string_view::npos) r.reason = status_line.substr(sp2 + 1);
        head.remove_prefix(eol + 2);
        while (!head.empty()) {
            eol = head.find("\r\n");
            const std::string_view line = head.substr(0, eol);
            const auto colon = line.find(':');
            if (colon == std::string_view::npos) return fail_text("bad header line: " + std::string(line));
            std::string_view value = line.substr(colon + 1);
            while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
            while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
            r.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
            head.remove_prefix(eol == std::string_view::npos ? head.size() : eol + 2);
        }
        return true;
    }

    // chunk = hex-size [;ext] CRLF data CRLF ... "0" CRLF [trailers] CRLF
    bool read_chunked(std::string& body, std::chrono::steady_clock::time_point deadline) {
        for (;;) {
            std::size_t eol;
            while ((eol = buffer_.find("\r\n")) == std::string::npos) {
                if (!fill(deadline)) return false;
            }
            std::size_t size = 0;
            try {
                size = std::stoul(buffer_.substr(0, eol), nullptr, 16);
            } catch (const std::exception&) {
                return fail_text("bad chunk size line: " + buffer_.substr(0, eol));
            }
            if (size == 0) {
                std::size_t end;
                while ((end = buffer_.find("\r\n\r\n", eol)) == std::string::npos) {
                    if (!fill(deadline)) return false;
                }
                buffer_.erase(0, end + 4);
                return true;
            }
            while (buffer_.size() < eol + 2 + size + 2) {
                if (!fill(deadline)) return false;
            }
            body.append(buffer_, eol + 2, size);
            buffer_.erase(0, eol + 2 + size + 2);
        }
    }

    bool fail_errno(const std::string& what) {
        error_ = what + ": " + std::strerror(errno);
        return false;
    }
    bool fail_text(std::string what) {
        error_ = std::move(what);
        return false;
    }

    int fd_ = -1;
    std::chrono::milliseconds timeout_;
    std::string buffer_;
    bool peer_closed_ = false;
    std::string error_;
};

/// One request on a fresh connection to 127.0.0.1:port.
inline std::optional<http_response> http_request(int port, std::string_view method, std::string_view target,
                                                 const header_list& headers = {}) {
    http_client client(port);
    if (!client.connected()) return std::nullopt;
    return client.request(method, target, headers);
}

}  // namespace tallyhub::testing
