// The option values' parsers and formatters (app/config_values.hpp): endpoints, durations, byte
// sizes and CORS origins, with what each refuses and how.

#include "app/config_values.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>

namespace tallyhub::app {
namespace {

using namespace std::chrono_literals;

TEST(Endpoint, Ipv4ResolvesToSockaddrIn) {
    endpoint e = parse_endpoint("192.168.1.20:8080");
    ASSERT_EQ(e.family(), AF_INET);
    ASSERT_EQ(e.length, sizeof(sockaddr_in));
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&e.address);
    const auto* bytes = reinterpret_cast<const unsigned char*>(&sin->sin_addr);
    EXPECT_EQ(bytes[0], 192);
    EXPECT_EQ(bytes[1], 168);
    EXPECT_EQ(bytes[2], 1);
    EXPECT_EQ(bytes[3], 20);
    EXPECT_EQ(sin->sin_port, htons(8080));
    EXPECT_EQ(e.port(), 8080);
    EXPECT_EQ(e.to_string(), "192.168.1.20:8080");
}

TEST(Endpoint, NamedHostsWithoutDns) {
    EXPECT_EQ(parse_endpoint("localhost:80"), endpoint::ipv4(INADDR_LOOPBACK, 80));
    EXPECT_EQ(parse_endpoint("LOCALHOST:80").to_string(), "127.0.0.1:80");
    EXPECT_EQ(parse_endpoint("*:80"), endpoint::ipv4(INADDR_ANY, 80));
    EXPECT_EQ(parse_endpoint(":80").to_string(), "0.0.0.0:80");
    EXPECT_EQ(parse_endpoint("0.0.0.0:0").port(), 0);
    EXPECT_EQ(parse_endpoint("1.2.3.4:65535").port(), 65535);
}

TEST(Endpoint, Ipv6InBrackets) {
    endpoint e = parse_endpoint("[::1]:9090");
    ASSERT_EQ(e.family(), AF_INET6);
    ASSERT_EQ(e.length, sizeof(sockaddr_in6));
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&e.address);
    EXPECT_TRUE(IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
    EXPECT_EQ(sin6->sin6_port, htons(9090));
    EXPECT_EQ(e.to_string(), "[::1]:9090");
    EXPECT_EQ(parse_endpoint("[::]:0").to_string(), "[::]:0");
    EXPECT_EQ(parse_endpoint("[2001:DB8::7]:443").to_string(), "[2001:db8::7]:443");
}

TEST(Endpoint, Rejections) {
    auto message = [](std::string_view text) {
        try {
            parse_endpoint(text);
        } catch (const config_error& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_EQ(message("1.2.3.4"), "invalid endpoint \"1.2.3.4\" (expected HOST:PORT, e.g. 0.0.0.0:8080)");
    EXPECT_EQ(message("1.2.3.4:"), "invalid port \"\" (expected 0-65535)");
    EXPECT_EQ(message("1.2.3.4:65536"), "invalid port \"65536\" (expected 0-65535)");
    EXPECT_EQ(message("1.2.3.4:+80"), "invalid port \"+80\" (expected 0-65535)");
    EXPECT_EQ(message("1.2.3.4: 80"), "invalid port \" 80\" (expected 0-65535)");
    EXPECT_EQ(message("1.2.3.4:99999999999999999999"),
              "invalid port \"99999999999999999999\" (expected 0-65535)");
    EXPECT_EQ(message("example.com:80"),
              "invalid host \"example.com\" (expected an IPv4 address, [IPv6 address], localhost or *)");
    EXPECT_EQ(message("256.1.1.1:80"),
              "invalid host \"256.1.1.1\" (expected an IPv4 address, [IPv6 address], localhost or *)");
    EXPECT_EQ(message("::1:80"), "invalid endpoint \"::1:80\" (write IPv6 addresses in brackets, e.g. [::1]:8080)");
    EXPECT_EQ(message("[::1]"), "invalid endpoint \"[::1]\" (expected [IPv6]:PORT, e.g. [::1]:8080)");
    EXPECT_EQ(message("[::1:80"), "invalid endpoint \"[::1:80\" (expected [IPv6]:PORT, e.g. [::1]:8080)");
    EXPECT_EQ(message("[1.2.3.4]:80"), "invalid IPv6 address \"1.2.3.4\"");
    EXPECT_EQ(message("[fe80::1%eth0]:80"), "invalid IPv6 address \"fe80::1%eth0\"");
}

TEST(Duration, ParsesUnitsFractionsAndSequences) {
    EXPECT_EQ(parse_duration("10s"), 10s);
    EXPECT_EQ(parse_duration("100ms"), 100ms);
    EXPECT_EQ(parse_duration("1.5s"), 1500ms);
    EXPECT_EQ(parse_duration("5m"), 5min);
    EXPECT_EQ(parse_duration("2h"), 2h);
    EXPECT_EQ(parse_duration("500us"), 500us);
    EXPECT_EQ(parse_duration("250ns"), 250ns);
    EXPECT_EQ(parse_duration("1m30s"), 90s);
    EXPECT_EQ(parse_duration("0.001s"), 1ms);
    EXPECT_EQ(parse_duration(".5s"), 500ms);
    EXPECT_EQ(parse_duration("0s"), 0s);
    EXPECT_EQ(parse_duration("1.0000000001s"), 1s);  // below a nanosecond
}

TEST(Duration, Rejections) {
    auto message = [](std::string_view text) {
        try {
            parse_duration(text);
        } catch (const config_error& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_EQ(message("10"), "invalid duration \"10\" (a unit is required: ns, us, ms, s, m or h, e.g. 10s)");
    EXPECT_EQ(message(""), "invalid duration \"\" (expected a number and a unit, e.g. 10s)");
    EXPECT_EQ(message("s"), "invalid duration \"s\" (expected a number and a unit, e.g. 10s)");
    EXPECT_EQ(message("-1s"), "invalid duration \"-1s\" (expected a number and a unit, e.g. 10s)");
    EXPECT_EQ(message("10x"), "invalid duration \"10x\" (unknown or missing unit; use ns, us, ms, s, m or h)");
    EXPECT_EQ(message("1.5"), "invalid duration \"1.5\" (unknown or missing unit; use ns, us, ms, s, m or h)");
    EXPECT_EQ(message("10 s"), "invalid duration \"10 s\" (unknown or missing unit; use ns, us, ms, s, m or h)");
    EXPECT_EQ(message("9999999h"), "invalid duration \"9999999h\" (too large)");
    EXPECT_EQ(message("99999999999999999999s"), "invalid duration \"99999999999999999999s\" (too large)");
}

TEST(Duration, FormatsInTheLargestExactUnit) {
    EXPECT_EQ(format_duration(10s), "10s");
    EXPECT_EQ(format_duration(60s), "1m");
    EXPECT_EQ(format_duration(90s), "90s");
    EXPECT_EQ(format_duration(1500ms), "1500ms");
    EXPECT_EQ(format_duration(2h), "2h");
    EXPECT_EQ(format_duration(500us), "500us");
    EXPECT_EQ(format_duration(7ns), "7ns");
    EXPECT_EQ(format_duration(0s), "0s");
    for (auto d : {10s, 90s}) EXPECT_EQ(parse_duration(format_duration(d)), d);
}

TEST(ByteSize, ParsesBinaryUnits) {
    EXPECT_EQ(parse_byte_size("16384"), 16384u);
    EXPECT_EQ(parse_byte_size("512B"), 512u);
    EXPECT_EQ(parse_byte_size("16KiB"), 16384u);
    EXPECT_EQ(parse_byte_size("16k"), 16384u);
    EXPECT_EQ(parse_byte_size("1MiB"), 1048576u);
    EXPECT_EQ(parse_byte_size("1m"), 1048576u);
    EXPECT_EQ(parse_byte_size("2GiB"), 2147483648u);
    EXPECT_EQ(format_byte_size(16384), "16KiB");
    EXPECT_EQ(format_byte_size(262144), "256KiB");
    EXPECT_EQ(format_byte_size(4194304), "4MiB");
    EXPECT_EQ(format_byte_size(1000), "1000");
    EXPECT_EQ(format_byte_size(0), "0");
    EXPECT_THROW(parse_byte_size(""), config_error);
    EXPECT_THROW(parse_byte_size("KiB"), config_error);
    EXPECT_THROW(parse_byte_size("1.5MiB"), config_error);
    EXPECT_THROW(parse_byte_size("99999999999999999999"), config_error);
    EXPECT_THROW(parse_byte_size("17179869184GiB"), config_error);
}

TEST(Origin, AcceptsBrowserOriginsOnly) {
    EXPECT_EQ(parse_origin("https://dash.example.com"), "https://dash.example.com");
    EXPECT_EQ(parse_origin("http://localhost:5173"), "http://localhost:5173");
    EXPECT_EQ(parse_origin("*"), "*");
    EXPECT_THROW(parse_origin("dash.example.com"), config_error);
    EXPECT_THROW(parse_origin("https://"), config_error);
    EXPECT_THROW(parse_origin("https://x.example/app"), config_error);
}

}  // namespace
}  // namespace tallyhub::app
