// --redis URLs and the RESP2 codec (hiredis's encoder and reader), without a server.

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "store/redis_protocol.hpp"
#include "store/redis_url.hpp"

namespace tallyhub::store {
namespace {

TEST(redis_url, full_form) {
    auto ep = parse_redis_url("redis://127.0.0.1:6390/3");
    ASSERT_TRUE(ep.ok()) << ep.err().reason;
    EXPECT_EQ(ep->host, "127.0.0.1");
    EXPECT_EQ(ep->port, 6390);
    EXPECT_EQ(ep->db, 3);
    EXPECT_TRUE(ep->password.empty());
    EXPECT_EQ(ep->addr.ss_family, AF_INET);
    EXPECT_EQ(ntohs(reinterpret_cast<const sockaddr_in*>(&ep->addr)->sin_port), 6390);
    EXPECT_EQ(ep->display(), "127.0.0.1:6390/3");
}

TEST(redis_url, defaults_localhost_and_bare_host_port) {
    auto a = parse_redis_url("redis://localhost");
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->port, 6379);
    EXPECT_EQ(a->db, 0);
    char text[INET_ADDRSTRLEN];
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&a->addr)->sin_addr, text, sizeof text);
    EXPECT_STREQ(text, "127.0.0.1");

    auto b = parse_redis_url("10.1.2.3:7000");
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->port, 7000);
    EXPECT_EQ(b->host, "10.1.2.3");

    auto c = parse_redis_url("redis://[::1]:6380/2");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->addr.ss_family, AF_INET6);
    EXPECT_EQ(c->port, 6380);
    EXPECT_EQ(c->display(), "[::1]:6380/2");
}

TEST(redis_url, credentials) {
    auto a = parse_redis_url("redis://:s%40cret@127.0.0.1/1");
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->password, "s@cret");
    EXPECT_TRUE(a->username.empty());
    auto b = parse_redis_url("redis://app:pw@127.0.0.1");
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->username, "app");
    EXPECT_EQ(b->password, "pw");
    auto c = parse_redis_url("redis://onlypass@127.0.0.1");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->password, "onlypass");
    EXPECT_EQ(c->display().find("onlypass"), std::string::npos);
}

TEST(redis_url, clear_errors) {
    auto reason = [](std::string_view url) { return std::string(parse_redis_url(url).err().reason); };
    EXPECT_NE(reason("rediss://127.0.0.1").find("TLS"), std::string::npos);
    EXPECT_NE(reason("http://127.0.0.1").find("redis://"), std::string::npos);
    EXPECT_NE(reason("redis://cache.internal:6379").find("no DNS"), std::string::npos);
    EXPECT_NE(reason("redis://127.0.0.1:0").find("port"), std::string::npos);
    EXPECT_NE(reason("redis://127.0.0.1:65536").find("port"), std::string::npos);
    EXPECT_NE(reason("redis://127.0.0.1:63x9").find("port"), std::string::npos);
    EXPECT_NE(reason("redis://127.0.0.1:").find("port"), std::string::npos);
    EXPECT_NE(reason("redis://127.0.0.1/x").find("database"), std::string::npos);
    EXPECT_NE(reason("redis://127.0.0.1/-1").find("database"), std::string::npos);
    EXPECT_NE(reason("redis://:6379").find("no host"), std::string::npos);
    EXPECT_NE(reason("redis://127.0.0.1/0?timeout=1").find("query"), std::string::npos);
    EXPECT_NE(reason("redis://:%zz@127.0.0.1").find("percent"), std::string::npos);
    EXPECT_NE(reason("redis://:%4@127.0.0.1").find("percent"), std::string::npos);
    EXPECT_NE(reason("redis://[::1").find("IP address"), std::string::npos);
}

TEST(redis_protocol, commands_are_multibulk_and_binary_safe) {
    std::string out;
    append_command(out, {"SET", "k", std::string("a\0b", 3), "EX", "86400"});
    EXPECT_EQ(out, std::string("*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\na\0b\r\n$2\r\nEX\r\n$5\r\n86400\r\n", 48));
    append_command(out, {});
    EXPECT_EQ(out.size(), 48u);
    // More arguments than the inline argv holds.
    std::string big;
    redis_command many{"RPUSH", "list"};
    for (int i = 0; i < 40; ++i) many.push_back(std::to_string(i));
    append_command(big, many);
    EXPECT_TRUE(big.starts_with("*42\r\n$5\r\nRPUSH\r\n"));
    EXPECT_TRUE(big.ends_with("$2\r\n39\r\n"));
}

TEST(redis_protocol, replies_of_every_kind_in_pieces) {
    redis_reply_reader r;
    std::vector<redis_reply> got;
    for (char c : std::string("+OK\r\n-ERR wrong type\r\n:42\r\n$5\r\nhe") + std::string(1, '\0') +
                      "lo\r\n$-1\r\n*3\r\n:1\r\n*1\r\n+in\r\n$0\r\n\r\n*-1\r\n") {
        r.feed(std::string_view(&c, 1));  // one byte at a time
        for (;;) {
            auto n = r.next();
            ASSERT_TRUE(n.ok());
            if (!*n) break;
            got.push_back(std::move(**n));
        }
    }
    ASSERT_EQ(got.size(), 7u);
    EXPECT_TRUE(got[0].is_ok());
    EXPECT_TRUE(got[1].is_error());
    EXPECT_EQ(got[1].str, "ERR wrong type");
    EXPECT_EQ(got[2].type, redis_reply::kind::integer);
    EXPECT_EQ(got[2].integer, 42);
    EXPECT_EQ(got[3].str, std::string("he\0lo", 5));
    EXPECT_TRUE(got[4].is_nil());
    ASSERT_EQ(got[5].type, redis_reply::kind::array);
    ASSERT_EQ(got[5].elements.size(), 3u);
    EXPECT_EQ(got[5].elements[0].integer, 1);
    EXPECT_EQ(got[5].elements[1].elements[0].str, "in");
    EXPECT_EQ(got[5].elements[2].str, "");
    EXPECT_TRUE(got[6].is_nil());
}

TEST(redis_protocol, garbage_is_a_protocol_error_until_reset) {
    redis_reply_reader r;
    r.feed("?what\r\n");
    auto n = r.next();
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.err().code, EPROTO);
    EXPECT_NE(r.protocol_error().find("Protocol error"), std::string_view::npos);
    r.reset();
    r.feed(":7\r\n");
    auto m = r.next();
    ASSERT_TRUE(m.ok());
    ASSERT_TRUE(m->has_value());
    EXPECT_EQ((*m)->integer, 7);
}

}  // namespace
}  // namespace tallyhub::store
