#pragma once
// A throwaway PostgreSQL 15 cluster for one test program: initdb into a temp dir owned by the user
// it runs as (`postgres` when we are root), then the postmaster on a free loopback port with its
// socket in that dir (-k <tmp> -p <port> -c listen_addresses=127.0.0.1). What `pg_ctl start -w`
// does, but the postmaster is our child with a parent-death signal, so a crashing test program
// leaves no server behind. stop() / start() restart it on the same port and data (a pg_ctl restart).

#include <memory>
#include <string>
#include <vector>

#include "core/reactor.hpp"
#include "tests/core/reactor_harness.hpp"
#include "tests/store/service_process.hpp"

namespace tallyhub::testing {

class pg_service {
public:
    static constexpr const char* bin = "/usr/lib/postgresql/15/bin/";

    pg_service() : as_(postgres_identity()), dir_("pg", as_), port_(free_loopback_port()) {
        std::filesystem::path data = dir_.path() / "data";
        int rc = run_command({std::string(bin) + "initdb", "-D", data.string(), "-U", "postgres", "-A", "trust",
                              "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"},
                             log_path(), as_, dir_.path());
        if (rc != 0) throw std::runtime_error("initdb failed (exit " + std::to_string(rc) + "):\n" + log());
        start();
    }
    ~pg_service() { proc_.stop(SIGQUIT, std::chrono::seconds(5)); }

    std::uint16_t port() const noexcept { return port_; }
    std::string socket_dir() const { return dir_.path().string(); }
    /// A libpq URI for database `db` over TCP on loopback.
    std::string url(const std::string& db) const {
        return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + db;
    }

    void start() {
        std::filesystem::path data = dir_.path() / "data";
        proc_.start({std::string(bin) + "postgres", "-D", data.string(), "-k", socket_dir(), "-p", std::to_string(port_),
                     "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off",
                     "-c", "shared_buffers=16MB", "-c", "max_connections=30", "-c", "log_min_messages=warning"},
                    log_path(), as_, dir_.path());
        // Ready when postmaster.pid's status line says so (what pg_ctl -w waits for).
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        for (;;) {
            std::string pid = slurp(data / "postmaster.pid");
            if (pid.find("\nready") != std::string::npos && loopback_accepts(port_)) break;
            if (!proc_.running() || std::chrono::steady_clock::now() > deadline)
                throw std::runtime_error("postgres did not start on port " + std::to_string(port_) + ":\n" + log());
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    /// Fast shutdown (SIGINT): sessions are told and closed, like `pg_ctl stop -m fast`.
    void stop() { proc_.stop(SIGINT); }
    bool running() { return proc_.running(); }
    /// SIGSTOP / SIGCONT the postmaster: new connections are accepted by the kernel and never answered;
    /// sessions already open (their own backends) carry on.
    void pause() { proc_.signal(SIGSTOP); }
    void resume() { proc_.signal(SIGCONT); }

    /// Creates database `name` (createdb over the socket; trust authentication).
    void create_database(const std::string& name) {
        int rc = run_command({std::string(bin) + "createdb", "-h", socket_dir(), "-p", std::to_string(port_),
                              "-U", "postgres", name},
                             log_path(), as_, dir_.path());
        if (rc != 0) throw std::runtime_error("createdb " + name + " failed:\n" + log());
    }

    std::string log() const { return slurp(log_path()); }

private:
    std::filesystem::path log_path() const { return dir_.path() / "postgres.log"; }

    std::optional<run_as> as_;
    service_dir dir_;
    std::uint16_t port_;
    child_process proc_;
};

/// A parameterised (backend) test suite sharing one cluster: started before its first test, stopped
/// after its last; each test gets a fresh database from fresh_database().
class pg_suite : public ::testing::TestWithParam<std::string> {
public:
    static void SetUpTestSuite() {
        try {
            cluster_ = std::make_unique<pg_service>();
        } catch (const std::exception& e) {
            setup_error_ = e.what();
        }
    }
    static void TearDownTestSuite() { cluster_.reset(); }

protected:
    void SetUp() override { ASSERT_TRUE(cluster_) << "PostgreSQL did not start: " << setup_error_; }
    void TearDown() override {
        if (HasFailure() && cluster_) std::cerr << "--- postgres log ---\n" << cluster_->log();
    }
    backend_kind kind() const { return backend_param(GetParam()); }
    pg_service& cluster() { return *cluster_; }
    /// Creates a new database and returns its URL.
    std::string fresh_database() {
        std::string name = "t" + std::to_string(++databases_) + "_" + GetParam();
        cluster_->create_database(name);
        return cluster_->url(name);
    }

private:
    static inline std::unique_ptr<pg_service> cluster_;
    static inline std::string setup_error_;
    static inline int databases_ = 0;
};

}  // namespace tallyhub::testing
