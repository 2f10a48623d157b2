#pragma once
// mmdb_writer: writes small MaxMind DB files (format 2.0, https://maxmind.github.io/MaxMind-DB/)
// for tests, so GeoIP lookups are tested against a real database without downloading one.
//
// The file is an IPv6 search tree (24-bit records, IPv4 networks at ::a.b.c.d/96+n, where
// libmaxminddb looks IPv4 addresses up), the 16-byte data section separator, one GeoIP2-City
// shaped record per network, {country: {iso_code}, city: {names: {en}}} (no city when empty),
// then the metadata after "\xAB\xCD\xEFMaxMind.com". Later networks win where they overlap.
#include <string>
#include <vector>

namespace sb::test {

struct mmdb_network {
  std::string cidr;     // "1.2.3.0/24", "2001:db8::/32"; a bare address is a /32 or /128
  std::string country;  // ISO code, e.g. "DE"
  std::string city;     // English name, "" for none
};

// The database as bytes; false with `error` set for a malformed network.
bool build_mmdb(const std::vector<mmdb_network>& networks, std::string& out, std::string& error);
bool write_mmdb(const std::string& path, const std::vector<mmdb_network>& networks,
                std::string& error);

// "1.2.3.0/24=DE:Berlin" or "2001:db8::/32=JP" -> a network; false if malformed.
bool parse_mmdb_network(const std::string& arg, mmdb_network& out);

}  // namespace sb::test
