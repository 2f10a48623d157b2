#include "http/static_files.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using sb::http::api_request;
using sb::http::serve_static;

namespace {

class StaticFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sb-static-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "widget");
    fs::create_directories(dir_ / "console" / "assets");
    write("widget.js", "loader();");
    write("widget.js.gz", "GZ-LOADER");
    write("widget/app-1234.js", "app();");
    write("console/index.html", "<!doctype html>");
    write("console/assets/main-abcd.js", "main();");
    write("secret.txt", "do not serve");
    write("console/.env", "SECRET=1");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& rel, const std::string& body) {
    std::ofstream(dir_ / rel, std::ios::binary) << body;
  }
  std::optional<sb::http::api_response> get(const std::string& path, const std::string& enc = "") {
    api_request r;
    r.method = "GET";
    r.path = path;
    r.accept_encoding = enc;
    return serve_static(dir_.string(), r);
  }
  static std::string header(const sb::http::api_response& r, const std::string& name) {
    for (auto& [k, v] : r.headers)
      if (k == name) return v;
    return {};
  }
  fs::path dir_;
};

TEST_F(StaticFiles, ApiPathsAreNotStatic) {
  EXPECT_FALSE(get("/api/v1/widgets"));
  EXPECT_FALSE(get("/healthz"));
  EXPECT_FALSE(get("/widgets.js"));
}

TEST_F(StaticFiles, LoaderIsServedAsScriptWithCorsAndRevalidatedOnEveryLoad) {
  auto r = get("/widget.js");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "loader();");
  EXPECT_EQ(r->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(header(*r, "Cache-Control"), "public, no-cache");
  EXPECT_EQ(header(*r, "Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(header(*r, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(header(*r, "Content-Encoding"), "");
}

TEST_F(StaticFiles, PrecompressedSiblingIsSentWhenGzipIsAccepted) {
  auto r = get("/widget.js", "gzip, deflate, br");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "GZ-LOADER");
  EXPECT_EQ(header(*r, "Content-Encoding"), "gzip");
  EXPECT_EQ(header(*r, "Vary"), "Accept-Encoding");
  auto plain = get("/widget/app-1234.js", "gzip");  // no .gz sibling: the plain file
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->body, "app();");
  EXPECT_EQ(header(*plain, "Content-Encoding"), "");
  EXPECT_EQ(header(*plain, "Cache-Control"), "public, max-age=31536000, immutable");
}

TEST_F(StaticFiles, MatchingEtagAnswers304WithoutBody) {
  auto first = get("/widget/app-1234.js");
  ASSERT_TRUE(first);
  api_request r;
  r.method = "GET";
  r.path = "/widget/app-1234.js";
  r.if_none_match = header(*first, "ETag");
  auto again = serve_static(dir_.string(), r);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
}

TEST_F(StaticFiles, ConsoleRoutesWithoutExtensionGetTheAppShell) {
  for (auto p : {"/console/", "/console/inbox", "/console/conversations/abc", "/console/settings/team"}) {
    auto r = get(p);
    ASSERT_TRUE(r) << p;
    EXPECT_EQ(r->status, 200) << p;
    EXPECT_EQ(r->body, "<!doctype html>") << p;
    EXPECT_EQ(header(*r, "Cache-Control"), "no-cache") << p;
    EXPECT_NE(header(*r, "Content-Security-Policy").find("default-src 'self'"), std::string::npos);
  }
  auto asset = get("/console/assets/main-abcd.js");
  ASSERT_TRUE(asset);
  EXPECT_EQ(asset->body, "main();");
  auto bare = get("/console");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->status, 301);
  EXPECT_EQ(header(*bare, "Location"), "/console/");
}

TEST_F(StaticFiles, TraversalDotFilesAndUnknownTypesAreNotFound) {
  for (auto p : {"/widget/../secret.txt", "/widget/..", "/console/../secret.txt", "/console/assets/../../secret.txt",
                 "/console/.env", "/console/assets/missing.js", "/widget/%2e%2e%2fsecret.txt",
                 "/widget/app-1234.exe", "/widget/"}) {
    auto r = get(p);
    ASSERT_TRUE(r) << p;
    EXPECT_EQ(r->status, 404) << p;
    EXPECT_EQ(r->body.find("do not serve"), std::string::npos) << p;
  }
}

TEST_F(StaticFiles, OnlyGetIsAllowed) {
  api_request r;
  r.method = "POST";
  r.path = "/widget.js";
  auto res = serve_static(dir_.string(), r);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
}

}  // namespace
