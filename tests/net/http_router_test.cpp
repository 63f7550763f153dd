#include "net/http_router.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace tallyhub::http {
namespace {

// Handlers are plain names here; the server instantiates the router with its coroutine handler type.
using name_router = router<std::string>;

name_router dashboard_routes() {
    name_router r;
    r.add(method::get, "/healthz", "healthz");
    r.add(method::get, "/readyz", "readyz");
    r.add(method::get, "/metrics", "metrics");
    r.add(method::post, "/hubs/metrics/negotiate", "negotiate");
    r.add_prefix(method::get, "/hubs/metrics", "hub-get");
    r.add_prefix(method::post, "/hubs/metrics", "hub-post");
    r.add_prefix(method::delete_, "/hubs/metrics", "hub-delete");
    r.add(method::get, "/sse/metrics", "sse");
    r.add_prefix(method::get, "/", "static");
    return r;
}

std::string found(const name_router& r, method m, std::string_view path) {
    auto res = r.match(m, path);
    return res.status == 200 ? *res.handler : "status " + std::to_string(res.status) + " allow " + res.allow;
}

TEST(HttpRouter, ExactRoutes) {
    auto r = dashboard_routes();
    EXPECT_EQ(found(r, method::get, "/healthz"), "healthz");
    EXPECT_EQ(found(r, method::get, "/metrics"), "metrics");
    EXPECT_EQ(found(r, method::post, "/hubs/metrics/negotiate"), "negotiate");
    auto res = r.match(method::get, "/sse/metrics");
    EXPECT_EQ(res.pattern, "/sse/metrics");
}

TEST(HttpRouter, PrefixCoversItselfAndBelowOnly) {
    auto r = dashboard_routes();
    EXPECT_EQ(found(r, method::get, "/hubs/metrics"), "hub-get");
    EXPECT_EQ(found(r, method::get, "/hubs/metrics/"), "hub-get");
    EXPECT_EQ(found(r, method::post, "/hubs/metrics/abc/def"), "hub-post");
    EXPECT_EQ(found(r, method::get, "/hubs/metricsx"), "static");  // not below /hubs/metrics
    EXPECT_EQ(r.match(method::get, "/hubs/metrics/x").pattern, "/hubs/metrics");
}

TEST(HttpRouter, MostSpecificPathDecidesAndAnswers405) {
    auto r = dashboard_routes();
    // The exact route owns its path: GET is not allowed there even though "/hubs/metrics" has GET.
    EXPECT_EQ(found(r, method::get, "/hubs/metrics/negotiate"), "status 405 allow POST");
    EXPECT_EQ(found(r, method::put, "/hubs/metrics"), "status 405 allow GET, HEAD, POST, DELETE");
    EXPECT_EQ(found(r, method::post, "/healthz"), "status 405 allow GET, HEAD");
    EXPECT_EQ(found(r, method::post, "/index.html"), "status 405 allow GET, HEAD");
    EXPECT_EQ(found(r, method::other, "/healthz"), "status 405 allow GET, HEAD");
}

TEST(HttpRouter, NotFoundWithoutCatchAll) {
    name_router r;
    r.add(method::get, "/healthz", "healthz");
    r.add_prefix(method::get, "/assets/", "assets");
    EXPECT_EQ(found(r, method::get, "/nothing"), "status 404 allow ");
    EXPECT_EQ(found(r, method::get, "/healthz/"), "status 404 allow ");
    EXPECT_EQ(found(r, method::get, "/assets"), "status 404 allow ");  // "/assets/" covers paths below only
    EXPECT_EQ(found(r, method::get, "/assets/app.js"), "assets");
    EXPECT_EQ(found(r, method::get, "/assets/"), "assets");
    EXPECT_EQ(found(r, method::get, ""), "status 404 allow ");
}

TEST(HttpRouter, HeadFallsBackToGetUnlessRoutedItself) {
    auto r = dashboard_routes();
    EXPECT_EQ(found(r, method::head, "/healthz"), "healthz");
    EXPECT_EQ(found(r, method::head, "/hubs/metrics/x"), "hub-get");
    EXPECT_EQ(found(r, method::head, "/hubs/metrics/negotiate"), "status 405 allow POST");
    r.add(method::head, "/healthz", "healthz-head");
    EXPECT_EQ(found(r, method::head, "/healthz"), "healthz-head");
    EXPECT_EQ(found(r, method::get, "/healthz"), "healthz");
}

TEST(HttpRouter, ExactAndPrefixOnTheSamePathMerge) {
    name_router r;
    r.add(method::get, "/hub", "exact-get");
    r.add_prefix(method::post, "/hub", "prefix-post");
    r.add_prefix(method::get, "/hub", "prefix-get");
    EXPECT_EQ(found(r, method::get, "/hub"), "exact-get");  // exact wins on a tie
    EXPECT_EQ(found(r, method::post, "/hub"), "prefix-post");
    EXPECT_EQ(found(r, method::get, "/hub/x"), "prefix-get");
    EXPECT_EQ(found(r, method::put, "/hub"), "status 405 allow GET, HEAD, POST");
}

TEST(HttpRouter, ReAddingReplacesTheHandler) {
    name_router r;
    r.add(method::get, "/x", "first");
    r.add(method::get, "/x", "second");
    EXPECT_EQ(r.size(), 1u);
    EXPECT_EQ(found(r, method::get, "/x"), "second");
}

TEST(HttpRouter, WorksWithCallableHandlers) {
    router<std::function<int(int)>> r;
    r.add(method::get, "/double", [](int x) { return 2 * x; });
    auto res = r.match(method::get, "/double");
    ASSERT_EQ(res.status, 200);
    EXPECT_EQ((*res.handler)(21), 42);
}

TEST(HttpRouter, AllowHeaderValueOrder) {
    EXPECT_EQ(allow_header_value(method_bit(method::post) | method_bit(method::get)), "GET, HEAD, POST");
    EXPECT_EQ(allow_header_value(method_bit(method::options) | method_bit(method::delete_)), "DELETE, OPTIONS");
    EXPECT_EQ(allow_header_value(0), "");
}

}  // namespace
}  // namespace tallyhub::http
