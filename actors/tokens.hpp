#pragma once
// Signed, expiring tokens (staff sessions and visitor identities) and password hashing.
// Token = base64url(claims JSON) "." base64url(HMAC-SHA256(key, first part)); the key is 32
// random bytes kept in the log's meta column family, so tokens survive restarts.
// Passwords: libsodium's argon2id (crypto_pwhash_str, interactive limits). Thread-safe.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace sb {

class token_signer {
 public:
  explicit token_signer(std::string key);
  static std::string generate_key();

  // `claims` must hold "exp" (ms since epoch).
  std::string issue(const nlohmann::json& claims) const;
  // The claims of a well-formed, correctly signed, unexpired token.
  std::optional<nlohmann::json> verify(std::string_view token, std::int64_t now_ms) const;

 private:
  std::string key_;
};

std::string hash_password(const std::string& password);  // slow on purpose (~70 ms)
bool verify_password(const std::string& hash, const std::string& password);
// URL-safe base64 without padding.
std::string base64url_encode(const unsigned char* data, std::size_t n);
std::optional<std::string> base64url_decode(std::string_view in);
std::string random_id(std::string_view prefix, std::size_t bytes = 12);
std::int64_t unix_ms();

}  // namespace sb
