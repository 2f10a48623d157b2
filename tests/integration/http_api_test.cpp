// The HTTP API seen from outside: auth, errors, history paging, health and metrics.

#include "tests/integration/support/server_fixture.hpp"

namespace switchboard::integration {
namespace {

class HttpApi : public server_fixture {
 protected:
  // GET .../messages?<query>&min_position=P and the seqs of its items.
  std::optional<std::vector<int64_t>> page(const std::string& conv, const std::string& query,
                                           int64_t min_position) {
    const std::string target = api("/conversations/" + url_encode(conv) + "/messages?" + query +
                                   "&min_position=" + std::to_string(min_position));
    auto res = http().get(target, admin_token_);
    if (res.status != 200 || !res.body.is_object() || !res.body["items"].is_array()) {
      ADD_FAILURE() << "GET " << target << ": " << res.describe();
      return std::nullopt;
    }
    std::vector<int64_t> seqs;
    for (const auto& item : res.body["items"]) seqs.push_back(seq_of(item));
    return seqs;
  }
};

TEST_F(HttpApi, Login_WithTheRightPassword_ReturnsTokenAndUser) {
  const auto& opts = server_->options();
  auto res = http().post(api("/auth/login"),
                         {{"email", opts.admin_email}, {"password", opts.admin_password}});
  ASSERT_EQ(res.status, 200) << res.describe();
  EXPECT_FALSE(str_of(res.body, "token").empty()) << res.describe();
  const json user = res.body.value("user", json::object());
  EXPECT_EQ(str_of(user, "email"), opts.admin_email) << res.describe();
  EXPECT_EQ(str_of(user, "role"), "admin") << res.describe();
  EXPECT_FALSE(str_of(user, "id").empty()) << res.describe();
  EXPECT_FALSE(str_of(user, "workspace_id").empty()) << res.describe();
}

TEST_F(HttpApi, Login_WithAWrongPassword_Returns401Unauthorized) {
  auto res = http().post(api("/auth/login"), {{"email", server_->options().admin_email},
                                              {"password", "not-the-password"}});
  EXPECT_EQ(res.status, 401) << res.describe();
  EXPECT_EQ(res.error_code(), "unauthorized") << res.describe();
  EXPECT_FALSE(res.body.is_object() && res.body.contains("token")) << res.describe();

  res = http().post(api("/auth/login"),
                    {{"email", "nobody@switchboard.test"}, {"password", "whatever-123"}});
  EXPECT_EQ(res.status, 401) << res.describe();
  EXPECT_EQ(res.error_code(), "unauthorized") << res.describe();
}

TEST_F(HttpApi, Me_WithoutToken_Returns401Unauthorized) {
  auto res = http().get(api("/me"));
  EXPECT_EQ(res.status, 401) << res.describe();
  EXPECT_EQ(res.error_code(), "unauthorized") << res.describe();

  res = http().get(api("/me"), std::string("not-a-real-token"));
  EXPECT_EQ(res.status, 401) << res.describe();
  EXPECT_EQ(res.error_code(), "unauthorized") << res.describe();
}

TEST_F(HttpApi, Me_WithToken_ReturnsTheLoggedInUser) {
  auto res = http().get(api("/me"), admin_token_);
  ASSERT_EQ(res.status, 200) << res.describe();
  EXPECT_EQ(str_of(res.body, "email"), server_->options().admin_email) << res.describe();
  EXPECT_EQ(str_of(res.body, "role"), "admin") << res.describe();
  EXPECT_EQ(str_of(res.body, "id"), str_of(admin_user_, "id")) << res.describe();
}

TEST_F(HttpApi, MalformedJsonBody_Returns400BadRequest) {
  auto res = http().request_raw("POST", api("/auth/login"), "{\"email\": \"a@b.c\", \"passw",
                                "application/json");
  EXPECT_EQ(res.status, 400) << res.describe();
  EXPECT_EQ(res.error_code(), "bad_request") << res.describe();

  res = http().request_raw("POST", api("/widgets"), "not json at all", "application/json",
                           admin_token_);
  EXPECT_EQ(res.status, 400) << res.describe();
  EXPECT_EQ(res.error_code(), "bad_request") << res.describe();
}

TEST_F(HttpApi, CreateUser_AsAnAgent_Returns403Forbidden) {
  const std::string agent_token = create_agent("agent-403@switchboard.test");
  ASSERT_FALSE(agent_token.empty());
  auto res = http().post(api("/users"),
                         {{"email", "sneaky@switchboard.test"},
                          {"password", "sneaky-password-1"},
                          {"name", "Sneaky"},
                          {"role", "admin"}},
                         agent_token);
  EXPECT_EQ(res.status, 403) << res.describe();
  EXPECT_EQ(res.error_code(), "forbidden") << res.describe();
  // And the user was not created.
  auto login = http().post(api("/auth/login"), {{"email", "sneaky@switchboard.test"},
                                                {"password", "sneaky-password-1"}});
  EXPECT_EQ(login.status, 401) << login.describe();
}

TEST_F(HttpApi, UnknownConversation_Returns404NotFound) {
  const std::string target = api("/conversations/no-such-conversation");
  auto res = http().get(target, admin_token_);
  EXPECT_EQ(res.status, 404) << res.describe();
  EXPECT_EQ(res.error_code(), "not_found") << res.describe();

  res = http().get(target + "/messages", admin_token_);
  EXPECT_EQ(res.status, 404) << res.describe();
  EXPECT_EQ(res.error_code(), "not_found") << res.describe();

  res = http().post(target + "/messages", {{"client_msg_id", "x1"}, {"text", "hello?"}},
                    admin_token_);
  EXPECT_EQ(res.status, 404) << res.describe();
  EXPECT_EQ(res.error_code(), "not_found") << res.describe();
}

TEST_F(HttpApi, Messages_PagingWithAfterSeqBeforeSeqAndLimit_ReturnsTheRightSlices) {
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  const std::string conv = open_conversation(*visitor, "v1", "First!");
  ASSERT_FALSE(conv.empty());
  ASSERT_TRUE(accept_as_admin(conv));

  int64_t position = 0;
  std::vector<int64_t> posted;
  for (int i = 1; i <= 10; ++i) {
    const std::string id = "m" + std::to_string(i);
    auto res = http().post(api("/conversations/" + conv + "/messages"),
                           {{"client_msg_id", id}, {"text", "Message " + std::to_string(i)}},
                           admin_token_);
    ASSERT_EQ(res.status, 201) << res.describe();
    EXPECT_EQ(str_of(res.body, "conversation_id"), conv) << res.describe();
    EXPECT_EQ(str_of(res.body, "client_msg_id"), id) << res.describe();
    ASSERT_TRUE(res.body.contains("position")) << res.describe();
    EXPECT_GT(res.body["position"].get<int64_t>(), position) << res.describe();
    position = res.body["position"].get<int64_t>();
    posted.push_back(seq_of(res.body));
  }
  EXPECT_TRUE(seqs_are_consecutive(posted, posted.front()));

  auto everything = full_history(conv, position);
  ASSERT_TRUE(everything);
  const std::vector<int64_t> all = seqs_of(*everything);
  ASSERT_GE(all.size(), 11u) << json(*everything).dump();
  for (size_t i = 1; i < all.size(); ++i) ASSERT_LT(all[i - 1], all[i]) << seqs_to_string(all);
  EXPECT_EQ(count_messages(*everything, "v1"), 1u);
  for (int i = 1; i <= 10; ++i) {
    EXPECT_EQ(count_messages(*everything, "m" + std::to_string(i)), 1u) << i;
  }
  EXPECT_EQ(all.back(), posted.back());
  const json& last = everything->back();
  EXPECT_EQ(str_of(last, "text"), "Message 10") << last.dump();
  EXPECT_EQ(str_of(last.value("sender", json::object()), "kind"), "agent") << last.dump();

  auto slice = [&](size_t from, size_t to) {  // all[from, to)
    return std::vector<int64_t>(all.begin() + static_cast<std::ptrdiff_t>(from),
                                all.begin() + static_cast<std::ptrdiff_t>(to));
  };
  const size_t n = all.size();

  auto after = page(conv, "after_seq=" + std::to_string(all[2]) + "&limit=3", position);
  ASSERT_TRUE(after);
  EXPECT_EQ(*after, slice(3, 6)) << "after_seq=" << all[2] << "&limit=3 -> "
                                 << seqs_to_string(*after);

  auto before = page(conv, "before_seq=" + std::to_string(all[8]) + "&limit=3", position);
  ASSERT_TRUE(before);
  EXPECT_EQ(*before, slice(5, 8)) << "before_seq=" << all[8] << "&limit=3 -> "
                                  << seqs_to_string(*before);

  auto latest = page(conv, "limit=4", position);
  ASSERT_TRUE(latest);
  EXPECT_EQ(*latest, slice(n - 4, n)) << "limit=4 -> " << seqs_to_string(*latest);

  auto first = page(conv, "after_seq=0&limit=1", position);
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, slice(0, 1)) << seqs_to_string(*first);

  auto whole = page(conv, "after_seq=0", position);  // default limit 50 > n
  ASSERT_TRUE(whole);
  EXPECT_EQ(*whole, all) << seqs_to_string(*whole);

  auto past_end = page(conv, "after_seq=" + std::to_string(all.back()), position);
  ASSERT_TRUE(past_end);
  EXPECT_TRUE(past_end->empty()) << seqs_to_string(*past_end);

  auto before_start = page(conv, "before_seq=" + std::to_string(all.front()), position);
  ASSERT_TRUE(before_start);
  EXPECT_TRUE(before_start->empty()) << seqs_to_string(*before_start);
}

TEST_F(HttpApi, Conversations_List_ContainsTheNewConversation) {
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  const std::string conv = open_conversation(*visitor);
  ASSERT_FALSE(conv.empty());
  ASSERT_TRUE(accept_as_admin(conv));
  auto posted = http().post(api("/conversations/" + conv + "/messages"),
                            {{"client_msg_id", "h1"}, {"text", "hello"}}, admin_token_);
  ASSERT_EQ(posted.status, 201) << posted.describe();
  const int64_t position = posted.body.value("position", int64_t{0});

  auto res = http().get(api("/conversations?limit=50&min_position=" + std::to_string(position)),
                        admin_token_);
  ASSERT_EQ(res.status, 200) << res.describe();
  ASSERT_TRUE(res.body.is_object() && res.body["items"].is_array()) << res.describe();
  EXPECT_TRUE(res.body.contains("next_cursor")) << res.describe();
  bool found = false;
  for (const auto& item : res.body["items"]) found = found || str_of(item, "id") == conv;
  EXPECT_TRUE(found) << conv << " not in " << res.describe();
}

TEST_F(HttpApi, Healthz_Returns200) {
  auto res = http().get("/healthz");
  EXPECT_EQ(res.status, 200) << res.describe();
}

TEST_F(HttpApi, Readyz_Returns200OnceServing) {
  auto res = http().get("/readyz");
  EXPECT_EQ(res.status, 200) << res.describe();
}

TEST_F(HttpApi, Metrics_ExposesSwitchboardMetricsInPrometheusText) {
  // Some traffic first, so counters have something to say.
  ASSERT_EQ(http().get(api("/me"), admin_token_).status, 200);
  auto res = http().get("/metrics");
  ASSERT_EQ(res.status, 200) << res.describe();
  EXPECT_NE(res.header("content-type").find("text/plain"), std::string::npos)
      << res.header("content-type");
  EXPECT_NE(res.raw_body.find("switchboard_"), std::string::npos) << res.describe();
  EXPECT_NE(res.raw_body.find("# TYPE switchboard_"), std::string::npos) << res.describe();
}

}  // namespace
}  // namespace switchboard::integration
