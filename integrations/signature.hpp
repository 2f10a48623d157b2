#pragma once
// HMAC-SHA256 signatures on what we send (outgoing webhooks) and what we receive (Meta's
// X-Hub-Signature-256). Comparisons are constant-time.
#include <cstdint>
#include <string>
#include <string_view>

namespace sb::integrations {

std::string hmac_sha256_hex(std::string_view key, std::string_view message);

// X-Switchboard-Signature of an outgoing webhook: "sha256=" hex(HMAC(secret, "<ts>.<body>")),
// ts = the X-Switchboard-Timestamp header (unix seconds). Signing the timestamp with the body
// lets a receiver refuse replays of old deliveries.
std::string webhook_signature(std::string_view secret, std::int64_t unix_seconds, std::string_view body);
bool webhook_signature_valid(std::string_view secret, std::int64_t unix_seconds, std::string_view body,
                             std::string_view header);

// Meta (Instagram, Messenger): X-Hub-Signature-256 is "sha256=" hex(HMAC(app secret, raw body)).
bool meta_signature_valid(std::string_view app_secret, std::string_view body, std::string_view header);

}  // namespace sb::integrations
