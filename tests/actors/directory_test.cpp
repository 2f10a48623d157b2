#include "actors/directory.hpp"

#include <gtest/gtest.h>

#include <future>

#include "actors/tokens.hpp"
#include "events/group_commit_writer.hpp"
#include "events/log.hpp"
#include "tests/support/store.hpp"

namespace sb {
namespace {
using json = nlohmann::json;

class Directory : public ::testing::Test {
 protected:
  void SetUp() override {
    ws_ = store_.bootstrap();
    ASSERT_FALSE(ws_.empty());
  }
  write_result wait(std::function<void(write_callback)> op) {
    std::promise<write_result> p;
    op([&](const write_result& r) { p.set_value(r); });
    return p.get_future().get();
  }
  test::store store_;
  std::string ws_;
};

TEST_F(Directory, UpdateRacingADelete_NeverBringsTheWidgetBack) {
  auto created = wait([&](write_callback cb) { store_.directory().create_widget(ws_, json::object(), cb); });
  std::string key = created.object["site_key"];
  std::promise<write_result> deleted, updated;
  store_.directory().delete_widget(ws_, key, [&](const write_result& r) { deleted.set_value(r); });
  store_.directory().update_widget(ws_, key, {{"title", "zombie"}}, [&](const write_result& r) { updated.set_value(r); });
  EXPECT_EQ(deleted.get_future().get().error.code, errc::ok);
  EXPECT_EQ(updated.get_future().get().error.code, errc::not_found);
  EXPECT_FALSE(store_.directory().widget(key));
  // and a restart folds the same answer
  store_.writer->stop();
  directory again{*store_.log, *store_.writer};
  ASSERT_TRUE(again.load().ok());
  EXPECT_FALSE(again.widget(key));
}

TEST_F(Directory, DuplicateEmailsAndBadBodies_AreRefused) {
  auto a = wait([&](write_callback cb) {
    store_.directory().create_user(ws_, {{"email", "Ann@Example.com"}, {"role", "agent"}}, "h", cb);
  });
  ASSERT_EQ(a.error.code, errc::ok);
  EXPECT_EQ(a.object["email"], "ann@example.com");
  auto dup = wait([&](write_callback cb) {
    store_.directory().create_user(ws_, {{"email", "ann@example.COM"}}, "h", cb);
  });
  EXPECT_EQ(dup.error.code, errc::conflict);
  for (auto body : {json{{"email", 5}}, json{{"email", "no-at-sign"}}, json{{"email", "b@x.io"}, {"role", 7}},
                    json{{"email", "b@x.io"}, {"role", "owner"}}, json{{"email", "b@x.io"}, {"name", 3}}}) {
    auto r = wait([&](write_callback cb) { store_.directory().create_user(ws_, body, "h", cb); });
    EXPECT_EQ(r.error.code, errc::bad_request) << body.dump();
  }
  for (auto body : {json{{"side", "top"}}, json{{"colors", {{"primary", "red"}}}},
                    json{{"allowed_origins", {"https://ok.example", "ftp://x"}}},
                    json{{"prechat", {{"fields", {{{"name", "n"}, {"type", 3}}}}}}},
                    json{{"business_hours", {{"timezone", "UTC"}, {"days", {{"mon", {{"9", "17"}}}}}}}}}) {
    auto r = wait([&](write_callback cb) { store_.directory().create_widget(ws_, body, cb); });
    EXPECT_EQ(r.error.code, errc::bad_request) << body.dump();
  }
}

}  // namespace
}  // namespace sb
