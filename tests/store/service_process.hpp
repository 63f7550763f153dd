#pragma once
// Child processes for the store's integration tests: throwaway redis-server and PostgreSQL servers
// on free loopback ports, in temp dirs, gone at the end even when a test fails.
//
// Each server runs in the foreground as our child with PR_SET_PDEATHSIG = SIGKILL, so even a test
// program that crashes (an ASan report, an abort) leaves no server behind; the destructors stop
// them and remove their directories. Output goes to a log file in the service's directory, which a
// failing test prints. When the tests run as root, PostgreSQL runs as the `postgres` user (initdb
// and postgres refuse root).

#include <gtest/gtest.h>

#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace tallyhub::testing {

/// A TCP port on 127.0.0.1 that nothing listens on right now (bound to port 0, then released).
inline std::uint16_t free_loopback_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
        throw std::runtime_error("free_loopback_port: bind failed");
    ::close(fd);
    return ntohs(a.sin_port);
}

/// True when something accepts TCP connections on 127.0.0.1:port.
inline bool loopback_accepts(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

/// Whose identity a child takes: unset keeps ours.
struct run_as {
    uid_t uid = 0;
    gid_t gid = 0;
};

/// The `postgres` user when we are root (initdb and postgres refuse to run as root), else nothing.
inline std::optional<run_as> postgres_identity() {
    if (::geteuid() != 0) return std::nullopt;
    passwd* pw = ::getpwnam("postgres");
    if (!pw) throw std::runtime_error("running as root, but there is no `postgres` user to run PostgreSQL as");
    return run_as{pw->pw_uid, pw->pw_gid};
}

inline std::string slurp(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// A fresh directory under $TMPDIR (or /tmp), optionally owned by `owner`; removed on destruction.
class service_dir {
public:
    explicit service_dir(const char* tag, std::optional<run_as> owner = std::nullopt) {
        const char* base = std::getenv("TMPDIR");
        std::string tmpl = std::string(base && *base ? base : "/tmp") + "/tallyhub-" + tag + "-XXXXXX";
        if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed for " + tmpl);
        path_ = tmpl;
        if (owner && ::chown(path_.c_str(), owner->uid, owner->gid) != 0)
            throw std::runtime_error("chown failed for " + tmpl);
    }
    service_dir(const service_dir&) = delete;
    service_dir& operator=(const service_dir&) = delete;
    ~service_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

/// One child process: started with argv, output appended to `log`, killed with its parent.
class child_process {
public:
    child_process() = default;
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;
    ~child_process() { stop(SIGKILL); }

    void start(const std::vector<std::string>& argv, const std::filesystem::path& log,
               std::optional<run_as> as = std::nullopt, const std::filesystem::path& cwd = "/") {
        if (pid_ > 0) throw std::runtime_error("child_process: already running");
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        std::string log_path = log.string(), dir = cwd.string();
        pid_t parent = ::getpid();
        pid_t pid = ::fork();
        if (pid < 0) throw std::runtime_error("fork failed");
        if (pid == 0) {
            // Only async-signal-safe calls from here to execv.
            int out = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
            int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
            if (out < 0 || in < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0) ::_exit(126);
            if (as && (::setgroups(0, nullptr) != 0 || ::setgid(as->gid) != 0 || ::setuid(as->uid) != 0)) ::_exit(126);
            // After the identity change (which clears it): die with the test program.
            if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(126);
            if (::chdir(dir.c_str()) != 0) ::_exit(126);
            ::execv(args[0], args.data());
            ::_exit(127);
        }
        pid_ = pid;
    }

    bool running() {
        if (pid_ <= 0) return false;
        int status = 0;
        pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            pid_ = -1;
            status_ = status;
            return false;
        }
        return true;
    }

    void signal(int sig) {
        if (pid_ > 0) ::kill(pid_, sig);
    }

    /// Sends `sig`, waits up to `grace`, then SIGKILL. Returns the wait status (or -1 if not running).
    int stop(int sig = SIGTERM, std::chrono::milliseconds grace = std::chrono::seconds(15)) {
        if (pid_ <= 0) return -1;
        ::kill(pid_, SIGCONT);  // a paused child cannot act on SIGTERM
        ::kill(pid_, sig);
        auto deadline = std::chrono::steady_clock::now() + grace;
        while (running()) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(pid_, SIGKILL);
                int status = 0;
                ::waitpid(pid_, &status, 0);
                pid_ = -1;
                status_ = status;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return status_;
    }

    /// Waits for the child to exit by itself; returns its exit code (or 128 + signal).
    int wait() {
        if (pid_ <= 0) return -1;
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        status_ = status;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

    pid_t pid() const noexcept { return pid_; }

private:
    pid_t pid_ = -1;
    int status_ = -1;
};

/// Runs a command to completion (output appended to `log`); returns its exit code.
inline int run_command(const std::vector<std::string>& argv, const std::filesystem::path& log,
                       std::optional<run_as> as = std::nullopt, const std::filesystem::path& cwd = "/") {
    child_process p;
    p.start(argv, log, as, cwd);
    return p.wait();
}

}  // namespace tallyhub::testing
