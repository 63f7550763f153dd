#include "net/static_files.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace tallyhub::http {
namespace {
namespace fs = std::filesystem;

void write_file(const fs::path& p, std::string_view content) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
}

// A dashboard-like tree in a fresh temp dir, with a secret outside the root and links pointing at it.
class StaticFiles : public ::testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "tallyhub-static-XXXXXX").string();
        ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
        base_ = tmpl;
        root_ = base_ / "dist";
        write_file(root_ / "index.html", "<!doctype html><title>tallyhub</title>");
        write_file(root_ / "hello.txt", "hello");
        write_file(root_ / "app-3F2A9C1B.js", "console.log('dashboard')");
        write_file(root_ / "app-3F2A9C1B.js.gz", std::string("\x1f\x8b\x08\x00gzipped-bytes", 17));
        write_file(root_ / "style.css", "body{}");
        write_file(root_ / "sub" / "index.html", "<p>sub</p>");
        write_file(root_ / "sub" / "data.json", "{}");
        write_file(root_ / "lone.txt.gz", "GZ");
        write_file(root_ / "a b.txt", "space");
        write_file(base_ / "outside" / "secret.txt", "secret");
        fs::create_symlink(base_ / "outside" / "secret.txt", root_ / "passwd");
        fs::create_directory_symlink(base_ / "outside", root_ / "outdir");
        fs::create_symlink(root_ / "style.css", root_ / "alias.css");
    }
    void TearDown() override { fs::remove_all(base_); }

    static request get(std::string target, std::initializer_list<header_field> headers = {}) {
        request r;
        r.method = method::get;
        r.method_name = "GET";
        r.target = std::move(target);
        r.headers.add("Host", "x");
        for (const auto& h : headers) r.headers.add(h.name, h.value);
        return r;
    }

    // The response with its Date value replaced, for byte-exact comparison.
    static std::string serve(const static_files& files, const request& req) {
        std::string out;
        files.respond(req, out);
        auto at = out.find("Date: ");
        if (at != std::string::npos) out.replace(at + 6, 29, "<date>");
        return out;
    }

    fs::path base_, root_;
};

TEST_F(StaticFiles, LoadsRegularFilesAndPairsGzipSiblings) {
    static_files files(root_);
    // index, hello, app js (+gz), style, sub/index, sub/data, lone.txt.gz, "a b.txt", alias.css
    EXPECT_EQ(files.file_count(), 9u);
    const static_file* js = files.find("/app-3F2A9C1B.js");
    ASSERT_NE(js, nullptr);
    EXPECT_TRUE(js->has_gzip);
    EXPECT_EQ(js->gzip_body.size(), 17u);
    EXPECT_EQ(files.find("/app-3F2A9C1B.js.gz"), nullptr);  // served as the gzip representation only
    ASSERT_NE(files.find("/lone.txt.gz"), nullptr);
    EXPECT_EQ(files.find("/lone.txt.gz")->content_type, "application/gzip");
    EXPECT_EQ(files.find("/alias.css")->body, "body{}");  // a link inside the root is fine
}

TEST_F(StaticFiles, ServesFileByteExact) {
    static_files files(root_);
    // SHA-256("hello") = 2cf24dba5fb0a30e...
    EXPECT_EQ(serve(files, get("/hello.txt")),
              "HTTP/1.1 200 OK\r\nServer: tallyhub\r\nDate: <date>\r\n"
              "Content-Type: text/plain; charset=utf-8\r\n"
              "Cache-Control: public, max-age=3600\r\n"
              "ETag: \"2cf24dba5fb0a30e\"\r\n"
              "Content-Length: 5\r\n\r\nhello");
}

TEST_F(StaticFiles, IndexFilesForDirectories) {
    static_files files(root_);
    std::string root_page = serve(files, get("/"));
    EXPECT_NE(root_page.find("Content-Type: text/html; charset=utf-8\r\nCache-Control: no-cache\r\n"), std::string::npos);
    EXPECT_TRUE(root_page.ends_with("\r\n\r\n<!doctype html><title>tallyhub</title>"));
    EXPECT_TRUE(serve(files, get("/sub/?x=1")).ends_with("<p>sub</p>"));
    EXPECT_TRUE(serve(files, get("/sub")).starts_with("HTTP/1.1 404 Not Found\r\n"));
    EXPECT_TRUE(serve(files, get("/a%20b.txt")).ends_with("space"));
}

TEST_F(StaticFiles, GzipWhenAcceptedWithVary) {
    static_files files(root_);
    const static_file* js = files.find("/app-3F2A9C1B.js");
    std::string gz = serve(files, get("/app-3F2A9C1B.js", {{"Accept-Encoding", "gzip, deflate, br"}}));
    EXPECT_EQ(gz, "HTTP/1.1 200 OK\r\nServer: tallyhub\r\nDate: <date>\r\n"
                  "Content-Type: text/javascript; charset=utf-8\r\n"
                  "Cache-Control: public, max-age=31536000, immutable\r\n"
                  "ETag: " + js->gzip_etag + "\r\nContent-Encoding: gzip\r\nVary: Accept-Encoding\r\n"
                  "Content-Length: 17\r\n\r\n" + js->gzip_body);
    std::string plain = serve(files, get("/app-3F2A9C1B.js"));
    EXPECT_EQ(plain, "HTTP/1.1 200 OK\r\nServer: tallyhub\r\nDate: <date>\r\n"
                     "Content-Type: text/javascript; charset=utf-8\r\n"
                     "Cache-Control: public, max-age=31536000, immutable\r\n"
                     "ETag: " + js->etag + "\r\nVary: Accept-Encoding\r\n"
                     "Content-Length: 24\r\n\r\nconsole.log('dashboard')");
    EXPECT_NE(js->etag, js->gzip_etag);
    EXPECT_EQ(serve(files, get("/app-3F2A9C1B.js", {{"Accept-Encoding", "gzip;q=0, br"}})), plain);
    EXPECT_EQ(serve(files, get("/app-3F2A9C1B.js", {{"Accept-Encoding", "*"}})), gz);
}

TEST_F(StaticFiles, IfNoneMatchGives304) {
    static_files files(root_);
    const std::string etag = files.find("/hello.txt")->etag;
    const std::string not_modified = "HTTP/1.1 304 Not Modified\r\nServer: tallyhub\r\nDate: <date>\r\n"
                                     "Cache-Control: public, max-age=3600\r\nETag: \"2cf24dba5fb0a30e\"\r\n\r\n";
    EXPECT_EQ(serve(files, get("/hello.txt", {{"If-None-Match", etag}})), not_modified);
    EXPECT_EQ(serve(files, get("/hello.txt", {{"If-None-Match", "W/" + etag}})), not_modified);
    EXPECT_EQ(serve(files, get("/hello.txt", {{"If-None-Match", "\"other\", W/\"x\"," + etag}})), not_modified);
    EXPECT_EQ(serve(files, get("/hello.txt", {{"If-None-Match", "*"}})), not_modified);
    EXPECT_TRUE(serve(files, get("/hello.txt", {{"If-None-Match", "\"other\""}})).starts_with("HTTP/1.1 200 OK"));
    // The identity tag does not validate the gzip representation.
    const static_file* js = files.find("/app-3F2A9C1B.js");
    EXPECT_TRUE(serve(files, get("/app-3F2A9C1B.js", {{"If-None-Match", js->etag}, {"Accept-Encoding", "gzip"}}))
                    .starts_with("HTTP/1.1 200 OK"));
    EXPECT_TRUE(serve(files, get("/app-3F2A9C1B.js", {{"If-None-Match", js->gzip_etag}, {"Accept-Encoding", "gzip"}}))
                    .starts_with("HTTP/1.1 304 Not Modified"));
}

TEST_F(StaticFiles, HeadOmitsBodyAndOtherMethodsGet405) {
    static_files files(root_);
    request head = get("/hello.txt");
    head.method = method::head;
    EXPECT_TRUE(serve(files, head).ends_with("Content-Length: 5\r\n\r\n"));
    request post = get("/hello.txt");
    post.method = method::post;
    EXPECT_EQ(serve(files, post), "HTTP/1.1 405 Method Not Allowed\r\nServer: tallyhub\r\nDate: <date>\r\n"
                                  "Content-Type: text/plain; charset=utf-8\r\nAllow: GET, HEAD\r\n"
                                  "Content-Length: 19\r\n\r\nmethod not allowed\n");
}

TEST_F(StaticFiles, TraversalAndOddPathsAreNotFound) {
    static_files files(root_);
    const std::string not_found = "HTTP/1.1 404 Not Found\r\nServer: tallyhub\r\nDate: <date>\r\n"
                                  "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 10\r\n\r\nnot found\n";
    for (const char* target :
         {"/../etc/passwd", "/%2e%2e/x", "/%2E%2E/%2e%2e/etc/passwd", "/a/../../x", "/sub/../index.html",
          "/./index.html", "//index.html", "/sub//index.html", "/sub%2Findex.html", "/sub%2findex.html",
          "/sub%5Cindex.html", "/sub\\index.html", "/..\\..\\x", "/index.html%00", "/%zz", "/passwd",
          "/outdir/secret.txt", "/outdir/", "/missing.js", "http://x/../etc/passwd", "*"}) {
        EXPECT_EQ(serve(files, get(target)), not_found) << target;
    }
}

TEST_F(StaticFiles, LimitsFailLoudly) {
    static_limits few;
    few.max_files = 3;
    try {
        static_files files(root_, few);
        FAIL() << "expected a file-count error";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("more than 3 files"), std::string::npos) << e.what();
    }
    static_limits small;
    small.max_total_bytes = 20;
    EXPECT_THROW(static_files(root_, small), std::runtime_error);
    EXPECT_THROW(static_files(base_ / "no-such-dir"), std::runtime_error);
}

TEST_F(StaticFiles, ReloadPicksUpChangesAndKeepsOldContentOnFailure) {
    static_limits lim;
    lim.max_files = 10;
    static_files files(root_, lim);
    write_file(root_ / "new.txt", "new");
    fs::remove(root_ / "hello.txt");
    files.reload();
    EXPECT_NE(files.find("/new.txt"), nullptr);
    EXPECT_EQ(files.find("/hello.txt"), nullptr);
    write_file(root_ / "x1.txt", "1");
    write_file(root_ / "x2.txt", "2");
    EXPECT_THROW(files.reload(), std::runtime_error);  // 12 files
    EXPECT_NE(files.find("/new.txt"), nullptr);
    EXPECT_EQ(files.find("/x1.txt"), nullptr);
}

TEST(StaticFilePolicy, ContentTypes) {
    EXPECT_EQ(content_type_for("index.html"), "text/html; charset=utf-8");
    EXPECT_EQ(content_type_for("app.mjs"), "text/javascript; charset=utf-8");
    EXPECT_EQ(content_type_for("STYLE.CSS"), "text/css; charset=utf-8");
    EXPECT_EQ(content_type_for("logo.svg"), "image/svg+xml; charset=utf-8");
    EXPECT_EQ(content_type_for("app.js.map"), "application/json");
    EXPECT_EQ(content_type_for("font.woff2"), "font/woff2");
    EXPECT_EQ(content_type_for("mod.wasm"), "application/wasm");
    EXPECT_EQ(content_type_for("favicon.ico"), "image/x-icon");
    EXPECT_EQ(content_type_for("README"), "application/octet-stream");
}

TEST(StaticFilePolicy, CacheControl) {
    const std::string_view year = "public, max-age=31536000, immutable", hour = "public, max-age=3600";
    EXPECT_EQ(cache_control_for("index.html"), "no-cache");
    EXPECT_EQ(cache_control_for("index-3F2A9C1B.html"), "no-cache");
    EXPECT_EQ(cache_control_for("app-3F2A9C1B.js"), year);
    EXPECT_EQ(cache_control_for("chunk-ABCDEFGH.js"), year);  // esbuild base32
    EXPECT_EQ(cache_control_for("app-3F2A9C1B.js.map"), year);
    EXPECT_EQ(cache_control_for("vendor-deadbeef01.css"), year);
    EXPECT_EQ(cache_control_for("app-settings.js"), hour);
    EXPECT_EQ(cache_control_for("app-3F2A9C.js"), hour);  // too short
    EXPECT_EQ(cache_control_for("logo.png"), hour);
}

TEST(StaticFilePolicy, IfNoneMatchComparison) {
    EXPECT_TRUE(if_none_match_matches("\"a\"", "\"a\""));
    EXPECT_TRUE(if_none_match_matches("W/\"a\"", "\"a\""));
    EXPECT_TRUE(if_none_match_matches(" \"b\" ,W/\"a\"", "\"a\""));
    EXPECT_TRUE(if_none_match_matches("*", "\"a\""));
    EXPECT_FALSE(if_none_match_matches("\"ab\"", "\"a\""));
    EXPECT_FALSE(if_none_match_matches("a", "\"a\""));
    EXPECT_FALSE(if_none_match_matches("\"a", "\"a\""));
    EXPECT_FALSE(if_none_match_matches("", "\"a\""));
}

TEST(StaticFilePolicy, AcceptEncoding) {
    EXPECT_TRUE(accepts_gzip("gzip"));
    EXPECT_TRUE(accepts_gzip("deflate, GZIP;q=0.5"));
    EXPECT_TRUE(accepts_gzip("br;q=1.0, *;q=0.1"));
    EXPECT_FALSE(accepts_gzip(""));
    EXPECT_FALSE(accepts_gzip("br, deflate"));
    EXPECT_FALSE(accepts_gzip("gzip;q=0"));
    EXPECT_FALSE(accepts_gzip("gzip; q=0.000, *"));
    EXPECT_FALSE(accepts_gzip("*;q=0"));
    EXPECT_TRUE(accepts_gzip("gzip;q=0.001"));
}

}  // namespace
}  // namespace tallyhub::http
