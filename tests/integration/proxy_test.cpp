// Login rate limits behind a reverse proxy: X-Forwarded-For is believed only from the
// addresses given with --trusted-proxies, so clients behind the proxy get a bucket each, and
// nobody can dodge the limit by sending the header straight to the server.

#include "tests/integration/support/server_fixture.hpp"

namespace switchboard::integration {
namespace {

http_response wrong_login(const http_client& c, const std::string& forwarded_for) {
  return c.request_raw("POST", "/api/v1/auth/login",
                       R"({"email":"admin@switchboard.test","password":"not-the-password"})",
                       "application/json", std::nullopt, {{"X-Forwarded-For", forwarded_for}});
}

class BehindAProxy : public server_fixture {
 protected:
  // Three logins a minute per client.
  BehindAProxy() { extra_server_args_ = {"--login-rate", "3", "--trusted-proxies", "127.0.0.1"}; }
};

TEST_F(BehindAProxy, EachForwardedClient_HasItsOwnLoginLimit) {
  for (int i = 0; i < 3; ++i) EXPECT_EQ(wrong_login(http(), "203.0.113.7").status, 401) << i;
  EXPECT_EQ(wrong_login(http(), "203.0.113.7").status, 429) << "the fourth try in a minute";
  EXPECT_EQ(wrong_login(http(), "203.0.113.8").status, 401) << "another client behind the proxy";
  // The client's own entry is the rightmost one not ours; what it claims left of it is ignored.
  EXPECT_EQ(wrong_login(http(), "198.51.100.1, 203.0.113.7").status, 429);
}

class NoTrustedProxy : public server_fixture {
 protected:
  // 4: the fixture's own admin login, from the same address, takes one.
  NoTrustedProxy() { extra_server_args_ = {"--login-rate", "4"}; }
};

TEST_F(NoTrustedProxy, ForwardedForFromAnUntrustedPeer_IsIgnored) {
  for (int i = 0; i < 3; ++i) EXPECT_EQ(wrong_login(http(), "203.0.113." + std::to_string(i)).status, 401) << i;
  EXPECT_EQ(wrong_login(http(), "203.0.113.99").status, 429)
      << "a client must not get a fresh bucket by inventing X-Forwarded-For";
}

}  // namespace
}  // namespace switchboard::integration
