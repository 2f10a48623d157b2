#pragma once
// geoip: the country and city of an IP address, from a MaxMind DB file (GeoIP2/GeoLite2 City or
// Country, read with libmaxminddb, memory-mapped). Opened once at start-up; lookups are
// thread-safe and never touch the disk beyond the mapping (page faults aside), so any thread may
// call them. A default-constructed geoip has no database: everybody is "unknown".
#include <memory>
#include <string>

struct MMDB_s;

namespace sb::visitors {

struct geo {
  std::string country = "unknown";  // ISO 3166-1 code, e.g. "DE"; "unknown" if not found
  std::string city;                 // English name; "" if not found
};

class geoip {
 public:
  geoip();  // no database
  ~geoip();
  geoip(const geoip&) = delete;
  geoip& operator=(const geoip&) = delete;

  // nullptr with `error` saying why (missing file, not a MaxMind DB, ...).
  static std::unique_ptr<geoip> open(const std::string& path, std::string& error);

  // `ip` is a textual IPv4 or IPv6 address ("203.0.113.7", "2001:db8::1", also
  // "::ffff:203.0.113.7" and "[2001:db8::1]"). Anything else, or an address in no network of the
  // database, is {"unknown", ""}.
  geo lookup(const std::string& ip) const;

  bool has_database() const { return db_ != nullptr; }

 private:
  std::unique_ptr<MMDB_s> db_;
};

}  // namespace sb::visitors
