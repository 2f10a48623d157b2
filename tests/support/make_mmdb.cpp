// make_mmdb: writes a small MaxMind DB for tests (see mmdb_writer.hpp), e.g. for a real server
// started by an integration test with --geoip-db:
//   make_mmdb OUT.mmdb 127.0.0.1/32=DE:Berlin 2001:db8::/32=JP:Tokyo 10.0.0.0/8=FR
#include <cstdio>
#include <string>
#include <vector>

#include "tests/support/mmdb_writer.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: make_mmdb OUT.mmdb NETWORK=COUNTRY[:CITY] ...\n"
                 "  e.g. make_mmdb geo.mmdb 127.0.0.1/32=DE:Berlin 2001:db8::/32=JP\n");
    return 2;
  }
  std::vector<sb::test::mmdb_network> networks;
  for (int i = 2; i < argc; ++i) {
    sb::test::mmdb_network n;
    if (!sb::test::parse_mmdb_network(argv[i], n)) {
      std::fprintf(stderr, "make_mmdb: expected NETWORK=COUNTRY[:CITY], got %s\n", argv[i]);
      return 2;
    }
    networks.push_back(n);
  }
  std::string error;
  if (!sb::test::write_mmdb(argv[1], networks, error)) {
    std::fprintf(stderr, "make_mmdb: %s\n", error.c_str());
    return 1;
  }
  return 0;
}
