// Bots over real sockets: a widget's keyword flow answers first (sender kind bot, quick
// replies), a keyword or the visitor's escalate hands off to the queue, a conversation keeps
// the flow version it started with, the run survives a restart, and /flows validates, versions
// and isolates workspaces.
#include <gtest/gtest.h>

#include <thread>

#include "tests/integration/support/server_fixture.hpp"

namespace switchboard::integration {
namespace {
using namespace std::chrono_literals;

json sales_flow(const std::string& greeting = "Hi! Pricing or support?") {
  return {{"name", "Sales bot"},
          {"start", "welcome"},
          {"handoff_keywords", {"human"}},
          {"nodes",
           {{{"id", "welcome"},
             {"type", "message"},
             {"text", greeting},
             {"buttons", {{{"label", "Pricing"}, {"value", "pricing"}}, {{"label", "Support"}, {"value", "support"}}}},
             {"next", "ask"}},
            {{"id", "ask"}, {"type", "action"}, {"action", "wait"}, {"var", "topic"}, {"next", "route"}},
            {{"id", "route"},
             {"type", "condition"},
             {"match", "keyword"},
             {"any", {"price", "pricing"}},
             {"then", "price"},
             {"else", "handoff"}},
            {{"id", "price"}, {"type", "message"}, {"text", "Plans start at 10 EUR. You chose {{vars.topic}}."}, {"next", "ask"}},
            {{"id", "handoff"}, {"type", "action"}, {"action", "handoff"}, {"text", "Let me find a person."}}}}};
}

class Bots : public server_fixture {
 protected:
  std::string create_flow(const json& def) {
    auto r = http().post(api("/flows"), def, admin_token_);
    EXPECT_EQ(r.status, 201) << r.describe();
    return r.status == 201 ? r.body.value("id", "") : "";
  }
  void use_flow(const std::string& flow_id) {
    auto r = http().request("PATCH", api("/widgets/" + site_key_), json{{"bot_flow_id", flow_id}}, admin_token_);
    ASSERT_EQ(r.status, 200) << r.describe();
  }
  std::optional<json> next_bot_message(chat_peer& p) {
    return p.next([](const json& f) { return f.value("type", "") == "message" && f["sender"]["kind"] == "bot"; });
  }
  std::optional<json> next_status(chat_peer& p, const std::string& status) {
    return p.next([&](const json& f) { return f.value("type", "") == "status" && f["status"] == status; });
  }
};

TEST_F(Bots, KeywordFlow_AnswersAsBotThenHandsOffToTheQueue) {
  auto flow = create_flow(sales_flow());
  ASSERT_FALSE(flow.empty());
  use_flow(flow);
  auto v = connect_visitor();
  ASSERT_TRUE(v);
  auto cid = open_conversation(*v, "v1", "hello");
  ASSERT_FALSE(cid.empty());
  auto bot_status = next_status(*v, "bot");
  ASSERT_TRUE(bot_status) << v->describe();
  auto greeting = next_bot_message(*v);
  ASSERT_TRUE(greeting) << v->describe();
  EXPECT_EQ((*greeting)["text"], "Hi! Pricing or support?");
  EXPECT_EQ((*greeting)["sender"]["name"], "Sales bot");
  ASSERT_EQ((*greeting)["buttons"].size(), 2u);
  EXPECT_EQ((*greeting)["buttons"][0]["value"], "pricing");

  // A button's value comes back as the visitor's text.
  ASSERT_TRUE(send_message(*v, "v2", "pricing"));
  auto price = next_bot_message(*v);
  ASSERT_TRUE(price) << v->describe();
  EXPECT_EQ((*price)["text"], "Plans start at 10 EUR. You chose pricing.");
  // While the bot has it, the conversation is listed as bot, not in the queue.
  // (The list is a read model: it may lag the socket by a few milliseconds.)
  bool listed = false;
  http_response list;
  for (auto deadline = std::chrono::steady_clock::now() + 5s; !listed && std::chrono::steady_clock::now() < deadline;) {
    list = http().get(api("/conversations?status=bot"), admin_token_);
    ASSERT_EQ(list.status, 200) << list.describe();
    for (auto& item : list.body["items"]) listed |= item["id"] == cid;
    if (!listed) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(listed) << list.describe();
  EXPECT_TRUE(http().get(api("/queue"), admin_token_).body["items"].empty());

  // Anything else: the flow hands off; the conversation waits in the queue.
  ASSERT_TRUE(send_message(*v, "v3", "my order never came"));
  auto bye = next_bot_message(*v);
  ASSERT_TRUE(bye) << v->describe();
  EXPECT_EQ((*bye)["text"], "Let me find a person.");
  ASSERT_TRUE(next_status(*v, "waiting")) << v->describe();
  auto position = v->next_of_type("queue_position");
  ASSERT_TRUE(position) << v->describe();
  EXPECT_EQ((*position)["position"], 1);
  auto queue = http().get(api("/queue"), admin_token_);
  ASSERT_EQ(queue.body["items"].size(), 1u) << queue.describe();
  EXPECT_EQ(queue.body["items"][0]["conversation_id"], cid);

  // The history holds every message once, in order: the visitor's and the bot's alike (seq 2
  // is the `bot` status). The read model may lag the frames: wait for the last message.
  auto history = history_when(cid, [](const std::vector<json>& h) { return !h.empty() && h.back()["seq"] >= 7; });
  ASSERT_TRUE(history);
  std::vector<int64_t> seqs;
  std::vector<std::string> kinds;
  for (auto& m : *history) seqs.push_back(m["seq"]), kinds.push_back(m["sender"]["kind"]);
  EXPECT_EQ(seqs, (std::vector<int64_t>{1, 3, 4, 5, 6, 7})) << seqs_to_string(seqs);
  EXPECT_EQ(kinds, (std::vector<std::string>{"visitor", "bot", "visitor", "bot", "visitor", "bot"}));
}

TEST_F(Bots, AConversationTheBotClosed_ReopensToTheBotWhichStartsOver) {
  auto flow = create_flow({{"name", "Bye bot"},
                           {"start", "welcome"},
                           {"nodes",
                            {{{"id", "welcome"}, {"type", "message"}, {"text", "Hi! Say bye to end."}, {"next", "ask"}},
                             {{"id", "ask"}, {"type", "action"}, {"action", "wait"}, {"var", "said"}, {"next", "route"}},
                             {{"id", "route"}, {"type", "condition"}, {"match", "keyword"}, {"any", {"bye"}},
                              {"then", "end"}, {"else", "echo"}},
                             {{"id", "echo"}, {"type", "message"}, {"text", "Noted: {{vars.said}}"}, {"next", "ask"}},
                             {{"id", "end"}, {"type", "action"}, {"action", "close"}, {"text", "Bye!"}}}}});
  ASSERT_FALSE(flow.empty());
  use_flow(flow);
  auto v = connect_visitor();
  ASSERT_TRUE(v);
  auto cid = open_conversation(*v, "v1", "hello");
  ASSERT_FALSE(cid.empty());
  ASSERT_TRUE(next_bot_message(*v)) << v->describe();
  ASSERT_TRUE(send_message(*v, "v2", "bye", cid));
  auto closed = next_status(*v, "closed");
  ASSERT_TRUE(closed) << v->describe();
  EXPECT_EQ((*closed)["via"], "bot");
  // The visitor comes back with a new question: the bot has it again, from the start.
  ASSERT_TRUE(send_message(*v, "v3", "one more question", cid));
  auto reopened = v->next([](const json& f) { return f.value("type", "") == "status" && f["via"] == "reopen"; });
  ASSERT_TRUE(reopened) << v->describe();
  EXPECT_EQ((*reopened)["status"], "bot");
  auto bot_says = [&](const std::string& text) {
    return v->next([&](const json& f) { return f.value("type", "") == "message" && f["sender"]["kind"] == "bot" && f["text"] == text; });
  };
  auto again = bot_says("Hi! Say bye to end.");
  ASSERT_TRUE(again) << v->describe();
  EXPECT_GT((*again)["seq"].get<int>(), (*reopened)["seq"].get<int>());
  ASSERT_TRUE(send_message(*v, "v4", "shipping", cid));
  EXPECT_TRUE(bot_says("Noted: shipping")) << v->describe();
  EXPECT_TRUE(http().get(api("/queue"), admin_token_).body["items"].empty());
}

TEST_F(Bots, HandoffKeywordAndEscalate_BothReachAPerson) {
  auto flow = create_flow(sales_flow());
  use_flow(flow);
  auto v = connect_visitor();
  ASSERT_TRUE(v);
  auto cid = open_conversation(*v, "v1", "hello");
  ASSERT_TRUE(next_bot_message(*v));
  ASSERT_TRUE(send_message(*v, "v2", "I want a HUMAN please"));
  auto waiting = next_status(*v, "waiting");
  ASSERT_TRUE(waiting) << v->describe();
  EXPECT_EQ((*waiting)["conversation_id"], cid);

  auto v2 = connect_visitor({{"type", "hello"}}, "v2");
  ASSERT_TRUE(v2);
  auto cid2 = open_conversation(*v2, "w1", "hello");
  ASSERT_TRUE(next_bot_message(*v2));
  ASSERT_TRUE(v2->send({{"type", "escalate"}}));
  ASSERT_TRUE(next_status(*v2, "waiting")) << v2->describe();
  auto queue = http().get(api("/queue"), admin_token_);
  ASSERT_EQ(queue.body["items"].size(), 2u) << queue.describe();
  EXPECT_EQ(queue.body["items"][1]["conversation_id"], cid2);
}

TEST_F(Bots, AConversationKeepsItsFlowVersionAndItsRunAcrossARestart) {
  auto flow = create_flow(sales_flow("Version one"));
  use_flow(flow);
  auto v = connect_visitor();
  ASSERT_TRUE(v);
  auto cid = open_conversation(*v, "v1", "hello");
  auto first = next_bot_message(*v);
  ASSERT_TRUE(first);
  EXPECT_EQ((*first)["text"], "Version one");
  // Version 2 changes the texts; the running conversation finishes on version 1.
  auto def2 = sales_flow("Version two");
  def2["nodes"][3]["text"] = "v2 prices";
  auto put = http().request("PUT", api("/flows/" + flow), def2, admin_token_);
  ASSERT_EQ(put.status, 200) << put.describe();
  EXPECT_EQ(put.body["version"], 2);
  auto token = v->welcome()["visitor_token"];

  ASSERT_EQ(server_->stop_term(), 0);
  ASSERT_TRUE(restart_server());
  auto back = connect_visitor({{"type", "hello"}, {"visitor_token", token}, {"resume", {{"conversation_id", cid}, {"after_seq", 0}}}});
  ASSERT_TRUE(back);
  ASSERT_TRUE(send_message(*back, "v2", "pricing"));
  auto price = back->next([](const json& f) {
    return f.value("type", "") == "message" && f["sender"]["kind"] == "bot" && f["seq"].get<int>() > 4;
  });
  ASSERT_TRUE(price) << back->describe();
  EXPECT_EQ((*price)["text"], "Plans start at 10 EUR. You chose pricing.");

  // A new visitor gets version 2.
  auto other = connect_visitor({{"type", "hello"}}, "other");
  ASSERT_TRUE(other);
  open_conversation(*other, "o1", "hello");
  auto greeting = next_bot_message(*other);
  ASSERT_TRUE(greeting) << other->describe();
  EXPECT_EQ((*greeting)["text"], "Version two");
}

TEST_F(Bots, Flows_ValidationNamesTheNodeAndOtherWorkspacesSeeNothing) {
  auto bad = sales_flow();
  bad["nodes"][2]["else"] = "nowhere";
  auto r = http().post(api("/flows"), bad, admin_token_);
  ASSERT_EQ(r.status, 400) << r.describe();
  EXPECT_EQ(r.body["error"]["code"], "bad_request");
  EXPECT_EQ(r.body["error"]["node"], "route");
  auto missing_start = sales_flow();
  missing_start.erase("start");
  EXPECT_EQ(http().post(api("/flows"), missing_start, admin_token_).status, 400);
  EXPECT_EQ(http().post(api("/flows"), json::array(), admin_token_).status, 400);

  auto flow = create_flow(sales_flow());
  auto got = http().get(api("/flows/" + flow), admin_token_);
  ASSERT_EQ(got.status, 200) << got.describe();
  EXPECT_EQ(got.body["version"], 1);
  EXPECT_EQ(got.body["definition"]["start"], "welcome");
  EXPECT_EQ(http().get(api("/flows"), admin_token_).body["items"].size(), 1u);

  // Agents read but do not write.
  auto agent = create_agent("ann@switchboard.test", "Ann");
  EXPECT_EQ(http().get(api("/flows/" + flow), agent).status, 200);
  EXPECT_EQ(http().post(api("/flows"), sales_flow(), agent).status, 403);

  // Simulation runs the flow without a visitor.
  auto sim = http().post(api("/flows/" + flow + "/simulate"), json{{"inputs", {"hello", "pricing", "human"}}}, admin_token_);
  ASSERT_EQ(sim.status, 200) << sim.describe();
  EXPECT_EQ(sim.body["outcome"], "handoff");
  EXPECT_EQ(sim.body["steps"][1]["effects"][0]["text"], "Plans start at 10 EUR. You chose pricing.");

  // A widget may not name a flow that does not exist.
  auto w = http().request("PATCH", api("/widgets/" + site_key_), json{{"bot_flow_id", "fl_nope"}}, admin_token_);
  EXPECT_EQ(w.status, 400) << w.describe();

  auto del = http().request("DELETE", api("/flows/" + flow), json::object(), admin_token_);
  EXPECT_EQ(del.status, 200) << del.describe();
  EXPECT_EQ(http().get(api("/flows/" + flow), admin_token_).status, 404);
  EXPECT_EQ(http().request("PUT", api("/flows/" + flow), sales_flow(), admin_token_).status, 404);
}

}  // namespace
}  // namespace switchboard::integration
