#include "actors/visitors/geoip.hpp"

#include <arpa/inet.h>
#include <maxminddb.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>

namespace sb::visitors {
namespace {

// The UTF-8 string at `path` in `entry`, or "" (missing, or of another type).
std::string string_at(MMDB_entry_s& entry, const char* const* path) {
  MMDB_entry_data_s data;
  if (MMDB_aget_value(&entry, &data, path) != MMDB_SUCCESS || !data.has_data ||
      data.type != MMDB_DATA_TYPE_UTF8_STRING)
    return {};
  return std::string(data.utf8_string, data.data_size);
}

}  // namespace

geoip::geoip() = default;

geoip::~geoip() {
  if (db_) MMDB_close(db_.get());
}

std::unique_ptr<geoip> geoip::open(const std::string& path, std::string& error) {
  auto db = std::make_unique<MMDB_s>();
  errno = 0;
  int status = MMDB_open(path.c_str(), MMDB_MODE_MMAP, db.get());
  if (status != MMDB_SUCCESS) {
    int saved = errno;
    error = "cannot open the GeoIP database " + path + ": " + MMDB_strerror(status);
    if ((status == MMDB_FILE_OPEN_ERROR || status == MMDB_IO_ERROR) && saved != 0)
      error += std::string(" (") + std::strerror(saved) + ")";
    return nullptr;
  }
  std::unique_ptr<geoip> g{new geoip};
  g->db_ = std::move(db);
  return g;
}

geo geoip::lookup(const std::string& ip_text) const {
  geo out;
  if (!db_ || ip_text.empty() || ip_text.size() > 64) return out;
  std::string ip = ip_text;
  if (ip.size() > 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);

  sockaddr_storage storage{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
  } else if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {  // ::ffff:a.b.c.d (dual-stack sockets): IPv4
      in_addr a;
      std::memcpy(&a, &v6->sin6_addr.s6_addr[12], 4);
      storage = {};
      v4->sin_family = AF_INET;
      v4->sin_addr = a;
    }
  } else {
    return out;
  }
  int mmdb_error = MMDB_SUCCESS;
  auto result = MMDB_lookup_sockaddr(db_.get(), reinterpret_cast<sockaddr*>(&storage), &mmdb_error);
  if (mmdb_error != MMDB_SUCCESS || !result.found_entry) return out;

  static const char* const country[] = {"country", "iso_code", nullptr};
  static const char* const registered[] = {"registered_country", "iso_code", nullptr};
  static const char* const city[] = {"city", "names", "en", nullptr};
  auto iso = string_at(result.entry, country);
  if (iso.empty()) iso = string_at(result.entry, registered);  // e.g. anycast networks
  if (!iso.empty()) out.country = iso;
  out.city = string_at(result.entry, city);
  return out;
}

}  // namespace sb::visitors
