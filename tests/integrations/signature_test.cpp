// HMAC-SHA256 as webhooks and Meta use it (RFC 4231 vectors), our signature header and its
// check, Meta's X-Hub-Signature-256 check, and the vault that seals stored secrets.
#include "integrations/signature.hpp"

#include <gtest/gtest.h>

#include "actors/vault.hpp"

namespace sb::integrations {
namespace {

TEST(Signature, HmacSha256_MatchesRfc4231Vectors) {
  EXPECT_EQ(hmac_sha256_hex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // A key longer than the block size is hashed first (test case 6).
  EXPECT_EQ(hmac_sha256_hex(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(Signature, WebhookSignature_SignsTimestampAndBodyAndRefusesChanges) {
  auto sig = webhook_signature("whsec_test", 1764763200, R"({"id":"evt_1"})");
  EXPECT_EQ(sig, "sha256=" + hmac_sha256_hex("whsec_test", R"(1764763200.{"id":"evt_1"})"));
  EXPECT_TRUE(webhook_signature_valid("whsec_test", 1764763200, R"({"id":"evt_1"})", sig));
  EXPECT_FALSE(webhook_signature_valid("whsec_test", 1764763201, R"({"id":"evt_1"})", sig));  // replayed later
  EXPECT_FALSE(webhook_signature_valid("whsec_test", 1764763200, R"({"id":"evt_2"})", sig));  // body changed
  EXPECT_FALSE(webhook_signature_valid("whsec_other", 1764763200, R"({"id":"evt_1"})", sig));
  EXPECT_FALSE(webhook_signature_valid("whsec_test", 1764763200, R"({"id":"evt_1"})", sig.substr(0, 20)));
}

TEST(Signature, XHubSignature256_MatchesThePublishedVector) {
  // The X-Hub-Signature-256 scheme Meta's webhooks use (sha256= hex HMAC of the raw body),
  // checked against the vector GitHub's webhook documentation publishes for the same header.
  EXPECT_TRUE(meta_signature_valid("It's a Secret to Everybody", "Hello, World!",
                                   "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"));
  EXPECT_FALSE(meta_signature_valid("It's a Secret to Everybody", "Hello, World?",
                                    "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"));
}

TEST(Signature, MetaSignature_AcceptsTheAppSecretsHmacAndRefusesAForgedOne) {
  const std::string body = R"({"object":"instagram","entry":[{"id":"17841400000000000","time":1764763200}]})";
  const std::string secret = "6d1c1a0b8f5e4c3a2b1d0e9f8a7b6c5d";
  auto good = "sha256=" + hmac_sha256_hex(secret, body);
  EXPECT_TRUE(meta_signature_valid(secret, body, good));
  EXPECT_FALSE(meta_signature_valid("another-app-secret", body, good));
  EXPECT_FALSE(meta_signature_valid(secret, body + " ", good));
  EXPECT_FALSE(meta_signature_valid(secret, body, "sha1=" + good.substr(7)));
  EXPECT_FALSE(meta_signature_valid(secret, body, ""));
}

TEST(Vault, SealedSecrets_OpenWithTheKeyOnlyAndNeverShowThePlaintext) {
  vault v{vault::generate_key()};
  auto sealed = v.seal("whsec_supersecret");
  EXPECT_EQ(sealed.rfind("v1.", 0), 0u);
  EXPECT_EQ(sealed.find("supersecret"), std::string::npos);
  EXPECT_NE(v.seal("whsec_supersecret"), sealed);  // a fresh nonce each time
  ASSERT_TRUE(v.open(sealed));
  EXPECT_EQ(*v.open(sealed), "whsec_supersecret");
  vault other{vault::generate_key()};
  EXPECT_FALSE(other.open(sealed));
  auto altered = sealed;
  altered[10] = altered[10] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(v.open(altered));
  EXPECT_FALSE(v.open("v1.short"));
  EXPECT_FALSE(v.open("plain text"));
}

}  // namespace
}  // namespace sb::integrations
