#include "tests/support/mmdb_writer.hpp"

#include <arpa/inet.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <fstream>

namespace sb::test {
namespace {

// --- data section encoding (spec: "Output Data Section") ---
enum type : unsigned {
  pointer = 1,
  utf8 = 2,
  uint16 = 5,
  uint32 = 6,
  map = 7,
  uint64 = 9,
  array = 11
};

void control(std::string& out, unsigned t, std::size_t size) {
  unsigned size_bits;
  std::string extra;
  if (size < 29) {
    size_bits = static_cast<unsigned>(size);
  } else if (size < 29 + 256) {
    size_bits = 29;
    extra.push_back(static_cast<char>(size - 29));
  } else if (size < 285 + 65536) {
    size_bits = 30;
    auto v = size - 285;
    extra = {static_cast<char>(v >> 8), static_cast<char>(v & 0xFF)};
  } else {
    size_bits = 31;
    auto v = size - 65821;
    extra = {static_cast<char>(v >> 16), static_cast<char>((v >> 8) & 0xFF),
             static_cast<char>(v & 0xFF)};
  }
  if (t <= 7) {
    out.push_back(static_cast<char>((t << 5) | size_bits));
  } else {  // extended type: type bits 0, then a byte holding type - 7
    out.push_back(static_cast<char>(size_bits));
    out.push_back(static_cast<char>(t - 7));
  }
  out += extra;
}

void string_field(std::string& out, const std::string& s) {
  control(out, utf8, s.size());
  out += s;
}

void uint_field(std::string& out, unsigned t, std::uint64_t v) {
  std::string bytes;
  for (; v; v >>= 8) bytes.insert(bytes.begin(), static_cast<char>(v & 0xFF));
  control(out, t, bytes.size());
  out += bytes;
}

// A map from already encoded values; keys are written in the given order.
void map_field(std::string& out, const std::vector<std::pair<std::string, std::string>>& pairs) {
  control(out, map, pairs.size());
  for (auto& [k, v] : pairs) {
    string_field(out, k);
    out += v;
  }
}

std::string encoded_string(const std::string& s) {
  std::string out;
  string_field(out, s);
  return out;
}
std::string encoded_uint(unsigned t, std::uint64_t v) {
  std::string out;
  uint_field(out, t, v);
  return out;
}
std::string encoded_map(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string out;
  map_field(out, pairs);
  return out;
}

std::string city_record(const mmdb_network& n) {
  std::vector<std::pair<std::string, std::string>> top;
  if (!n.city.empty())
    top.emplace_back("city",
                     encoded_map({{"names", encoded_map({{"en", encoded_string(n.city)}})}}));
  top.emplace_back("country", encoded_map({{"iso_code", encoded_string(n.country)}}));
  return encoded_map(top);
}

// --- search tree (spec: "Search Tree Section") ---
struct record {
  enum { empty, node, data } kind = empty;
  std::uint32_t value = 0;  // node index or data record index
};
using node = std::array<record, 2>;

bool parse_cidr(const std::string& cidr, std::array<std::uint8_t, 16>& addr, unsigned& prefix,
                std::string& error) {
  auto slash = cidr.find('/');
  auto ip = cidr.substr(0, slash);
  unsigned char buf[16] = {};
  bool v4 = inet_pton(AF_INET, ip.c_str(), buf) == 1;
  if (!v4 && inet_pton(AF_INET6, ip.c_str(), buf) != 1) {
    error = "not an IP network: " + cidr;
    return false;
  }
  unsigned max = v4 ? 32 : 128;
  prefix = max;
  if (slash != std::string::npos) {
    auto p = cidr.substr(slash + 1);
    if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(p) > max) {
      error = "bad prefix length in " + cidr;
      return false;
    }
    prefix = static_cast<unsigned>(std::stoul(p));
  }
  addr.fill(0);
  if (v4) {  // IPv4 lives at ::a.b.c.d in an IPv6 tree
    for (int i = 0; i < 4; ++i) addr[12 + i] = buf[i];
    prefix += 96;
  } else {
    for (int i = 0; i < 16; ++i) addr[i] = buf[i];
  }
  if (prefix == 0) {
    error = "a /0 network is not supported: " + cidr;
    return false;
  }
  return true;
}

void insert(std::vector<node>& tree, const std::array<std::uint8_t, 16>& addr, unsigned prefix,
            std::uint32_t data_index) {
  std::uint32_t cur = 0;
  for (unsigned depth = 0; depth < prefix; ++depth) {
    unsigned bit = (addr[depth / 8] >> (7 - depth % 8)) & 1;
    if (depth + 1 == prefix) {
      tree[cur][bit] = {record::data, data_index};  // replaces whatever was below
      return;
    }
    if (tree[cur][bit].kind != record::node) {
      // Split: the new node inherits the old record on both sides, so a less specific network
      // inserted earlier still covers the rest of its range.
      auto inherited = tree[cur][bit];
      tree.push_back({inherited, inherited});
      tree[cur][bit] = {record::node, static_cast<std::uint32_t>(tree.size() - 1)};
    }
    cur = tree[cur][bit].value;
  }
}

}  // namespace

bool build_mmdb(const std::vector<mmdb_network>& networks, std::string& out, std::string& error) {
  std::vector<node> tree(1);
  std::string data;
  std::vector<std::uint32_t> offsets;
  for (auto& n : networks) {
    std::array<std::uint8_t, 16> addr;
    unsigned prefix;
    if (!parse_cidr(n.cidr, addr, prefix, error)) return false;
    offsets.push_back(static_cast<std::uint32_t>(data.size()));
    data += city_record(n);
    insert(tree, addr, prefix, static_cast<std::uint32_t>(offsets.size() - 1));
  }
  auto node_count = static_cast<std::uint32_t>(tree.size());
  if (std::uint64_t{node_count} + 16 + data.size() >= (1u << 24)) {
    error = "too large for 24-bit records";
    return false;
  }
  out.clear();
  for (auto& nd : tree) {
    for (auto& r : nd) {
      std::uint32_t v = r.kind == record::node    ? r.value
                        : r.kind == record::empty ? node_count
                                                  : node_count + 16 + offsets[r.value];
      out.push_back(static_cast<char>((v >> 16) & 0xFF));
      out.push_back(static_cast<char>((v >> 8) & 0xFF));
      out.push_back(static_cast<char>(v & 0xFF));
    }
  }
  out += std::string(16, '\0');  // data section separator
  out += data;
  out += "\xAB\xCD\xEFMaxMind.com";
  std::string languages;
  control(languages, array, 1);
  string_field(languages, "en");
  auto epoch = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  map_field(out,
            {{"binary_format_major_version", encoded_uint(uint16, 2)},
             {"binary_format_minor_version", encoded_uint(uint16, 0)},
             {"build_epoch", encoded_uint(uint64, static_cast<std::uint64_t>(epoch))},
             {"database_type", encoded_string("GeoIP2-City")},
             {"description", encoded_map({{"en", encoded_string("Switchboard test fixture")}})},
             {"ip_version", encoded_uint(uint16, 6)},
             {"languages", languages},
             {"node_count", encoded_uint(uint32, node_count)},
             {"record_size", encoded_uint(uint16, 24)}});
  return true;
}

bool write_mmdb(const std::string& path, const std::vector<mmdb_network>& networks,
                std::string& error) {
  std::string bytes;
  if (!build_mmdb(networks, bytes, error)) return false;
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  f.close();
  if (!f) {
    error = "cannot write " + path;
    return false;
  }
  return true;
}

bool parse_mmdb_network(const std::string& arg, mmdb_network& out) {
  auto eq = arg.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  out.cidr = arg.substr(0, eq);
  auto geo = arg.substr(eq + 1);
  auto colon = geo.find(':');
  out.country = geo.substr(0, colon);
  out.city = colon == std::string::npos ? "" : geo.substr(colon + 1);
  return !out.country.empty();
}

}  // namespace sb::test
