#include "events/envelope.hpp"

#include <gtest/gtest.h>

#include "events/keys.hpp"

namespace sb::events {
namespace {

envelope sample() {
  return {"message_posted", 3, "conversation/cv_1", 42, 1'000'000'000'123, 1795366175590,
          R"({"text":"héllo"})"};
}

TEST(Envelope, EncodeThenDecode_GivesTheSameEnvelope) {
  auto e = sample();
  auto d = decode(encode(e));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->type, e.type);
  EXPECT_EQ(d->version, e.version);
  EXPECT_EQ(d->stream, e.stream);
  EXPECT_EQ(d->seq, e.seq);
  EXPECT_EQ(d->position, e.position);
  EXPECT_EQ(d->ts, e.ts);
  EXPECT_EQ(d->data, e.data);
}

TEST(Envelope, Decode_RejectsTruncatedTrailingAndUnknownFormats) {
  auto bytes = encode(sample());
  for (std::size_t n = 0; n < bytes.size(); ++n) EXPECT_FALSE(decode(bytes.substr(0, n))) << n;
  EXPECT_FALSE(decode(bytes + "x"));
  auto other = bytes;
  other[0] = 2;
  EXPECT_FALSE(decode(other));
}

TEST(Keys, PositionKeys_SortBytewiseInNumericOrder) {
  std::uint64_t values[] = {0, 1, 255, 256, 65535, 65536, 1ull << 40, (1ull << 40) + 1, UINT64_MAX};
  for (std::size_t i = 1; i < std::size(values); ++i) {
    EXPECT_LT(keys::position_key(values[i - 1]), keys::position_key(values[i]));
    EXPECT_EQ(keys::get_u64(keys::position_key(values[i])), values[i]);
  }
}

TEST(Keys, StreamKeys_KeepStreamsSharingAPrefixApart) {
  // every key of "order" sorts before every key of "orders"
  EXPECT_LT(keys::stream_key("order", UINT64_MAX), keys::stream_key("orders", 0));
  EXPECT_LT(keys::stream_key("order", 255), keys::stream_key("order", 256));
  EXPECT_LT(keys::stream_key("order", UINT64_MAX), keys::stream_upper_bound("order"));
  EXPECT_LT(keys::stream_upper_bound("order"), keys::stream_key("orders", 0));
}

}  // namespace
}  // namespace sb::events
