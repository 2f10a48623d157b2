#pragma once
// vault: seals secrets the server must use but never show again (webhook signing secrets,
// later AI and channel API keys) before they go into the event log, so the log, its backups
// and exports never hold them in the clear. XSalsa20-Poly1305 (libsodium crypto_secretbox)
// with a random nonce per secret; the 32-byte key lives in the meta column family
// ("secrets_key") or, better, in a file outside the data dir (--secrets-key-file).
// Sealed form: "v1." base64url(nonce || ciphertext). Thread-safe (immutable after
// construction).
#include <optional>
#include <string>
#include <string_view>

namespace sb {

class vault {
 public:
  explicit vault(std::string key);  // 32 bytes
  static std::string generate_key();
  std::string seal(std::string_view plaintext) const;
  // nullopt when the text was not sealed with this key or was altered.
  std::optional<std::string> open(std::string_view sealed) const;

 private:
  std::string key_;
};

}  // namespace sb
