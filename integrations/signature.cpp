#include "integrations/signature.hpp"

#include <sodium.h>

namespace sb::integrations {
namespace {

bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
  crypto_auth_hmacsha256_state st;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(message.data()), message.size());
  crypto_auth_hmacsha256_final(&st, mac);
  char hex[2 * sizeof mac + 1];
  sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
  return std::string(hex, 2 * sizeof mac);
}

std::string webhook_signature(std::string_view secret, std::int64_t unix_seconds, std::string_view body) {
  std::string signed_text = std::to_string(unix_seconds);
  signed_text += '.';
  signed_text += body;
  return "sha256=" + hmac_sha256_hex(secret, signed_text);
}

bool webhook_signature_valid(std::string_view secret, std::int64_t unix_seconds, std::string_view body,
                             std::string_view header) {
  return same(webhook_signature(secret, unix_seconds, body), header);
}

bool meta_signature_valid(std::string_view app_secret, std::string_view body, std::string_view header) {
  return same("sha256=" + hmac_sha256_hex(app_secret, body), header);
}

}  // namespace sb::integrations
