#include "actors/visitors/geoip.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>
#include <vector>

#include "tests/support/mmdb_writer.hpp"
#include "tests/support/temp_dir.hpp"

namespace sb::visitors {
namespace {

class Geoip : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(test::write_mmdb(path_,
                                 {{"1.2.3.0/24", "DE", "Berlin"},
                                  {"5.6.0.0/16", "FR", "Paris"},
                                  {"2001:db8::/32", "JP", "Tokyo"},
                                  {"5.6.7.0/24", "FR", "Lyon"},  // inside 5.6.0.0/16
                                  {"9.9.9.0/24", "US", ""}},
                                 error))
        << error;
    db_ = geoip::open(path_, error);
    ASSERT_TRUE(db_) << error;
  }
  // "country/city" of `ip`
  std::string at(const std::string& ip) { return text(db_->lookup(ip)); }
  static std::string text(const geo& g) { return g.country + "/" + g.city; }

  test::temp_dir dir_;
  std::string path_ = dir_.path() + "/city.mmdb";
  std::unique_ptr<geoip> db_;
};

TEST_F(Geoip, AddressesInsideANetwork_GetItsCountryAndCity) {
  EXPECT_EQ(at("1.2.3.4"), "DE/Berlin");
  EXPECT_EQ(at("1.2.3.0"), "DE/Berlin");
  EXPECT_EQ(at("1.2.3.255"), "DE/Berlin");
  EXPECT_EQ(at("5.6.200.1"), "FR/Paris");
  EXPECT_EQ(at("5.6.7.8"), "FR/Lyon");  // the more specific network wins
  EXPECT_EQ(at("2001:db8::1"), "JP/Tokyo");
  EXPECT_EQ(at("2001:db8:ffff:ffff::1"), "JP/Tokyo");
  EXPECT_EQ(at("9.9.9.9"), "US/");  // a record without a city
}

TEST_F(Geoip, MappedAndBracketedForms_AreUnderstood) {
  EXPECT_EQ(at("::ffff:1.2.3.4"), "DE/Berlin");  // from a dual-stack socket
  EXPECT_EQ(at("[2001:db8::42]"), "JP/Tokyo");
}

TEST_F(Geoip, AddressesOutsideEveryNetwork_AreUnknown) {
  EXPECT_EQ(at("1.2.4.1"), "unknown/");
  EXPECT_EQ(at("5.7.0.1"), "unknown/");
  EXPECT_EQ(at("127.0.0.1"), "unknown/");
  EXPECT_EQ(at("2001:db9::1"), "unknown/");
  EXPECT_EQ(at("::1"), "unknown/");
}

TEST_F(Geoip, InvalidAddresses_AreUnknown) {
  for (auto ip : {"", "not-an-ip", "1.2.3", "1.2.3.4:80", "1.2.3.4 ", "1.2.3.256", "2001:db8:::1",
                  "[1.2.3.4", "localhost"})
    EXPECT_EQ(at(ip), "unknown/") << ip;
  EXPECT_EQ(at(std::string(1000, '1')), "unknown/");
}

TEST_F(Geoip, ConcurrentLookups_AllGetTheSameAnswers) {
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i)
        if (db_->lookup("1.2.3.4").city != "Berlin" || db_->lookup("2001:db8::9").country != "JP")
          ++wrong;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(GeoipOpen, AMissingOrBogusFile_FailsWithAClearError) {
  test::temp_dir dir;
  std::string error;
  auto missing = dir.path() + "/nope.mmdb";
  EXPECT_FALSE(geoip::open(missing, error));
  EXPECT_NE(error.find(missing), std::string::npos) << error;
  EXPECT_NE(error.find("No such file"), std::string::npos) << error;

  auto bogus = dir.path() + "/bogus.mmdb";
  std::ofstream(bogus) << "this is not a MaxMind database";
  error.clear();
  EXPECT_FALSE(geoip::open(bogus, error));
  EXPECT_NE(error.find("cannot open the GeoIP database"), std::string::npos) << error;
}

TEST(GeoipOpen, WithoutADatabase_EverybodyIsUnknown) {
  geoip none;
  EXPECT_FALSE(none.has_database());
  EXPECT_EQ(none.lookup("1.2.3.4").country, "unknown");
  EXPECT_EQ(none.lookup("1.2.3.4").city, "");
}

TEST(GeoipWriter, MalformedNetworks_AreRefused) {
  std::string out, error;
  EXPECT_FALSE(test::build_mmdb({{"1.2.3.0/33", "DE", ""}}, out, error));
  EXPECT_FALSE(test::build_mmdb({{"nope/8", "DE", ""}}, out, error));
  EXPECT_FALSE(test::build_mmdb({{"::/0", "DE", ""}}, out, error));
  test::mmdb_network n;
  ASSERT_TRUE(test::parse_mmdb_network("127.0.0.1/32=DE:Berlin", n));
  EXPECT_EQ(n.cidr, "127.0.0.1/32");
  EXPECT_EQ(n.country, "DE");
  EXPECT_EQ(n.city, "Berlin");
  ASSERT_TRUE(test::parse_mmdb_network("::1=JP", n));
  EXPECT_EQ(n.city, "");
  EXPECT_FALSE(test::parse_mmdb_network("1.2.3.4", n));
}

}  // namespace
}  // namespace sb::visitors
