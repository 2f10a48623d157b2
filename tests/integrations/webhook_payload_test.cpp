// What a webhook carries for each log event: the types, the data (the WebSocket frame for
// messages and status changes), the lane key that keeps a conversation in order, and the id
// that is the log position.
#include "integrations/webhooks/webhook_payload.hpp"

#include <gtest/gtest.h>

#include "actors/conversation/events.hpp"

namespace sb::integrations {
namespace {
using json = nlohmann::json;
namespace c = sb::conversation;

events::envelope conversation_envelope(const c::event& e, std::uint64_t position) {
  events::envelope env;
  env.type = c::type_name(e);
  env.stream = "conversation/cv_1";
  env.position = position;
  env.ts = 1764763200000;
  env.data = c::encode_data("cv_1", e);
  return env;
}

TEST(WebhookPayload, MessagePosted_IsMessageCreatedWithTheFrameAsData) {
  c::message_posted m;
  m.seq = 3;
  m.ts = 1764763200000;
  m.client_msg_id = "m1";
  m.sender = {"visitor", "vis_1", "Ada"};
  m.text = "Where is my order?";
  auto out = to_outgoing(conversation_envelope(m, 42));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->type, "message.created");
  EXPECT_EQ(out->conversation_id, "cv_1");
  EXPECT_EQ(out->lane_key, "conversation/cv_1");
  EXPECT_EQ(out->data["text"], "Where is my order?");
  EXPECT_EQ(out->data["seq"], 3);
  EXPECT_EQ(out->data["sender"]["kind"], "visitor");
  EXPECT_FALSE(out->data.contains("type"));
  auto body = json::parse(payload_text(*out, 42, 1764763200000, "ws_1"));
  EXPECT_EQ(body["id"], "evt_42");
  EXPECT_EQ(body["type"], "message.created");
  EXPECT_EQ(body["workspace_id"], "ws_1");
  EXPECT_EQ(body["created_ts"], 1764763200000);
  EXPECT_EQ(body["data"]["conversation_id"], "cv_1");
}

TEST(WebhookPayload, StatusChangeAndOpen_CarryStatusAndWorkspace) {
  c::status_changed s;
  s.seq = 4;
  s.ts = 1;
  s.status = "active";
  s.agent = c::party{"agent", "usr_1", "Bob"};
  s.via = "accept";
  s.queue_key = 7;
  auto out = to_outgoing(conversation_envelope(s, 43));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->type, "conversation.status_changed");
  EXPECT_EQ(out->data["status"], "active");
  EXPECT_EQ(out->data["via"], "accept");
  EXPECT_EQ(out->data["agent"]["id"], "usr_1");
  EXPECT_FALSE(out->data.contains("queue_key"));

  c::opened o{"cv_1", "ws_9", "site_1", {"visitor", "vis_1", "Visitor"}, 5};
  out = to_outgoing(conversation_envelope(o, 41));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->type, "conversation.created");
  EXPECT_EQ(out->workspace_id, "ws_9");
  EXPECT_EQ(out->data["site_key"], "site_1");
  EXPECT_EQ(out->data["visitor"]["id"], "vis_1");
}

TEST(WebhookPayload, VisitorIdentified_CarriesTheToldFieldsOnTheVisitorsLane) {
  events::envelope env{"visitor_identified", 1, "visitor/vis_7", 2, 50, 1,
                       R"({"workspace_id":"ws_2","name":"Ada","email":"ada@example.com","fields":{"plan":"pro"},"ts":1})"};
  auto out = to_outgoing(env);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->type, "visitor.identified");
  EXPECT_EQ(out->workspace_id, "ws_2");
  EXPECT_EQ(out->lane_key, "visitor/vis_7");
  EXPECT_EQ(out->data["visitor_id"], "vis_7");
  EXPECT_EQ(out->data["email"], "ada@example.com");
  EXPECT_EQ(out->data["fields"]["plan"], "pro");
  EXPECT_FALSE(out->data.contains("workspace_id"));
}

TEST(WebhookPayload, OtherEventsAndCorruptData_CarryNothing) {
  EXPECT_FALSE(to_outgoing({"read_marked", 1, "conversation/cv_1", 5, 60, 1, "{}"}));
  EXPECT_FALSE(to_outgoing({"visitor_seen", 1, "visitor/vis_1", 1, 61, 1, R"({"workspace_id":"ws_1"})"}));
  EXPECT_FALSE(to_outgoing({"flow_saved", 1, "flow/fl_1", 1, 62, 1, "{}"}));
  EXPECT_FALSE(to_outgoing({"message_posted", 1, "conversation/cv_1", 2, 63, 1, "not json"}));
  EXPECT_FALSE(to_outgoing({"visitor_identified", 1, "visitor/vis_1", 2, 64, 1, "[]"}));
}

}  // namespace
}  // namespace sb::integrations
