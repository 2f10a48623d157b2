// The stats sketches: distinct counts that stay exact for small sets and within a few percent
// past them (through the fold's buckets), and duration percentiles within 2%.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "tests/projections/stats_fold_fixture.hpp"

namespace sb::projections {
namespace {

// ---- distinct counts ----

TEST_F(StatsFold, DistinctVisitors_AreExactForSmallSetsSpreadOverManyBuckets) {
  // 900 visitors, each seen in 3 different hours over 10 days: every merge stays exact.
  for (int i = 0; i < 900; ++i)
    for (int k = 0; k < 3; ++k) seen("vi_" + std::to_string(i), t0 + ((i + k * 37) % 240) * kHour);
  EXPECT_EQ(overview(t0, t0 + 10 * kDay)["visitors"], 900);
}

TEST_F(StatsFold, DistinctVisitors_Of100kIds_AreWithinAFewPercent) {
  for (int i = 0; i < 100'000; ++i) seen("vi_" + std::to_string(i), t0 + (i % 720) * kHour);
  auto n = overview(t0, t0 + 30 * kDay)["visitors"].get<double>();
  EXPECT_NEAR(n, 100'000, 3'000) << "HyperLogLog estimate";
  auto half = overview(t0, t0 + 15 * kDay)["visitors"].get<double>();
  EXPECT_NEAR(half, 50'000, 1'500);
}

// ---- percentiles ----

TEST_F(StatsFold, Percentiles_OfSpreadDurations_AreWithinTwoPercent) {
  duration_histogram h;
  for (std::int64_t v = 1; v <= 100'000; ++v) h.add(v * 37);
  EXPECT_NEAR(static_cast<double>(*h.percentile(50)), 50'000.0 * 37, 50'000.0 * 37 * 0.02);
  EXPECT_NEAR(static_cast<double>(*h.percentile(90)), 90'000.0 * 37, 90'000.0 * 37 * 0.02);
  duration_histogram other;
  other.merge(h);
  other.merge(h);
  EXPECT_EQ(other.count(), 200'000u);
  EXPECT_EQ(other.percentile(50), h.percentile(50));
}

}  // namespace
}  // namespace sb::projections
