#include "actors/tokens.hpp"

#include <sodium.h>

#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace sb {
namespace {

[[maybe_unused]] const bool sodium_ready = [] {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  return true;
}();

}  // namespace

std::string base64url_encode(const unsigned char* data, std::size_t n) {
  std::string out(sodium_base64_encoded_len(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), data, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::optional<std::string> base64url_decode(std::string_view in) {
  std::string out(in.size(), '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), in.data(),
                        in.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
    return std::nullopt;
  out.resize(len);
  return out;
}


token_signer::token_signer(std::string key) : key_(std::move(key)) {
  if (key_.size() != crypto_auth_hmacsha256_KEYBYTES)
    throw std::invalid_argument("token key must be 32 bytes");
}

std::string token_signer::generate_key() {
  std::string k(crypto_auth_hmacsha256_KEYBYTES, '\0');
  randombytes_buf(k.data(), k.size());
  return k;
}

std::string token_signer::issue(const nlohmann::json& claims) const {
  auto body = claims.dump();
  auto head = base64url_encode(reinterpret_cast<const unsigned char*>(body.data()), body.size());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256(mac, reinterpret_cast<const unsigned char*>(head.data()), head.size(),
                         reinterpret_cast<const unsigned char*>(key_.data()));
  return head + "." + base64url_encode(mac, sizeof mac);
}

std::optional<nlohmann::json> token_signer::verify(std::string_view token,
                                                   std::int64_t now_ms) const {
  if (token.size() > 4096) return std::nullopt;
  auto dot = token.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto head = token.substr(0, dot);
  auto mac = base64url_decode(token.substr(dot + 1));
  if (!mac || mac->size() != crypto_auth_hmacsha256_BYTES) return std::nullopt;
  if (crypto_auth_hmacsha256_verify(reinterpret_cast<const unsigned char*>(mac->data()),
                                    reinterpret_cast<const unsigned char*>(head.data()),
                                    head.size(),
                                    reinterpret_cast<const unsigned char*>(key_.data())) != 0)
    return std::nullopt;
  auto body = base64url_decode(head);
  if (!body) return std::nullopt;
  auto claims = nlohmann::json::parse(*body, nullptr, false);
  if (claims.is_discarded() || !claims.is_object() || !claims.contains("exp") ||
      !claims["exp"].is_number_integer() || claims["exp"].get<std::int64_t>() <= now_ms)
    return std::nullopt;
  return claims;
}

std::string hash_password(const std::string& password) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    throw std::runtime_error("out of memory while hashing a password");
  return out;
}

bool verify_password(const std::string& hash, const std::string& password) {
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string random_id(std::string_view prefix, std::size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  static const char* hex = "0123456789abcdef";
  std::string id(prefix);
  for (unsigned char b : raw) {
    id.push_back(hex[b >> 4]);
    id.push_back(hex[b & 15]);
  }
  return id;
}

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace sb
