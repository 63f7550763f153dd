#pragma once
// Runs the real tallyhub binary for an integration test: start it on free loopback ports, wait for
// `tallyhub: ready`, talk to it, signal it, collect its exit code. Header-only, GoogleTest-aware.
//
// The binary comes from TALLYHUB_BIN (set by CMake and Meson for every test). Its stdout and stderr
// go to files in a private temp dir rather than pipes: the server can never block on a full pipe,
// and the test can read everything it printed at any time. The server must flush stdout after each
// line it prints (a file is block-buffered).

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace tallyhub::testing {

/// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class temp_dir {
public:
    temp_dir() {
        const char* base = std::getenv("TMPDIR");
        std::string tmpl = std::string(base && *base ? base : "/tmp") + "/tallyhub-test-XXXXXX";
        if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + tmpl);
        path_ = tmpl;
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }

    /// The directory's absolute path.
    const std::filesystem::path& path() const { return path_; }

    /// Writes `content` to `relative` (parent directories created) and returns the file's path.
    std::filesystem::path write(const std::string& relative, std::string_view content) const {
        auto file = path_ / relative;
        std::filesystem::create_directories(file.parent_path());
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
        return file;
    }

private:
    std::filesystem::path path_;
};

/// Reads a whole file; empty when it does not exist.
inline std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

/// How to start the server.
struct server_options {
    std::vector<std::string> args;    ///< extra command-line options, after the listener options
    bool loopback_listeners = true;   ///< pass --http 127.0.0.1:0 --admin 127.0.0.1:0 first
    bool wait_ready = true;           ///< block in the constructor until `tallyhub: ready`
    std::chrono::milliseconds ready_timeout{10'000};
};

/// One running tallyhub process; killed (SIGKILL) by the destructor if it is still running.
class server_process {
public:
    explicit server_process(server_options options = {}) : options_(std::move(options)) {
        stdout_path_ = dir_.path() / "stdout";
        stderr_path_ = dir_.path() / "stderr";
        launch();
        if (options_.wait_ready) wait_until_ready();
    }
    server_process(const server_process&) = delete;
    server_process& operator=(const server_process&) = delete;
    ~server_process() {
        if (pid_ > 0 && !exit_status_) {
            ::kill(pid_, SIGKILL);
            int status = 0;
            ::waitpid(pid_, &status, 0);
        }
    }

    /// True once the server printed `tallyhub: ready` (and both ports when loopback_listeners).
    bool ready() const { return ready_; }
    /// The main HTTP listener's port (0 until ready).
    int http_port() const { return http_port_; }
    /// The admin listener's port (0 until ready).
    int admin_port() const { return admin_port_; }
    /// The process id.
    pid_t pid() const { return pid_; }

    /// Everything the server printed to stdout so far.
    std::string stdout_text() const { return read_file(stdout_path_); }
    /// Everything the server printed to stderr so far.
    std::string stderr_text() const { return read_file(stderr_path_); }
    /// Both streams, labelled, for failure messages.
    std::string output() const {
        return "--- tallyhub stdout ---\n" + stdout_text() + "--- tallyhub stderr ---\n" + stderr_text() +
               "--- end ---";
    }

    /// Sends `signo` to the server; false if it has already exited.
    bool send_signal(int signo) { return !exit_status_ && ::kill(pid_, signo) == 0; }

    /// Waits up to `timeout` for the server to exit. Returns its exit code, 128 + signal number when
    /// a signal ended it, or nothing when it is still running at the deadline.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
        if (exit_status_) return exit_status_;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            if (poll_exit()) return exit_status_;
            if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }

    /// True while the process has not exited.
    bool running() { return !poll_exit(); }

private:
    void launch() {
        const char* bin = std::getenv("TALLYHUB_BIN");
        if (bin == nullptr || *bin == '\0') {
            ADD_FAILURE() << "TALLYHUB_BIN is not set: run this test through ctest or meson test";
            return;
        }
        std::vector<std::string> argv_strings{bin};
        if (options_.loopback_listeners) {
            argv_strings.insert(argv_strings.end(), {"--http", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--amqp-listen", "127.0.0.1:0",
                                                    "--data-dir", "off"});
        }
        argv_strings.insert(argv_strings.end(), options_.args.begin(), options_.args.end());
        command_line_.clear();
        for (const auto& a : argv_strings) command_line_ += (command_line_.empty() ? "" : " ") + a;

        // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
        std::vector<char*> argv;
        for (auto& a : argv_strings) argv.push_back(a.data());
        argv.push_back(nullptr);
        const int out_fd = ::open(stdout_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        const int err_fd = ::open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        const pid_t parent = ::getpid();

        pid_ = ::fork();
        if (pid_ == 0) {
            ::setpgid(0, 0);                      // a terminal's Ctrl-C goes to the test, not the server
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);   // a crashed test leaves no server behind
            if (::getppid() != parent) ::_exit(127);
            ::dup2(null_fd, STDIN_FILENO);
            ::dup2(out_fd, STDOUT_FILENO);
            ::dup2(err_fd, STDERR_FILENO);
            sigset_t none;
            sigemptyset(&none);
            ::sigprocmask(SIG_SETMASK, &none, nullptr);
            ::execv(argv[0], argv.data());
            constexpr std::string_view msg = "server_process: execv failed\n";
            [[maybe_unused]] auto n = ::write(STDERR_FILENO, msg.data(), msg.size());
            ::_exit(127);
        }
        ::close(out_fd);
        ::close(err_fd);
        ::close(null_fd);
        if (pid_ < 0) ADD_FAILURE() << "fork failed: " << std::strerror(errno);
    }

    // Polls the stdout file: the listener lines come first, then `tallyhub: ready`.
    void wait_until_ready() {
        if (pid_ <= 0) return;
        const auto deadline = std::chrono::steady_clock::now() + options_.ready_timeout;
        for (;;) {
            const std::string out = stdout_text();
            if (out.find("tallyhub: ready\n") != std::string::npos) {
                http_port_ = listener_port(out, "http");
                admin_port_ = listener_port(out, "admin");
                ready_ = !options_.loopback_listeners || (http_port_ > 0 && admin_port_ > 0);
                if (!ready_) ADD_FAILURE() << "server is ready but printed no http/admin listener line\n" << output();
                return;
            }
            if (poll_exit()) {
                ADD_FAILURE() << "tallyhub exited with status " << *exit_status_ << " before it was ready: "
                              << command_line_ << "\n" << output();
                return;
            }
            if (std::chrono::steady_clock::now() >= deadline) {
                ADD_FAILURE() << "tallyhub printed no 'tallyhub: ready' within " << options_.ready_timeout.count()
                              << " ms: " << command_line_ << "\n" << output();
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }

    // Finds `tallyhub: listening on http://HOST:PORT/ (ROLE)` and returns PORT, or 0.
    static int listener_port(const std::string& out, std::string_view role) {
        const std::string suffix = "/ (" + std::string(role) + ")";
        std::istringstream lines(out);
        for (std::string line; std::getline(lines, line);) {
            constexpr std::string_view prefix = "tallyhub: listening on http://";
            if (line.rfind(prefix, 0) != 0 || line.size() < suffix.size() ||
                line.compare(line.size() - suffix.size(), suffix.size(), suffix) != 0) {
                continue;
            }
            const std::string authority = line.substr(prefix.size(), line.size() - suffix.size() - prefix.size());
            const auto colon = authority.rfind(':');
            if (colon == std::string::npos) continue;
            return std::atoi(authority.c_str() + colon + 1);
        }
        return 0;
    }

    // Reaps the child without blocking; records its status once it has exited.
    bool poll_exit() {
        if (exit_status_) return true;
        if (pid_ <= 0) return true;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
        exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return true;
    }

    server_options options_;
    temp_dir dir_;
    std::filesystem::path stdout_path_;
    std::filesystem::path stderr_path_;
    std::string command_line_;
    pid_t pid_ = -1;
    std::optional<int> exit_status_;
    bool ready_ = false;
    int http_port_ = 0;
    int admin_port_ = 0;
};

}  // namespace tallyhub::testing
