#include "app/config.hpp"
#include "app/amqp_url.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <vector>

namespace tallyhub::app {
namespace {

using namespace std::chrono_literals;

struct run_result {
    config_outcome outcome;
    std::string out;
    std::string err;
};

// Runs parse_config as `tallyhub ARGS...` with an injected environment and 4 online CPUs.
run_result run(std::vector<std::string> args, std::map<std::string, std::string> env = {}, unsigned cpus = 4) {
    std::vector<const char*> argv{"tallyhub"};
    for (const auto& a : args) argv.push_back(a.c_str());
    std::ostringstream out, err;
    config_context ctx;
    ctx.env = [env](const std::string& name) -> std::optional<std::string> {
        auto it = env.find(name);
        if (it == env.end()) return std::nullopt;
        return it->second;
    };
    ctx.online_cpus = cpus;
    ctx.out = &out;
    ctx.err = &err;
    auto outcome = parse_config(static_cast<int>(argv.size()), argv.data(), ctx);
    return {std::move(outcome), out.str(), err.str()};
}

// The config files the tests write, removed when the test program ends.
struct written_files {
    std::vector<std::string> paths;
    ~written_files() {
        for (const auto& p : paths) std::remove(p.c_str());
    }
};

std::string write_file(const std::string& name, const std::string& text) {
    static written_files written;
    std::string path = ::testing::TempDir() + "tallyhub_config_test_" + name;
    std::ofstream(path) << text;
    written.paths.push_back(path);
    return path;
}

// Expects a rejection: exit code 2, nothing on stdout, exactly `line` on stderr.
void expect_rejected(const run_result& r, const std::string& line) {
    ASSERT_TRUE(r.outcome.exit_code.has_value()) << line;
    EXPECT_EQ(*r.outcome.exit_code, 2);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, line + "\n");
}

TEST(Config, DefaultsWithNoArgumentsEnvironmentOrFile) {
    auto r = run({});
    ASSERT_FALSE(r.outcome.exit_code);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "");
    const config& c = r.outcome.cfg;
    EXPECT_EQ(c.http.to_string(), "0.0.0.0:8080");
    ASSERT_TRUE(c.admin);
    EXPECT_EQ(c.admin->to_string(), "127.0.0.1:9090");
    EXPECT_EQ(c.cores, 4u);
    EXPECT_EQ(c.io_backend, io_backend_mode::automatic);
    EXPECT_EQ(c.web_root, "web/dist");
    EXPECT_EQ(c.drain_timeout, 10s);
    EXPECT_EQ(c.log_level, log_severity::info);
    EXPECT_EQ(c.header_timeout, 10s);
    EXPECT_EQ(c.idle_timeout, 60s);
    EXPECT_EQ(c.max_header_bytes, 16384u);
    EXPECT_EQ(c.max_body_bytes, 1048576u);
    EXPECT_EQ(c.max_connections, 19000u);
    EXPECT_EQ(c.output_soft_limit, 262144u);
    EXPECT_EQ(c.output_hard_limit, 4194304u);
    EXPECT_TRUE(c.cors_origins.empty());
    EXPECT_EQ(c.config_file, "");
}

TEST(Config, CoresDefaultsToTheOnlineCpus) {
    EXPECT_EQ(run({}, {}, 1).outcome.cfg.cores, 1u);
    EXPECT_EQ(run({}, {}, 64).outcome.cfg.cores, 64u);
}

// One value per option, and how to see it in the config. Each row is tried on the command line, in
// the environment and in the config file.
struct option_case {
    std::string name;
    std::string value;
    std::function<bool(const config&)> applied;
};

std::vector<option_case> every_option() {
    return {
        {"http", "127.0.0.1:0", [](const config& c) { return c.http.to_string() == "127.0.0.1:0"; }},
        {"admin", "[::1]:9191", [](const config& c) { return c.admin && c.admin->to_string() == "[::1]:9191"; }},
        {"cores", "3", [](const config& c) { return c.cores == 3; }},
        {"io-backend", "epoll", [](const config& c) { return c.io_backend == io_backend_mode::epoll; }},
        {"web-root", "/srv/dash", [](const config& c) { return c.web_root == "/srv/dash"; }},
        {"drain-timeout", "1.5s", [](const config& c) { return c.drain_timeout == 1500ms; }},
        {"log-level", "debug", [](const config& c) { return c.log_level == log_severity::debug; }},
        {"header-timeout", "250ms", [](const config& c) { return c.header_timeout == 250ms; }},
        {"idle-timeout", "5m", [](const config& c) { return c.idle_timeout == 5min; }},
        {"max-header-bytes", "8KiB", [](const config& c) { return c.max_header_bytes == 8192; }},
        {"max-body-bytes", "2MiB", [](const config& c) { return c.max_body_bytes == 2097152; }},
        {"max-connections", "50000", [](const config& c) { return c.max_connections == 50000; }},
        {"output-soft-limit", "64KiB", [](const config& c) { return c.output_soft_limit == 65536; }},
        {"output-hard-limit", "8MiB", [](const config& c) { return c.output_hard_limit == 8388608; }},
        {"tcp-send-buffer", "16KiB", [](const config& c) { return c.tcp_send_buffer == 16384; }},
        {"amqp-listen", "127.0.0.1:5673", [](const config& c) { return c.amqp_listen && c.amqp_listen->port() == 5673; }},
        {"amqp-listen", "off", [](const config& c) { return !c.amqp_listen; }},
        {"amqp-credit", "250", [](const config& c) { return c.amqp_credit == 250; }},
        {"amqp-max-message", "64KiB", [](const config& c) { return c.amqp_max_message == 65536; }},
        {"amqp-url", "amqp://guest:guest@127.0.0.1:5672//amq/queue/orders",
         [](const config& c) {
             return c.amqp_urls == std::vector<std::string>{"amqp://guest:guest@127.0.0.1:5672//amq/queue/orders"};
         }},
        {"cors-origin", "https://a.example,http://b.example:8080",
         [](const config& c) {
             return c.cors_origins == std::vector<std::string>{"https://a.example", "http://b.example:8080"};
         }},
    };
}

TEST(Config, EveryOptionFromTheCommandLine) {
    for (const auto& o : every_option()) {
        auto r = run({"--" + o.name, o.value});
        ASSERT_FALSE(r.outcome.exit_code) << o.name << ": " << r.err;
        EXPECT_TRUE(o.applied(r.outcome.cfg)) << o.name;
        auto eq = run({"--" + o.name + "=" + o.value});
        EXPECT_TRUE(o.applied(eq.outcome.cfg)) << o.name << " with =";
    }
}

TEST(Config, EveryOptionFromItsEnvironmentVariable) {
    for (const auto& o : every_option()) {
        auto r = run({}, {{env_name(o.name), o.value}});
        ASSERT_FALSE(r.outcome.exit_code) << o.name << ": " << r.err;
        EXPECT_TRUE(o.applied(r.outcome.cfg)) << env_name(o.name);
    }
}

TEST(Config, EveryOptionFromTheConfigFile) {
    for (const auto& o : every_option()) {
        auto path = write_file("every.toml", "# tallyhub\n" + o.name + " = \"" + o.value + "\"\n");
        auto r = run({"--config", path});
        ASSERT_FALSE(r.outcome.exit_code) << o.name << ": " << r.err;
        EXPECT_TRUE(o.applied(r.outcome.cfg)) << o.name;
        EXPECT_EQ(r.outcome.cfg.config_file, path);
    }
}

TEST(Config, EnvironmentNamesArePrefixedUpperSnakeCase) {
    EXPECT_EQ(env_name("http"), "TALLYHUB_HTTP");
    EXPECT_EQ(env_name("io-backend"), "TALLYHUB_IO_BACKEND");
    EXPECT_EQ(env_name("drain-timeout"), "TALLYHUB_DRAIN_TIMEOUT");
}

TEST(Config, CommandLineBeatsEnvironmentBeatsFileBeatsDefault) {
    auto path = write_file("precedence.toml", "http = 10.0.0.1:1\nlog-level = \"warn\"\n");
    std::map<std::string, std::string> env{{"TALLYHUB_HTTP", "10.0.0.2:2"}, {"TALLYHUB_CONFIG", path}};

    EXPECT_EQ(run({"--http", "10.0.0.3:3"}, env).outcome.cfg.http.to_string(), "10.0.0.3:3");
    auto from_env = run({}, env).outcome.cfg;
    EXPECT_EQ(from_env.http.to_string(), "10.0.0.2:2");
    EXPECT_EQ(from_env.log_level, log_severity::warn);  // the file still fills what nothing else sets
    EXPECT_EQ(run({}, {{"TALLYHUB_CONFIG", path}}).outcome.cfg.http.to_string(), "10.0.0.1:1");
    EXPECT_EQ(run({}).outcome.cfg.http.to_string(), "0.0.0.0:8080");
}

TEST(Config, CommandLineConfigBeatsEnvironmentConfig) {
    auto a = write_file("a.toml", "web-root = /a\n");
    auto b = write_file("b.toml", "web-root = /b\n");
    auto r = run({"--config", b}, {{"TALLYHUB_CONFIG", a}});
    EXPECT_EQ(r.outcome.cfg.web_root, "/b");
    EXPECT_EQ(r.outcome.cfg.config_file, b);
}

TEST(Config, EmptyEnvironmentVariableCountsAsUnset) {
    auto r = run({}, {{"TALLYHUB_HTTP", ""}, {"TALLYHUB_CORES", ""}});
    ASSERT_FALSE(r.outcome.exit_code) << r.err;
    EXPECT_EQ(r.outcome.cfg.http.to_string(), "0.0.0.0:8080");
}

TEST(Config, ProcessEnvironmentIsReadOnlyThroughTheLookup) {
    ::setenv("TALLYHUB_HTTP", "10.9.9.9:99", 1);
    EXPECT_EQ(process_env("TALLYHUB_HTTP"), "10.9.9.9:99");
    EXPECT_EQ(run({}).outcome.cfg.http.to_string(), "0.0.0.0:8080");  // injected environment is empty
    config_context real;
    real.online_cpus = 4;
    const char* argv[] = {"tallyhub"};
    EXPECT_EQ(parse_config(1, argv, real).cfg.http.to_string(), "10.9.9.9:99");
    ::unsetenv("TALLYHUB_HTTP");
    EXPECT_EQ(process_env("TALLYHUB_HTTP"), std::nullopt);
}

TEST(Config, RepeatedSingleValueOptionKeepsTheLast) {
    auto r = run({"--http", "1.1.1.1:1", "--http", "2.2.2.2:2"});
    EXPECT_EQ(r.outcome.cfg.http.to_string(), "2.2.2.2:2");
}

TEST(Config, CorsOriginsRepeatAndCommandLineReplacesEnvironment) {
    auto r = run({"--cors-origin", "https://a.example, https://b.example", "--cors-origin", "*"},
                 {{"TALLYHUB_CORS_ORIGIN", "https://env.example"}});
    EXPECT_EQ(r.outcome.cfg.cors_origins,
              (std::vector<std::string>{"https://a.example", "https://b.example", "*"}));
    auto path = write_file("cors.toml", "cors-origin = [\"https://x.example\", \"https://y.example\"]\n");
    EXPECT_EQ(run({"--config", path}).outcome.cfg.cors_origins,
              (std::vector<std::string>{"https://x.example", "https://y.example"}));
}

TEST(Config, AdminOffOrEmptyDisablesIt) {
    EXPECT_FALSE(run({"--admin", "off"}).outcome.cfg.admin);
    EXPECT_FALSE(run({"--admin", ""}).outcome.cfg.admin);
    EXPECT_FALSE(run({}, {{"TALLYHUB_ADMIN", "off"}}).outcome.cfg.admin);
}

TEST(Config, ConfigFileAcceptsCommentsUnderscoresAndIniSyntax) {
    auto path = write_file("ini.conf",
                           "; INI comment\n"
                           "# TOML comment\n"
                           "io_backend = uring   # trailing comment\n"
                           "max-connections=100\n"
                           "\n"
                           "[default]\n"
                           "idle-timeout = '90s'\n");
    auto r = run({"--config", path});
    ASSERT_FALSE(r.outcome.exit_code) << r.err;
    EXPECT_EQ(r.outcome.cfg.io_backend, io_backend_mode::uring);
    EXPECT_EQ(r.outcome.cfg.max_connections, 100u);
    EXPECT_EQ(r.outcome.cfg.idle_timeout, 90s);
}

TEST(Config, AmqpListenerCredentialsAndBrokerUrls) {
    auto plain = run({"--amqp-user", "ingest", "--amqp-password", "s3cret", "--amqp-anonymous", "false"});
    ASSERT_FALSE(plain.outcome.exit_code) << plain.err;
    EXPECT_EQ(plain.outcome.cfg.amqp_user, "ingest");
    EXPECT_EQ(plain.outcome.cfg.amqp_password, "s3cret");
    EXPECT_FALSE(plain.outcome.cfg.amqp_anonymous);
    expect_rejected(run({"--amqp-user", "ingest"}),
                    "tallyhub: --amqp-user and --amqp-password go together (SASL PLAIN)");
    expect_rejected(run({"--amqp-anonymous", "false"}),
                    "tallyhub: --amqp-anonymous false needs --amqp-user/--amqp-password, or --amqp-listen off");
    auto closed = run({"--amqp-anonymous", "false", "--amqp-listen", "off"});
    EXPECT_FALSE(closed.outcome.exit_code) << closed.err;

    auto two = run({"--amqp-url", "amqp://127.0.0.1/orders", "--amqp-url", "amqp://u:p@[::1]:5673/events%2Fsubscriptions%2Fbilling"});
    ASSERT_FALSE(two.outcome.exit_code) << two.err;
    ASSERT_EQ(two.outcome.cfg.amqp_urls.size(), 2u);
    broker_url a = parse_broker_url(two.outcome.cfg.amqp_urls[0]);
    EXPECT_EQ(a.where.to_string(), "127.0.0.1:5672") << "default port";
    EXPECT_FALSE(a.has_user) << "no user info: ANONYMOUS";
    EXPECT_EQ(a.address, "orders");
    broker_url b = parse_broker_url(two.outcome.cfg.amqp_urls[1]);
    EXPECT_EQ(b.where.to_string(), "[::1]:5673");
    EXPECT_EQ(b.user, "u");
    EXPECT_EQ(b.password, "p");
    EXPECT_EQ(b.address, "events/subscriptions/billing");
    EXPECT_EQ(b.redacted(), "amqp://u:***@[::1]:5673/events/subscriptions/billing") << "no password in logs";
    broker_url rabbit = parse_broker_url("amqp://guest:guest@localhost:5672//amq/queue/orders?vhost=prod");
    EXPECT_EQ(rabbit.address, "/amq/queue/orders");
    EXPECT_EQ(rabbit.vhost, "prod");
    EXPECT_EQ(rabbit.where.to_string(), "127.0.0.1:5672");

    expect_rejected(run({"--amqp-url", "amqps://h:5671/q"}),
                    "tallyhub: --amqp-url: amqps:// (TLS) is not supported; use amqp:// on a trusted network or a "
                    "TLS-terminating proxy");
    expect_rejected(run({"--amqp-url", "http://h/q"}), "tallyhub: --amqp-url: must start with amqp://");
    expect_rejected(run({"--amqp-url", "amqp://127.0.0.1:5672"}),
                    "tallyhub: --amqp-url: no address: write amqp://host:port/ADDRESS");
    expect_rejected(run({"--amqp-url", "amqp://127.0.0.1/q?durable=1"}),
                    "tallyhub: --amqp-url: unknown parameter 'durable' (known: vhost)");
    expect_rejected(run({"--amqp-url", "amqp://broker.example/q"}), "tallyhub: --amqp-url: invalid host \"broker.example\" (expected an IPv4 address, [IPv6 address], localhost or *)");
}

TEST(Config, ConfigFileErrors) {
    std::string missing = ::testing::TempDir() + "tallyhub_config_test_missing.toml";
    expect_rejected(run({"--config", missing}),
                    "tallyhub: --config: cannot read \"" + missing + "\": No such file or directory");
    expect_rejected(run({}, {{"TALLYHUB_CONFIG", missing}}),
                    "tallyhub: TALLYHUB_CONFIG: cannot read \"" + missing + "\": No such file or directory");

    auto typo = write_file("typo.toml", "htp = 1.2.3.4:80\n");
    expect_rejected(run({"--config", typo}), "tallyhub: --config: " + typo + ": unknown option \"htp\" (see --help)");
    auto section = write_file("section.toml", "[redis]\nhost = x\n");
    expect_rejected(run({"--config", section}),
                    "tallyhub: --config: " + section + ": unknown option \"redis-host\" (see --help)");
    auto nested = write_file("nested.toml", "config = other.toml\n");
    expect_rejected(run({"--config", nested}),
                    "tallyhub: --config: " + nested + ": unknown option \"config\" (see --help)");
    auto array = write_file("array.toml", "http = [\"1.1.1.1:1\", \"2.2.2.2:2\"]\n");
    expect_rejected(run({"--config", array}), "tallyhub: --config: " + array + ": http: expected one value, got 2");
    auto bad = write_file("bad.toml", "http = \"1.2.3.4:99999\"\n");
    expect_rejected(run({"--config", bad}), "tallyhub: " + bad + ": http: invalid port \"99999\" (expected 0-65535)");
}

TEST(Config, InvalidCommandLineValuesExitTwoWithOneLine) {
    expect_rejected(run({"--http", "1.2.3:99999"}), "tallyhub: --http: invalid port \"99999\" (expected 0-65535)");
    expect_rejected(run({"--http", "localhost:abc"}), "tallyhub: --http: invalid port \"abc\" (expected 0-65535)");
    expect_rejected(run({"--http", "1.2.3:80"}),
                    "tallyhub: --http: invalid host \"1.2.3\" (expected an IPv4 address, [IPv6 address], "
                    "localhost or *)");
    expect_rejected(run({"--admin", "9090"}),
                    "tallyhub: --admin: invalid endpoint \"9090\" (expected HOST:PORT, e.g. 0.0.0.0:8080)");
    expect_rejected(run({"--drain-timeout", "10"}),
                    "tallyhub: --drain-timeout: invalid duration \"10\" (a unit is required: ns, us, ms, s, m or "
                    "h, e.g. 10s)");
    expect_rejected(run({"--idle-timeout", "soon"}),
                    "tallyhub: --idle-timeout: invalid duration \"soon\" (expected a number and a unit, e.g. 10s)");
    expect_rejected(run({"--header-timeout", "0s"}),
                    "tallyhub: --header-timeout: invalid duration \"0s\" (must be more than 0)");
    expect_rejected(run({"--cores", "0"}), "tallyhub: --cores: invalid value \"0\" (expected 1-1024)");
    expect_rejected(run({"--cores", "2000"}), "tallyhub: --cores: invalid value \"2000\" (expected 1-1024)");
    expect_rejected(run({"--cores", "5"}), "tallyhub: --cores: 5 is more than the 4 online CPUs");
    expect_rejected(run({"--io-backend", "foo"}),
                    "tallyhub: --io-backend: invalid value \"foo\" (expected uring, epoll or auto)");
    expect_rejected(run({"--log-level", "verbose"}),
                    "tallyhub: --log-level: invalid value \"verbose\" (expected trace, debug, info, warn or error)");
    expect_rejected(run({"--web-root", ""}), "tallyhub: --web-root: must not be empty");
    expect_rejected(run({"--max-body-bytes", "1MB"}),
                    "tallyhub: --max-body-bytes: invalid size \"1MB\" (unknown unit \"MB\"; use KiB, MiB or GiB)");
    expect_rejected(run({"--max-header-bytes", "100"}),
                    "tallyhub: --max-header-bytes: invalid size \"100\" (at least 512)");
    expect_rejected(run({"--max-connections", "-1"}),
                    "tallyhub: --max-connections: invalid value \"-1\" (expected 1-10000000)");
    expect_rejected(run({"--cors-origin", "https://a.example/"}),
                    "tallyhub: --cors-origin: invalid origin \"https://a.example/\" (expected scheme://host[:port] "
                    "without a path, e.g. https://example.com, or *)");
    expect_rejected(run({"--output-soft-limit", "8MiB"}),
                    "tallyhub: --output-soft-limit 8MiB is above --output-hard-limit 4MiB");
}

TEST(Config, CommandLineShapeErrors) {
    expect_rejected(run({"--frobnicate"}), "tallyhub: unknown option \"--frobnicate\" (see --help)");
    expect_rejected(run({"--frobnicate=1"}), "tallyhub: unknown option \"--frobnicate=1\" (see --help)");
    expect_rejected(run({"serve"}), "tallyhub: unexpected argument \"serve\" (see --help)");
    expect_rejected(run({"--http", "1.1.1.1:1", "2.2.2.2:2"}),
                    "tallyhub: unexpected argument \"2.2.2.2:2\" (see --help)");
    expect_rejected(run({"--http"}), "tallyhub: --http: missing value (expected HOST:PORT)");
}

TEST(Config, InvalidEnvironmentValuesNameTheVariable) {
    expect_rejected(run({}, {{"TALLYHUB_CORES", "0"}}), "tallyhub: TALLYHUB_CORES: invalid value \"0\" (expected 1-1024)");
    expect_rejected(run({}, {{"TALLYHUB_IO_BACKEND", "kqueue"}}),
                    "tallyhub: TALLYHUB_IO_BACKEND: invalid value \"kqueue\" (expected uring, epoll or auto)");
    // A bad variable is not reported when the command line overrides it.
    EXPECT_FALSE(run({"--cores", "2"}, {{"TALLYHUB_CORES", "0"}}).outcome.exit_code);
}

TEST(Config, HelpListsEveryOptionWithDefaultAndEnvironmentVariable) {
    auto r = run({"--help"});
    ASSERT_TRUE(r.outcome.exit_code);
    EXPECT_EQ(*r.outcome.exit_code, 0);
    EXPECT_EQ(r.err, "");
    for (const auto& o : every_option()) {
        EXPECT_NE(r.out.find("--" + o.name + " "), std::string::npos) << o.name;
        EXPECT_NE(r.out.find("[env: " + env_name(o.name) + "]"), std::string::npos) << o.name;
    }
    for (std::string shown : {"--config FILE", "[env: TALLYHUB_CONFIG]", "--version", "--help",
                              "--http HOST:PORT", "[default: 0.0.0.0:8080]", "[default: 127.0.0.1:9090]",
                              "[default: 4]", "--io-backend uring|epoll|auto", "[default: auto]",
                              "[default: web/dist]", "[default: 10s]", "[default: info]", "[default: 1m]",
                              "[default: 16KiB]", "[default: 1MiB]", "[default: 19000]", "[default: 256KiB]",
                              "[default: 4MiB]"}) {
        EXPECT_NE(r.out.find(shown), std::string::npos) << shown << "\n" << r.out;
    }
    EXPECT_EQ(run({"-h"}).out, r.out);
}

TEST(Config, HelpWinsOverInvalidValues) {
    auto r = run({"--cores", "0", "--help"});
    EXPECT_EQ(r.outcome.exit_code, 0);
    EXPECT_EQ(r.err, "");
}

TEST(Config, VersionPrintsNameAndVersion) {
    auto r = run({"--version"});
    EXPECT_EQ(r.outcome.exit_code, 0);
    EXPECT_EQ(r.out, "tallyhub " TALLYHUB_VERSION "\n");
    EXPECT_EQ(r.err, "");
}

}  // namespace
}  // namespace tallyhub::app
