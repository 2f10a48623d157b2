// Live support over real sockets: the queue with positions, auto-assignment when a slot frees,
// transfer, private notes the visitor never sees, the queue surviving a restart in order,
// and the per-visitor and per-account abuse limits.
#include <gtest/gtest.h>

#include <thread>

#include "tests/integration/support/server_fixture.hpp"

namespace switchboard::integration {
namespace {
using namespace std::chrono_literals;

class LiveSupport : public server_fixture {
 protected:
  LiveSupport() { extra_server_args_ = {"--agent-grace-seconds", "2"}; }

  std::string user_id_of(const std::string& token) { return id_of(http().get(api("/me"), token).body["id"]); }

  bool set_routing(const std::string& mode, int capacity) {
    auto r = http().request("PATCH", api("/workspace"), json{{"routing", mode}, {"default_capacity", capacity}},
                            admin_token_);
    EXPECT_EQ(r.status, 200) << r.describe();
    return r.status == 200;
  }
  // The next frame of `type` about `conversation_id` (queue_position, assigned, status...).
  std::optional<json> next_about(chat_peer& p, const std::string& type, const std::string& conversation_id,
                                 std::chrono::milliseconds wait = default_wait) {
    return p.next(
        [&](const json& f) {
          if (f.value("type", "") != type) return false;
          if (type == "assigned") return id_of(f["conversation"]["id"]) == conversation_id;
          return id_of(f["conversation_id"]) == conversation_id;
        },
        wait);
  }
  std::vector<std::string> queue_ids() {
    auto r = http().get(api("/queue"), admin_token_);
    EXPECT_EQ(r.status, 200) << r.describe();
    std::vector<std::string> ids;
    for (auto& item : r.body["items"]) ids.push_back(id_of(item["conversation_id"]));
    return ids;
  }
};

TEST_F(LiveSupport, AutoMode_VisitorsWaitInOrderAndTheHeadIsAssignedWhenASlotFrees) {
  ASSERT_TRUE(set_routing("auto", 1));
  auto token = create_agent("ann@switchboard.test", "Ann");
  auto agent = connect_agent(token);
  ASSERT_TRUE(agent);
  // The first visitor is assigned at once (Ann has one free slot).
  auto v1 = connect_visitor({{"type", "hello"}}, "v1");
  ASSERT_TRUE(v1);
  auto c1 = open_conversation(*v1);
  ASSERT_FALSE(c1.empty());
  auto assigned = next_about(*agent, "assigned", c1);
  ASSERT_TRUE(assigned) << agent->describe();
  EXPECT_EQ(id_of((*assigned)["conversation"]["agent"]["id"]), user_id_of(token));
  auto active = v1->next([&](const json& f) { return f.value("type", "") == "status" && f["status"] == "active"; });
  ASSERT_TRUE(active) << v1->describe();
  EXPECT_EQ((*active)["agent"]["name"], "Ann");

  // Two more wait at positions 1 and 2.
  auto v2 = connect_visitor({{"type", "hello"}}, "v2");
  auto v3 = connect_visitor({{"type", "hello"}}, "v3");
  ASSERT_TRUE(v2 && v3);
  auto c2 = open_conversation(*v2);
  auto c3 = open_conversation(*v3);
  auto p2 = next_about(*v2, "queue_position", c2);
  ASSERT_TRUE(p2) << v2->describe();
  EXPECT_EQ((*p2)["position"], 1);
  auto p3 = next_about(*v3, "queue_position", c3);
  ASSERT_TRUE(p3) << v3->describe();
  EXPECT_EQ((*p3)["position"], 2);
  EXPECT_EQ(queue_ids(), (std::vector<std::string>{c2, c3}));
  auto queue = agent->next([&](const json& f) { return f.value("type", "") == "queue" && f["waiting"].size() == 2; });
  ASSERT_TRUE(queue) << agent->describe();

  // Ann closes the first: the head (v2) is hers at once, v3 moves up.
  ASSERT_TRUE(agent->send({{"type", "close"}, {"conversation_id", c1}}));
  ASSERT_TRUE(next_about(*agent, "assigned", c2)) << agent->describe();
  auto moved = next_about(*v3, "queue_position", c3);
  ASSERT_TRUE(moved) << v3->describe();
  EXPECT_EQ((*moved)["position"], 1);
  EXPECT_EQ(queue_ids(), (std::vector<std::string>{c3}));
  EXPECT_FALSE(next_about(*v1, "queue_position", c1, 200ms)) << "an assigned visitor hears no position";
}

TEST_F(LiveSupport, ANameGivenWhileWaiting_ShowsInTheQueueAndItsFrames) {
  auto token = create_agent("ann@switchboard.test", "Ann");
  auto agent = connect_agent(token);
  auto visitor = connect_visitor({{"type", "hello"}}, "v");
  ASSERT_TRUE(agent && visitor);
  auto cid = open_conversation(*visitor);
  ASSERT_FALSE(cid.empty());
  auto first = agent->next([&](const json& f) { return f.value("type", "") == "queue" && f["waiting"].size() == 1; });
  ASSERT_TRUE(first) << agent->describe();
  // Quotes, a backslash and a line break must come out as the same text.
  const std::string name = "Zo\u00eb \"Z\" \\ O'Neil\n";
  visitor->send({{"type", "identify"}, {"id", "i1"}, {"name", name}, {"email", "zoe@example.com"}});
  ASSERT_TRUE(visitor->next(is_type("visitor"))) << visitor->describe();
  visitor->send({{"type", "message"}, {"client_msg_id", "m2"}, {"text", "still there?"}});
  auto renamed = agent->next([&](const json& f) {
    return f.value("type", "") == "queue" && f["waiting"].size() == 1 && f["waiting"][0]["visitor"]["name"] == name;
  });
  ASSERT_TRUE(renamed) << agent->describe();
  auto& item = (*renamed)["waiting"][0];
  EXPECT_EQ(item["visitor"]["email"], "zoe@example.com");
  EXPECT_EQ(item["position"], 1);
  EXPECT_EQ(id_of(item["conversation_id"]), cid);
  auto listed = http().get(api("/queue"), admin_token_);
  ASSERT_EQ(listed.status, 200) << listed.describe();
  EXPECT_EQ(listed.body["items"][0]["visitor"]["name"], name);
  EXPECT_EQ(listed.body["items"][0]["last_text"], "still there?");
}

TEST_F(LiveSupport, ManualMode_ConcurrentAccepts_ExactlyOneWins) {
  auto a = create_agent("a@switchboard.test", "A"), b = create_agent("b@switchboard.test", "B");
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  auto cid = open_conversation(*visitor);
  ASSERT_FALSE(cid.empty());
  http_response ra, rb;
  std::thread t1([&] { ra = http().post(api("/conversations/" + cid + "/accept"), json::object(), a); });
  std::thread t2([&] { rb = http().post(api("/conversations/" + cid + "/accept"), json::object(), b); });
  t1.join();
  t2.join();
  EXPECT_EQ((ra.status == 200) + (rb.status == 200), 1) << ra.describe() << "\n" << rb.describe();
  EXPECT_EQ((ra.status == 409) + (rb.status == 409), 1) << ra.describe() << "\n" << rb.describe();
}

TEST_F(LiveSupport, Transfer_GoesToTheColleagueAndRespectsCapacityUnlessAnAdminTransfers) {
  ASSERT_TRUE(set_routing("manual", 1));
  auto ann = create_agent("ann@switchboard.test", "Ann"), bob = create_agent("bob@switchboard.test", "Bob");
  auto bob_socket = connect_agent(bob, "bob");
  ASSERT_TRUE(bob_socket);
  auto v1 = connect_visitor({{"type", "hello"}}, "v1"), v2 = connect_visitor({{"type", "hello"}}, "v2");
  auto c1 = open_conversation(*v1), c2 = open_conversation(*v2);
  ASSERT_EQ(http().post(api("/conversations/" + c1 + "/accept"), json::object(), ann).status, 200);
  ASSERT_EQ(http().post(api("/conversations/" + c2 + "/accept"), json::object(), ann).status, 200);
  auto bob_id = user_id_of(bob);
  auto r = http().post(api("/conversations/" + c1 + "/transfer"), {{"to_user_id", bob_id}}, ann);
  ASSERT_EQ(r.status, 200) << r.describe();
  EXPECT_EQ(id_of(r.body["agent"]["id"]), bob_id);
  ASSERT_TRUE(next_about(*bob_socket, "assigned", c1)) << bob_socket->describe();
  // Bob is now at his capacity of 1: an agent may not give him more, an admin may.
  auto full = http().post(api("/conversations/" + c2 + "/transfer"), {{"to_user_id", bob_id}}, ann);
  EXPECT_EQ(full.status, 409) << full.describe();
  auto forced = http().post(api("/conversations/" + c2 + "/transfer"), {{"to_user_id", bob_id}}, admin_token_);
  EXPECT_EQ(forced.status, 200) << forced.describe();
  auto nobody = http().post(api("/conversations/" + c2 + "/transfer"), {{"to_user_id", "us_nobody"}}, ann);
  EXPECT_EQ(nobody.status, 404) << nobody.describe();
}

TEST_F(LiveSupport, APrivateNote_ReachesStaffButNeverTheVisitorLiveOrOnResume) {
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  auto cid = open_conversation(*visitor);
  ASSERT_TRUE(accept_as_admin(cid));
  auto agent = connect_agent(admin_token_);
  ASSERT_TRUE(agent);
  ASSERT_TRUE(agent->send({{"type", "subscribe"}, {"conversation_id", cid}, {"after_seq", 0}}));
  ASSERT_TRUE(agent->send({{"type", "message"}, {"conversation_id", cid}, {"client_msg_id", "note1"},
                           {"text", "VIP, be nice"}, {"private", true}}));
  auto note = agent->next(is_message(cid, "note1"));
  ASSERT_TRUE(note) << agent->describe();
  EXPECT_EQ((*note)["private"], true);
  auto reply = http().post(api("/conversations/" + cid + "/messages"),
                           {{"client_msg_id", "a1"}, {"text", "Hello! How can I help?"}}, admin_token_);
  ASSERT_EQ(reply.status, 201) << reply.describe();
  ASSERT_TRUE(visitor->next(is_message(cid, "a1"))) << visitor->describe();
  for (auto& f : visitor->received()) EXPECT_NE(f.value("client_msg_id", ""), "note1") << f.dump();
  // A resume from 0 replays everything but the note.
  auto again = connect_visitor({{"type", "hello"}, {"visitor_token", visitor->welcome()["visitor_token"]},
                                {"resume", {{"conversation_id", cid}, {"after_seq", 0}}}}, "again");
  ASSERT_TRUE(again);
  ASSERT_TRUE(again->next(is_message(cid, "a1"))) << again->describe();
  for (auto& f : again->received()) EXPECT_NE(f.value("client_msg_id", ""), "note1") << f.dump();
  // Staff history has it.
  auto msgs = full_history(cid, reply.body["position"].get<int64_t>());
  ASSERT_TRUE(msgs);
  EXPECT_EQ(count_messages(*msgs, "note1"), 1u);
}

TEST_F(LiveSupport, Restart_BringsTheQueueBackInTheSameOrder) {
  std::vector<std::string> ids;
  std::vector<std::unique_ptr<chat_peer>> visitors;
  for (int i = 0; i < 4; ++i) {
    visitors.push_back(connect_visitor({{"type", "hello"}}, "v" + std::to_string(i)));
    ASSERT_TRUE(visitors.back());
    ids.push_back(open_conversation(*visitors.back()));
  }
  ASSERT_EQ(queue_ids(), ids);
  visitors.clear();
  server_->kill9();  // in the middle of the queued state
  ASSERT_TRUE(restart_server());
  EXPECT_EQ(queue_ids(), ids);
}

TEST_F(LiveSupport, AnAgentGoneLongerThanTheGrace_GivesItsChatsBackToTheHeadOfTheQueue) {
  ASSERT_TRUE(set_routing("auto", 2));
  auto ann = create_agent("ann@switchboard.test", "Ann");
  auto agent = connect_agent(ann);
  ASSERT_TRUE(agent);
  auto v1 = connect_visitor({{"type", "hello"}}, "v1"), v2 = connect_visitor({{"type", "hello"}}, "v2");
  auto c1 = open_conversation(*v1), c2 = open_conversation(*v2);
  ASSERT_TRUE(next_about(*agent, "assigned", c1)) << agent->describe();
  ASSERT_TRUE(next_about(*agent, "assigned", c2)) << agent->describe();
  agent.reset();  // Ann's only socket drops
  // Within the grace (2 s here) she keeps them; after it they wait again, in their order.
  std::this_thread::sleep_for(1s);
  EXPECT_TRUE(queue_ids().empty());
  auto requeued = [](const json& f) { return f.value("type", "") == "status" && f.value("via", "") == "requeue"; };
  auto back = v1->next(requeued, 5s);
  ASSERT_TRUE(back) << v1->describe();
  EXPECT_EQ((*back)["status"], "waiting");
  ASSERT_TRUE(v2->saw(requeued, 5s)) << v2->describe();
  EXPECT_EQ(queue_ids(), (std::vector<std::string>{c1, c2})) << http().get(api("/queue"), admin_token_).describe()
      << "\n" << v1->describe();
}

TEST_F(LiveSupport, AVisitorWritingFasterThanAPerson_IsRateLimitedAcrossSockets) {
  auto tab1 = connect_visitor({{"type", "hello"}}, "tab1");
  ASSERT_TRUE(tab1);
  auto tab2 = connect_visitor({{"type", "hello"}, {"visitor_token", tab1->welcome()["visitor_token"]}}, "tab2");
  ASSERT_TRUE(tab2);
  int acked = 0, limited = 0;
  for (int i = 0; i < 16; ++i) {
    auto& tab = i % 2 ? *tab2 : *tab1;
    auto r = send_message(tab, "m" + std::to_string(i), "message " + std::to_string(i));
    ASSERT_TRUE(r);
    if ((*r)["type"] == "ack") ++acked;
    if ((*r)["type"] == "error" && (*r)["code"] == "rate_limited") ++limited;
  }
  EXPECT_LE(acked, 11) << "a burst of 10 (plus what refilled meanwhile)";
  EXPECT_GE(limited, 5);
  EXPECT_TRUE(tab1->ws().is_open() && tab2->ws().is_open()) << "the sockets stay open";
}

TEST_F(LiveSupport, FiveWrongPasswords_LockTheAccountEvenForTheRightOne) {
  create_agent("lock@switchboard.test", "Lock");
  for (int i = 0; i < 5; ++i) {
    auto r = http().post(api("/auth/login"), {{"email", "lock@switchboard.test"}, {"password", "wrong-password"}});
    EXPECT_EQ(r.status, 401) << r.describe();
  }
  auto r = http().post(api("/auth/login"), {{"email", "lock@switchboard.test"}, {"password", "agent-password-42"}});
  EXPECT_EQ(r.status, 429) << r.describe();
}

TEST_F(LiveSupport, CannedReplies_CrudWithUniqueShortcuts) {
  auto c = http().post(api("/canned"), {{"shortcut", "hello"}, {"text", "Hi there!"}}, admin_token_);
  ASSERT_EQ(c.status, 201) << c.describe();
  auto id = id_of(c.body["id"]);
  EXPECT_EQ(http().post(api("/canned"), {{"shortcut", "hello"}, {"text", "dup"}}, admin_token_).status, 409);
  EXPECT_EQ(http().post(api("/canned"), {{"shortcut", "Bad Shortcut"}, {"text", "x"}}, admin_token_).status, 400);
  auto p = http().request("PATCH", api("/canned/" + id), json{{"text", "Hello again"}}, admin_token_);
  EXPECT_EQ(p.status, 200) << p.describe();
  auto list = http().get(api("/canned"), admin_token_);
  ASSERT_EQ(list.body["items"].size(), 1u);
  EXPECT_EQ(list.body["items"][0]["text"], "Hello again");
  EXPECT_EQ(http().request("DELETE", api("/canned/" + id), std::nullopt, admin_token_).status, 200);
  EXPECT_EQ(http().request("DELETE", api("/canned/" + id), std::nullopt, admin_token_).status, 404);
}

TEST_F(LiveSupport, Labels_FilterTheConversationList) {
  auto v1 = connect_visitor({{"type", "hello"}}, "v1"), v2 = connect_visitor({{"type", "hello"}}, "v2");
  auto c1 = open_conversation(*v1), c2 = open_conversation(*v2);
  auto r = http().request("PUT", api("/conversations/" + c1 + "/labels"), json{{"labels", {"billing"}}}, admin_token_);
  ASSERT_EQ(r.status, 200) << r.describe();
  auto bad = http().request("PUT", api("/conversations/" + c1 + "/labels"), json{{"labels", {""}}}, admin_token_);
  EXPECT_EQ(bad.status, 400);
  auto list = http().get(api("/conversations?label=billing&min_position=" + std::to_string(r.body["position"].get<int64_t>())),
                         admin_token_);
  ASSERT_EQ(list.status, 200) << list.describe();
  ASSERT_EQ(list.body["items"].size(), 1u) << list.describe();
  EXPECT_EQ(id_of(list.body["items"][0]["id"]), c1);
  (void)c2;
}

TEST_F(LiveSupport, WatchStats_PushesTheOverviewAtOnceAndAgainWhenItChanges) {
  auto agent = connect_agent(admin_token_);
  ASSERT_TRUE(agent);
  ASSERT_TRUE(agent->send({{"type", "watch_stats"}, {"tz", "Europe/Berlin"}}));
  auto first = agent->next(is_type("stats"));
  ASSERT_TRUE(first) << agent->describe();
  EXPECT_EQ((*first)["overview"]["conversations"], 0) << first->dump();
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  ASSERT_FALSE(open_conversation(*visitor).empty());
  auto changed = agent->next([](const json& f) { return f.value("type", "") == "stats" && f["overview"]["conversations"] == 1; },
                             std::chrono::seconds(5));
  ASSERT_TRUE(changed) << agent->describe();
  EXPECT_EQ((*changed)["overview"]["online_visitors"], 1) << changed->dump();
  // No change, no frame: nothing more within the next 1.5 s.
  EXPECT_FALSE(agent->next(is_type("stats"), std::chrono::milliseconds(1500)));
  ASSERT_TRUE(agent->send({{"type", "watch_stats"}, {"tz", "Not/AZone"}, {"id", "w2"}}));
  auto bad = agent->next(is_type("error"));
  ASSERT_TRUE(bad);
  EXPECT_EQ((*bad)["code"], "bad_request");
}

TEST_F(LiveSupport, OutsideBusinessHours_TheWelcomeSaysClosedAndTheFirstMessageGetsTheOfflineMessage) {
  // Open only on a day that never comes: an empty schedule is closed all week.
  auto patch = http().request("PATCH", api("/widgets/" + site_key_),
                              json{{"business_hours", {{"timezone", "America/New_York"}, {"days", json::object()}}},
                                   {"offline_message", "We are closed; we will answer tomorrow."}},
                              admin_token_);
  ASSERT_EQ(patch.status, 200) << patch.describe();
  auto bad = http().request("PATCH", api("/widgets/" + site_key_),
                            json{{"business_hours", {{"timezone", "Atlantis/Capital"}, {"days", json::object()}}}},
                            admin_token_);
  EXPECT_EQ(bad.status, 400) << "an unknown IANA zone is refused: " << bad.describe();
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  EXPECT_EQ(visitor->welcome()["open"], false) << visitor->welcome().dump();
  auto cid = open_conversation(*visitor, "v1", "Anyone?");
  ASSERT_FALSE(cid.empty());
  auto offline = visitor->next([](const json& f) {
    return f.value("type", "") == "message" && f["sender"]["kind"] == "system";
  });
  ASSERT_TRUE(offline) << visitor->describe();
  EXPECT_EQ((*offline)["text"], "We are closed; we will answer tomorrow.");
  auto again = send_message(*visitor, "v2", "Still there?");
  ASSERT_TRUE(again && (*again)["type"] == "ack") << "messages are still taken";
  visitor->settle();
  int system_messages = 0;
  for (auto& f : visitor->received())
    if (f.value("type", "") == "message" && f["sender"]["kind"] == "system") ++system_messages;
  EXPECT_EQ(system_messages, 1) << "only the first message of a conversation is answered";
}

TEST_F(LiveSupport, CorsPreflight_IsAnsweredForTheWidgetsOriginsOnly) {
  auto patch = http().request("PATCH", api("/widgets/" + site_key_), json{{"allowed_origins", {"https://shop.example"}}},
                              admin_token_);
  ASSERT_EQ(patch.status, 200) << patch.describe();
  auto ok = http().request_raw("OPTIONS", api("/widgets/" + site_key_ + "/config"), "", "", std::nullopt,
                               {{"Origin", "https://shop.example"}, {"Access-Control-Request-Method", "GET"}});
  EXPECT_EQ(ok.status, 204) << ok.describe();
  EXPECT_EQ(ok.header("access-control-allow-origin"), "https://shop.example");
  auto upload = http().request_raw("OPTIONS", api("/files?site_key=" + site_key_), "", "", std::nullopt,
                                   {{"Origin", "https://shop.example"}, {"Access-Control-Request-Headers", "x-visitor-token"}});
  EXPECT_EQ(upload.status, 204) << upload.describe();
  EXPECT_NE(upload.header("access-control-allow-headers").find("X-Visitor-Token"), std::string::npos);
  auto evil = http().request_raw("OPTIONS", api("/widgets/" + site_key_ + "/config"), "", "", std::nullopt,
                                 {{"Origin", "https://evil.example"}});
  EXPECT_EQ(evil.status, 403) << evil.describe();
  EXPECT_EQ(evil.header("access-control-allow-origin"), "");
  auto config = http().request_raw("GET", api("/widgets/" + site_key_ + "/config"), "", "", std::nullopt,
                                   {{"Origin", "https://evil.example"}});
  EXPECT_EQ(config.header("access-control-allow-origin"), "") << "no CORS grant for a foreign origin";
}

}  // namespace
}  // namespace switchboard::integration
