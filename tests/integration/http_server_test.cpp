// The HTTP server as a user meets it: the real tallyhub binary on loopback ports, once per I/O
// backend (io_uring and epoll), checked through raw HTTP/1.1 bytes.

#include "tests/integration/http_client.hpp"
#include "tests/integration/server_process.hpp"

#include <gtest/gtest.h>

#include <linux/io_uring.h>
#include <sys/syscall.h>

#include <csignal>
#include <memory>
#include <sstream>

namespace tallyhub::testing {
namespace {

using namespace std::chrono_literals;

// The header-timeout test runs the server with --header-timeout 1s and waits up to this long.
constexpr auto header_timeout_bound = 5s;

constexpr std::string_view index_html = "<!doctype html>\n<title>tallyhub test</title>\n<p>index</p>\n";
constexpr std::string_view app_js = "console.log(\"tallyhub\");\n";
constexpr std::string_view style_css = "body { margin: 0; }\n";

// Whether this kernel lets us create an io_uring (containers often forbid it by seccomp).
bool io_uring_available(std::string& why) {
    io_uring_params params{};
    const long fd = ::syscall(__NR_io_uring_setup, 1, &params);
    if (fd < 0) {
        why = std::strerror(errno);
        return false;
    }
    ::close(static_cast<int>(fd));
    return true;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

class http_server_test : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        std::string why;
        if (GetParam() == "uring" && !io_uring_available(why)) {
            GTEST_SKIP() << "SKIPPED: io_uring is not available here (" << why
                         << "); only the epoll backend is tested on this machine";
        }
        web_.write("index.html", index_html);
        web_.write("app.js", app_js);
        web_.write("css/style.css", style_css);
    }

    // Starts tallyhub on the backend under test, one core, serving web_ as its web root.
    std::unique_ptr<server_process> start(std::vector<std::string> extra = {}) {
        server_options options;
        options.args = {"--io-backend", GetParam(), "--cores", "1", "--web-root", web_.path().string()};
        options.args.insert(options.args.end(), extra.begin(), extra.end());
        return std::make_unique<server_process>(std::move(options));
    }

    temp_dir web_;
};

TEST_P(http_server_test, healthz_and_readyz_answer_200_on_the_admin_port) {
    auto server = start();
    ASSERT_TRUE(server->ready());
    auto health = http_request(server->admin_port(), "GET", "/healthz");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
    auto ready = http_request(server->admin_port(), "GET", "/readyz");
    ASSERT_TRUE(ready);
    EXPECT_EQ(ready->status, 200) << ready->body;
}

TEST_P(http_server_test, metrics_are_prometheus_text_with_build_info_and_backend) {
    auto server = start();
    ASSERT_TRUE(server->ready());
    auto metrics = http_request(server->admin_port(), "GET", "/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_EQ(metrics->status, 200);
    EXPECT_TRUE(starts_with(metrics->header("Content-Type").value_or(""), "text/plain"))
        << metrics->header("Content-Type").value_or("(none)");
    EXPECT_NE(metrics->body.find("tallyhub_build_info"), std::string::npos) << metrics->body;
    // The backend in use is a label value of the tallyhub_io_backend series.
    bool backend_line = false;
    std::istringstream lines(metrics->body);
    for (std::string line; std::getline(lines, line);) {
        if (starts_with(line, "tallyhub_io_backend") && line.find('"' + GetParam() + '"') != std::string::npos) {
            backend_line = true;
        }
    }
    EXPECT_TRUE(backend_line) << "no tallyhub_io_backend line naming \"" << GetParam() << "\" in:\n" << metrics->body;
}

TEST_P(http_server_test, unknown_paths_are_404) {
    auto server = start();
    ASSERT_TRUE(server->ready());
    auto page = http_request(server->http_port(), "GET", "/no/such/file.html");
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 404);
    auto admin = http_request(server->admin_port(), "GET", "/no-such-endpoint");
    ASSERT_TRUE(admin);
    EXPECT_EQ(admin->status, 404);
}

TEST_P(http_server_test, post_to_healthz_is_405_with_allow) {
    auto server = start();
    ASSERT_TRUE(server->ready());
    http_client client(server->admin_port());
    ASSERT_TRUE(client.connected()) << client.error();
    auto r = client.request("POST", "/healthz", {{"Content-Type", "text/plain"}}, "x");
    ASSERT_TRUE(r) << client.error();
    EXPECT_EQ(r->status, 405);
    const auto allow = r->header("Allow");
    ASSERT_TRUE(allow) << "405 without an Allow header";
    EXPECT_NE(allow->find("GET"), std::string::npos) << *allow;
}

TEST_P(http_server_test, keep_alive_serves_two_requests_on_one_connection) {
    auto server = start();
    ASSERT_TRUE(server->ready());
    http_client client(server->http_port());
    ASSERT_TRUE(client.connected()) << client.error();
    for (int i = 0; i < 2; ++i) {
        auto r = client.request("GET", "/index.html");
        ASSERT_TRUE(r) << "request " << i + 1 << ": " << client.error();
        EXPECT_EQ(r->status, 200);
        EXPECT_EQ(r->body, index_html);
        EXPECT_FALSE(http_response::equals_ignore_case(r->header("Connection").value_or(""), "close"));
    }
}

TEST_P(http_server_test, pipelined_requests_are_answered_in_order) {
    auto server = start();
    ASSERT_TRUE(server->ready());
    http_client client(server->http_port());
    ASSERT_TRUE(client.connected()) << client.error();
    ASSERT_TRUE(client.send_raw(http_client::format_request("GET", "/app.js") +
                                http_client::format_request("GET", "/index.html") +
                                http_client::format_request("GET", "/css/style.css")));
    for (std::string_view expected : {app_js, index_html, style_css}) {
        auto r = client.read_response();
        ASSERT_TRUE(r) << client.error();
        EXPECT_EQ(r->status, 200);
        EXPECT_EQ(r->body, expected);
    }
}

TEST_P(http_server_test, headers_over_16_kib_are_431) {
    auto server = start();
    ASSERT_TRUE(server->ready());
    http_client client(server->http_port());
    ASSERT_TRUE(client.connected()) << client.error();
    ASSERT_TRUE(client.send_raw(http_client::format_request("GET", "/index.html",
                                                            {{"X-Padding", std::string(17 * 1024, 'a')}})));
    auto r = client.read_response();
    ASSERT_TRUE(r) << client.error();
    EXPECT_EQ(r->status, 431);
}

TEST_P(http_server_test, unfinished_request_is_closed_after_the_header_timeout) {
    auto server = start({"--header-timeout", "1s"});
    ASSERT_TRUE(server->ready());
    http_client client(server->http_port());
    ASSERT_TRUE(client.connected()) << client.error();
    ASSERT_TRUE(client.send_raw("GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
    EXPECT_FALSE(client.wait_closed(300ms)) << "closed at once instead of waiting for the rest of the headers";
    EXPECT_TRUE(client.wait_closed(header_timeout_bound))
        << "still open after " << header_timeout_bound.count() << " s";
}

TEST_P(http_server_test, dot_dot_paths_never_leave_the_web_root) {
    auto server = start();
    ASSERT_TRUE(server->ready());
    {
        http_client client(server->http_port());
        ASSERT_TRUE(client.connected()) << client.error();
        auto r = client.request("GET", "/../etc/passwd");
        ASSERT_TRUE(r) << client.error();
        EXPECT_EQ(r->status, 404);
        EXPECT_EQ(r->body.find("root:"), std::string::npos);
    }
    for (const char* target : {"/%2e%2e/etc/passwd", "/css/../../etc/passwd", "/..%2fetc%2fpasswd"}) {
        http_client client(server->http_port());
        auto r = client.request("GET", target);
        ASSERT_TRUE(r) << target << ": " << client.error();
        EXPECT_TRUE(r->status == 404 || r->status == 400) << target << " -> " << r->status;
        EXPECT_EQ(r->body.find("root:"), std::string::npos) << target;
    }
}

TEST_P(http_server_test, static_files_have_content_type_and_etag) {
    auto server = start();
    ASSERT_TRUE(server->ready());
    struct file_case {
        const char* target;
        std::string_view body;
        std::vector<std::string> types;
    };
    const file_case cases[] = {
        {"/", index_html, {"text/html"}},
        {"/index.html", index_html, {"text/html"}},
        {"/app.js", app_js, {"text/javascript", "application/javascript"}},
        {"/css/style.css", style_css, {"text/css"}},
    };
    for (const auto& c : cases) {
        auto r = http_request(server->http_port(), "GET", c.target);
        ASSERT_TRUE(r) << c.target;
        EXPECT_EQ(r->status, 200) << c.target;
        EXPECT_EQ(r->body, c.body) << c.target;
        const std::string type = r->header("Content-Type").value_or("");
        bool type_ok = false;
        for (const auto& t : c.types) type_ok = type_ok || starts_with(type, t);
        EXPECT_TRUE(type_ok) << c.target << " has Content-Type '" << type << "'";
        const std::string etag = r->header("ETag").value_or("");
        EXPECT_TRUE(starts_with(etag, "\"") || starts_with(etag, "W/\"")) << c.target << " ETag '" << etag << "'";
    }
}

TEST_P(http_server_test, if_none_match_with_current_etag_is_304) {
    auto server = start();
    ASSERT_TRUE(server->ready());
    http_client client(server->http_port());
    auto first = client.request("GET", "/app.js");
    ASSERT_TRUE(first) << client.error();
    const auto etag = first->header("ETag");
    ASSERT_TRUE(etag) << "no ETag on a static file";

    auto same = client.request("GET", "/app.js", {{"If-None-Match", *etag}});
    ASSERT_TRUE(same) << client.error();
    EXPECT_EQ(same->status, 304);
    EXPECT_EQ(same->body, "");
    EXPECT_EQ(same->header("ETag").value_or(""), *etag);

    auto other = client.request("GET", "/app.js", {{"If-None-Match", "\"not-the-etag\""}});
    ASSERT_TRUE(other) << client.error();
    EXPECT_EQ(other->status, 200);
    EXPECT_EQ(other->body, app_js);
}

TEST_P(http_server_test, two_cores_serve_one_port) {
    auto server = start({"--cores", "2"});
    ASSERT_TRUE(server->ready());
    for (int i = 0; i < 8; ++i) {
        auto r = http_request(server->http_port(), "GET", "/index.html");
        ASSERT_TRUE(r) << "connection " << i + 1;
        EXPECT_EQ(r->status, 200);
    }
}

TEST_P(http_server_test, sigterm_and_sigint_drain_and_exit_0) {
    for (int signo : {SIGTERM, SIGINT}) {
        auto server = start({"--drain-timeout", "2s"});
        ASSERT_TRUE(server->ready());
        http_client idle(server->http_port());   // an open keep-alive connection must not hold up the exit
        ASSERT_TRUE(idle.connected());
        ASSERT_TRUE(server->send_signal(signo));
        const auto code = server->wait_exit(2s + 5s);
        ASSERT_TRUE(code) << strsignal(signo) << ": still running 5 s after the drain timeout\n" << server->output();
        EXPECT_EQ(*code, 0) << strsignal(signo) << "\n" << server->output();
    }
}

INSTANTIATE_TEST_SUITE_P(backends, http_server_test, ::testing::Values("uring", "epoll"),
                         [](const auto& info) { return info.param; });

// Start-up errors: exit code 2 and one line on stderr that names the problem.
void expect_usage_error(std::vector<std::string> args, std::string_view mentioned) {
    server_options options;
    options.args = std::move(args);
    options.wait_ready = false;
    server_process server(std::move(options));
    const auto code = server.wait_exit(10s);
    ASSERT_TRUE(code) << "still running with a bad option\n" << server.output();
    EXPECT_EQ(*code, 2) << server.output();
    EXPECT_EQ(server.stdout_text().find("tallyhub: ready"), std::string::npos);
    std::string err = server.stderr_text();
    while (!err.empty() && err.back() == '\n') err.pop_back();
    EXPECT_FALSE(err.empty()) << "nothing on stderr";
    EXPECT_EQ(err.find('\n'), std::string::npos) << "more than one line on stderr:\n" << err;
    EXPECT_NE(err.find(mentioned), std::string::npos) << "stderr does not mention '" << mentioned << "':\n" << err;
}

TEST(http_server_startup, unknown_option_exits_2_with_one_line) {
    expect_usage_error({"--no-such-option"}, "no-such-option");
}

TEST(http_server_startup, bad_io_backend_exits_2_with_one_line) {
    expect_usage_error({"--io-backend", "kqueue"}, "kqueue");
}

}  // namespace
}  // namespace tallyhub::testing
