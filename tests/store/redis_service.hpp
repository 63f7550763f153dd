#pragma once
// A throwaway redis-server for one test: `redis-server --port <free> --bind 127.0.0.1 --save ''
// --dir <tmp>`, started in the constructor, stopped and removed in the destructor. stop(), start()
// (same port, so a client reconnects to it), pause() and resume() (SIGSTOP/SIGCONT: a server that
// accepts connections but never answers) drive the outage tests.

#include <string>
#include <vector>

#include "tests/store/service_process.hpp"

namespace tallyhub::testing {

class redis_service {
public:
    /// `extra` is appended to the command line (e.g. {"--requirepass", "secret"}).
    explicit redis_service(std::vector<std::string> extra = {})
        : dir_("redis"), port_(free_loopback_port()), extra_(std::move(extra)) {
        start();
    }
    ~redis_service() { proc_.stop(SIGKILL); }

    std::uint16_t port() const noexcept { return port_; }
    /// "redis://127.0.0.1:<port>/<db>"
    std::string url(int db = 0) const { return "redis://127.0.0.1:" + std::to_string(port_) + "/" + std::to_string(db); }

    void start() {
        std::vector<std::string> argv = {"/usr/bin/redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no", "--dir", dir_.path().string(),
                                         "--daemonize", "no", "--protected-mode", "no"};
        argv.insert(argv.end(), extra_.begin(), extra_.end());
        proc_.start(argv, log_path(), std::nullopt, dir_.path());
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!loopback_accepts(port_)) {
            if (!proc_.running() || std::chrono::steady_clock::now() > deadline)
                throw std::runtime_error("redis-server did not start on port " + std::to_string(port_) + ":\n" + log());
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    void stop() { proc_.stop(SIGTERM); }
    void kill() { proc_.stop(SIGKILL); }
    void pause() { proc_.signal(SIGSTOP); }
    void resume() { proc_.signal(SIGCONT); }
    bool running() { return proc_.running(); }

    std::string log() const { return slurp(log_path()); }

private:
    std::filesystem::path log_path() const { return dir_.path() / "redis.log"; }

    service_dir dir_;
    std::uint16_t port_;
    std::vector<std::string> extra_;
    child_process proc_;
};

}  // namespace tallyhub::testing
