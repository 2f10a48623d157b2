// Which parts of a Meta messaging webhook become visitor messages.
#include <gtest/gtest.h>

#include "integrations/channels/instagram.hpp"

namespace sb::integrations {
namespace {
using json = nlohmann::json;

TEST(InstagramEvents, TextMessagesAreTakenEchoesReadsAndOtherObjectsAreNot) {
  auto body = json::parse(R"({"object":"instagram","entry":[
    {"id":"1784","time":1,"messaging":[
      {"sender":{"id":"111"},"recipient":{"id":"1784"},"timestamp":1,"message":{"mid":"m1","text":"hi"}},
      {"sender":{"id":"1784"},"recipient":{"id":"111"},"timestamp":2,"message":{"mid":"m2","text":"ours","is_echo":true}},
      {"sender":{"id":"111"},"recipient":{"id":"1784"},"timestamp":3,"read":{"mid":"m2"}},
      {"sender":{"id":"111"},"recipient":{"id":"1784"},"timestamp":4,"message":{"mid":"m3","attachments":[{"type":"image"}]}},
      {"sender":{"id":"not-digits"},"message":{"mid":"m4","text":"x"}},
      {"sender":{"id":222},"message":{"mid":"m5","text":"numeric id"}}]},
    {"id":"1784","time":2,"changes":[{"field":"comments"}]}]})");
  auto ms = instagram_messages(body);
  ASSERT_EQ(ms.size(), 2u);
  EXPECT_EQ(ms[0].sender_id, "111");
  EXPECT_EQ(ms[0].mid, "m1");
  EXPECT_EQ(ms[0].text, "hi");
  EXPECT_EQ(ms[1].sender_id, "222");
  EXPECT_TRUE(instagram_messages(json::parse(R"({"object":"page","entry":[]})")).empty());
  EXPECT_TRUE(instagram_messages(json::array()).empty());
}

TEST(InstagramVisitors, IdsAreScopedByWorkspaceAndGiveTheSenderBack) {
  auto a = instagram_visitor_id("ws_aaa", "5544"), b = instagram_visitor_id("ws_bbb", "5544");
  EXPECT_NE(a, b);
  EXPECT_EQ(instagram_sender_of(a), "5544");
  EXPECT_EQ(instagram_sender_of(b), "5544");
  EXPECT_FALSE(instagram_sender_of("vi_0123"));      // a widget visitor
  EXPECT_FALSE(instagram_sender_of("vi_igabc_aaa"));  // not a sender id
}

}  // namespace
}  // namespace sb::integrations
