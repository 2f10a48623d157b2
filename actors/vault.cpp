#include "actors/vault.hpp"

#include <sodium.h>

#include <stdexcept>

#include "actors/tokens.hpp"

namespace sb {

vault::vault(std::string key) : key_(std::move(key)) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  if (key_.size() != crypto_secretbox_KEYBYTES) throw std::invalid_argument("vault key must be 32 bytes");
}

std::string vault::generate_key() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  std::string k(crypto_secretbox_KEYBYTES, '\0');
  randombytes_buf(k.data(), k.size());
  return k;
}

std::string vault::seal(std::string_view plaintext) const {
  std::string buf(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(), '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(buf.data());
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES, reinterpret_cast<const unsigned char*>(plaintext.data()),
                        plaintext.size(), nonce, reinterpret_cast<const unsigned char*>(key_.data()));
  return "v1." + base64url_encode(nonce, buf.size());
}

std::optional<std::string> vault::open(std::string_view sealed) const {
  if (sealed.substr(0, 3) != "v1.") return std::nullopt;
  sealed.remove_prefix(3);
  auto decoded = base64url_decode(sealed);
  if (!decoded) return std::nullopt;
  auto& bin = *decoded;
  auto n = bin.size();
  if (n < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) return std::nullopt;
  auto* nonce = reinterpret_cast<const unsigned char*>(bin.data());
  std::string out(n - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(out.data()), nonce + crypto_secretbox_NONCEBYTES,
                                 n - crypto_secretbox_NONCEBYTES, nonce,
                                 reinterpret_cast<const unsigned char*>(key_.data())) != 0)
    return std::nullopt;
  return out;
}

}  // namespace sb
