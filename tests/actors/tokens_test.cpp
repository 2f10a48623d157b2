#include "actors/tokens.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace sb {
namespace {

TEST(Tokens, AValidToken_VerifiesUntilItExpires) {
  token_signer s{token_signer::generate_key()};
  auto t = s.issue({{"sub", "us_1"}, {"exp", 2000}});
  auto c = s.verify(t, 1999);
  ASSERT_TRUE(c);
  EXPECT_EQ((*c)["sub"], "us_1");
  EXPECT_FALSE(s.verify(t, 2000));
}

TEST(Tokens, TamperedOrForeignTokens_AreRefused) {
  token_signer s{token_signer::generate_key()}, other{token_signer::generate_key()};
  auto t = s.issue({{"sub", "us_1"}, {"exp", 2000}});
  EXPECT_FALSE(other.verify(t, 1));
  auto forged = other.issue({{"sub", "us_admin"}, {"exp", 2000}});
  EXPECT_FALSE(s.verify(forged, 1));
  auto swapped = forged.substr(0, forged.find('.')) + t.substr(t.find('.'));
  EXPECT_FALSE(s.verify(swapped, 1));
  for (auto* junk : {"", ".", "abc", "a.b", "....", "eyJ.eyJ"}) EXPECT_FALSE(s.verify(junk, 1));
  EXPECT_FALSE(s.verify(s.issue({{"sub", "no exp"}}), 1));
}

TEST(Passwords, HashVerifiesOnlyTheRightPassword) {
  auto h = hash_password("correct horse");
  EXPECT_NE(h.find("$argon2id$"), std::string::npos);
  EXPECT_TRUE(verify_password(h, "correct horse"));
  EXPECT_FALSE(verify_password(h, "correct horse "));
}

}  // namespace
}  // namespace sb
