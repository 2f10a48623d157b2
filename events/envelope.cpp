#include "events/envelope.hpp"

#include "events/keys.hpp"

namespace sb::events {
namespace {

void put_str(std::string& out, std::string_view s) {
  std::uint32_t n = static_cast<std::uint32_t>(s.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xff));
  out.append(s);
}

struct reader {
  std::string_view in;
  bool ok = true;

  std::uint64_t u64() {
    if (in.size() < 8) return fail();
    auto v = keys::get_u64(in);
    in.remove_prefix(8);
    return v;
  }
  std::uint16_t u16() {
    if (in.size() < 2) return fail();
    auto v = static_cast<std::uint16_t>((static_cast<unsigned char>(in[0]) << 8) |
                                        static_cast<unsigned char>(in[1]));
    in.remove_prefix(2);
    return v;
  }
  std::string str() {
    if (in.size() < 4) return fail(), std::string{};
    std::uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<unsigned char>(in[i]);
    in.remove_prefix(4);
    if (in.size() < n) return fail(), std::string{};
    std::string s(in.substr(0, n));
    in.remove_prefix(n);
    return s;
  }
  std::uint64_t fail() {
    ok = false;
    in = {};
    return 0;
  }
};

}  // namespace

std::string encode(const envelope& e) {
  std::string out;
  out.reserve(1 + 2 + 8 + 8 + 8 + 12 + e.type.size() + e.stream.size() + e.data.size());
  out.push_back(static_cast<char>(kEnvelopeFormat));
  put_str(out, e.type);
  out.push_back(static_cast<char>(e.version >> 8));
  out.push_back(static_cast<char>(e.version & 0xff));
  put_str(out, e.stream);
  keys::put_u64(out, e.seq);
  keys::put_u64(out, e.position);
  keys::put_u64(out, static_cast<std::uint64_t>(e.ts));
  put_str(out, e.data);
  return out;
}

std::optional<envelope> decode(std::string_view bytes) {
  if (bytes.empty() || static_cast<std::uint8_t>(bytes[0]) != kEnvelopeFormat) return std::nullopt;
  reader r{bytes.substr(1)};
  envelope e;
  e.type = r.str();
  e.version = r.u16();
  e.stream = r.str();
  e.seq = r.u64();
  e.position = r.u64();
  e.ts = static_cast<std::int64_t>(r.u64());
  e.data = r.str();
  if (!r.ok || !r.in.empty()) return std::nullopt;
  return e;
}

}  // namespace sb::events
