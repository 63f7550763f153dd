// File I/O on the reactor, on both backends: positioned writes and reads, and fsync/fdatasync, which
// the journal (store/) needs for group commit. io_uring runs them in the kernel; the epoll fallback
// runs them synchronously.

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/io.hpp"
#include "tests/core/reactor_harness.hpp"

namespace tallyhub {
namespace {

using tallyhub::testing::run_on_reactor;

class file_fsync_test : public ::testing::TestWithParam<std::string> {
protected:
    backend_kind kind() const { return tallyhub::testing::backend_param(GetParam()); }

    void SetUp() override {
        std::string tmpl = ::testing::TempDir() + "tallyhub-fsync-XXXXXX";
        fd_ = ::mkstemp(tmpl.data());
        ASSERT_GE(fd_, 0) << "mkstemp: " << std::strerror(errno);
        path_ = tmpl;
    }
    void TearDown() override {
        if (fd_ >= 0) ::close(fd_);
        ::unlink(path_.c_str());
    }

    int fd_ = -1;
    std::string path_;
};

task<void> write_sync_read(int fd) {
    const std::string a = "first block ", b = "second block";
    EXPECT_EQ(co_await io::write(fd, a.data(), uint32_t(a.size()), 0), int32_t(a.size()));
    EXPECT_EQ(co_await io::write(fd, b.data(), uint32_t(b.size()), a.size()), int32_t(b.size()));
    EXPECT_EQ(co_await io::fsync(fd), 0);                   // fdatasync
    EXPECT_EQ(co_await io::fsync(fd, /*datasync=*/false), 0);  // full fsync
    char buf[64] = {};
    int32_t n = co_await io::read(fd, buf, sizeof buf, 0);
    EXPECT_EQ(std::string(buf, size_t(n > 0 ? n : 0)), a + b);
}

TEST_P(file_fsync_test, writes_flush_and_read_back) {
    run_on_reactor(kind(), [&] { return write_sync_read(fd_); });
}

task<void> fsync_fails(int bad_fd, int pipe_fd, int32_t* bad_res, int32_t* pipe_res) {
    *bad_res = co_await io::fsync(bad_fd);
    *pipe_res = co_await io::fsync(pipe_fd);
}

TEST_P(file_fsync_test, fsync_reports_errno) {
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    int32_t bad = 0, on_pipe = 0;
    run_on_reactor(kind(), [&] { return fsync_fails(p[1] + 100, p[1], &bad, &on_pipe); });
    EXPECT_EQ(bad, -EBADF);
    EXPECT_EQ(on_pipe, -EINVAL);  // a pipe cannot be synced
    ::close(p[0]);
    ::close(p[1]);
}

// The epoll backend keeps readiness per fd number. A socket that ran dry and was closed with ::close
// leaves "not readable" behind; a file that reuses the number must still be written and synced.
task<void> reuse_number(std::string path, bool* same_number) {
    int sp[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sp), 0);
    char c;
    EXPECT_EQ(co_await io::recv(sp[0], &c, 1).timeout(std::chrono::milliseconds(20)), -ETIMEDOUT);
    int old = sp[0];
    ::close(sp[0]);
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    *same_number = fd == old;
    const char msg[] = "after reuse";
    EXPECT_EQ(co_await io::write(fd, msg, sizeof msg, 0), int32_t(sizeof msg));
    EXPECT_EQ(co_await io::fsync(fd), 0);
    char back[sizeof msg] = {};
    EXPECT_EQ(co_await io::read(fd, back, sizeof back, 0), int32_t(sizeof msg));
    EXPECT_STREQ(back, msg);
    ::close(fd);
    ::close(sp[1]);
}

TEST_P(file_fsync_test, file_on_a_reused_descriptor_number) {
    bool same = false;
    run_on_reactor(kind(), [&] { return reuse_number(path_, &same); });
    if (!same) GTEST_SKIP() << "the kernel handed out another descriptor number; nothing reused";
}

INSTANTIATE_TEST_SUITE_P(backends, file_fsync_test, ::testing::Values("uring", "epoll"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace tallyhub
