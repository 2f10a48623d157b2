// The pure router: queue order, capacity, least-loaded ties, re-dispatch when a slot frees,
// requeue after an agent's absence, and the queue as shown.
#include "actors/workspace/router.hpp"

#include <gtest/gtest.h>

namespace sb::workspace {
namespace {

conversation::party agent(const std::string& id) { return {"agent", id, "Agent " + id}; }

queued arrival(const std::string& id, std::int64_t key) {
  return {id, key, key * 10, {"visitor", "vi_" + id, "Visitor"}, "wk_1", "hello " + id};
}

router_state auto_router(int capacity = 2) {
  router_state r;
  r.workspace_id = "ws_1";
  r.mode = "auto";
  r.default_capacity = capacity;
  return r;
}

void online(router_state& r, const std::string& id, std::optional<int> capacity = {}) {
  auto& s = r.seats[id];
  s.id = id;
  s.name = "Agent " + id;
  s.sockets = 1;
  s.status = "online";
  s.shown_offline = false;
  s.capacity = capacity;
}

// Applies a dispatch plan as if every assignment became durable.
void commit(router_state& r, const std::vector<std::pair<std::string, std::string>>& plan, std::int64_t now) {
  for (auto& [cid, aid] : plan) on_active(r, cid, agent(aid), now);
}

std::vector<std::string> shown_ids(const router_state& r) {
  std::vector<std::string> out;
  for (auto* q : shown_queue(r)) out.push_back(q->id);
  return out;
}

TEST(Router, Queue_IsInArrivalOrderOfItsKeys) {
  router_state r;
  on_waiting(r, arrival("c", 30));
  on_waiting(r, arrival("a", 10));
  on_waiting(r, arrival("b", 20));
  EXPECT_EQ(shown_ids(r), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(Router, ManualMode_NeverDispatches) {
  auto r = auto_router();
  r.mode = "manual";
  online(r, "us_1");
  on_waiting(r, arrival("a", 1));
  EXPECT_TRUE(plan_dispatch(r, 100).empty());
}

TEST(Router, AutoMode_GivesTheHeadToTheLeastLoadedAgent) {
  auto r = auto_router(5);
  online(r, "us_1");
  online(r, "us_2");
  on_active(r, "old", agent("us_1"), 50);
  on_waiting(r, arrival("a", 1));
  auto plan = plan_dispatch(r, 100);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0], (std::pair<std::string, std::string>{"a", "us_2"}));
}

TEST(Router, Ties_GoToWhoWasAssignedLeastRecently) {
  auto r = auto_router(5);
  online(r, "us_1");
  online(r, "us_2");
  r.seats["us_1"].last_assigned_ms = 200;
  r.seats["us_2"].last_assigned_ms = 100;
  on_waiting(r, arrival("a", 1));
  on_waiting(r, arrival("b", 2));
  auto plan = plan_dispatch(r, 300);
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].second, "us_2");
  EXPECT_EQ(plan[1].second, "us_1") << "the second goes to the other one, now least recent";
}

TEST(Router, Capacity_StopsDispatchAndTheRestWaitsInOrder) {
  auto r = auto_router(2);
  online(r, "us_1");
  for (int i = 1; i <= 4; ++i) on_waiting(r, arrival("c" + std::to_string(i), i));
  auto plan = plan_dispatch(r, 100);
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].first, "c1");
  EXPECT_EQ(plan[1].first, "c2");
  EXPECT_EQ(shown_ids(r), (std::vector<std::string>{"c3", "c4"})) << "in-flight ones leave the shown queue";
  commit(r, plan, 100);
  EXPECT_TRUE(plan_dispatch(r, 110).empty()) << "the agent is full";
}

TEST(Router, PerUserCapacity_OverridesTheWorkspaceDefault) {
  auto r = auto_router(1);
  online(r, "us_1", 3);
  for (int i = 1; i <= 4; ++i) on_waiting(r, arrival("c" + std::to_string(i), i));
  EXPECT_EQ(plan_dispatch(r, 100).size(), 3u);
}

TEST(Router, AClose_FreesASlotAndTheHeadIsDispatchedNext) {
  auto r = auto_router(1);
  online(r, "us_1");
  on_waiting(r, arrival("a", 1));
  on_waiting(r, arrival("b", 2));
  on_waiting(r, arrival("c", 3));
  commit(r, plan_dispatch(r, 100), 100);
  on_closed(r, "a");
  auto plan = plan_dispatch(r, 200);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].first, "b");
}

TEST(Router, AnAgentComingOnline_TakesTheHead) {
  auto r = auto_router(1);
  on_waiting(r, arrival("a", 1));
  EXPECT_TRUE(plan_dispatch(r, 100).empty()) << "nobody online";
  online(r, "us_1");
  auto plan = plan_dispatch(r, 200);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0], (std::pair<std::string, std::string>{"a", "us_1"}));
}

TEST(Router, AwayOrDisconnectedAgents_GetNothing) {
  auto r = auto_router(5);
  online(r, "us_away");
  r.seats["us_away"].status = "away";
  online(r, "us_gone");
  r.seats["us_gone"].sockets = 0;
  on_waiting(r, arrival("a", 1));
  EXPECT_TRUE(plan_dispatch(r, 100).empty());
}

TEST(Router, ARefusedAssignment_FreesTheSeatAndShowsTheConversationAgain) {
  auto r = auto_router(1);
  online(r, "us_1");
  on_waiting(r, arrival("a", 1));
  auto plan = plan_dispatch(r, 100);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_TRUE(shown_ids(r).empty());
  dispatch_failed(r, "a");
  EXPECT_EQ(r.seats["us_1"].load(), 0);
  EXPECT_EQ(shown_ids(r), (std::vector<std::string>{"a"}));
}

TEST(Router, WaitingCount_LeavesOutAssignmentsInFlightAndComesBackWhenOneFails) {
  auto r = auto_router(1);
  online(r, "us_1");
  for (int i = 1; i <= 3; ++i) on_waiting(r, arrival("c" + std::to_string(i), i));
  EXPECT_EQ(waiting_count(r), 3u);
  auto plan = plan_dispatch(r, 100);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(waiting_count(r), 2u);
  EXPECT_EQ(shown_ids(r), (std::vector<std::string>{"c2", "c3"}));
  dispatch_failed(r, "c1");
  EXPECT_EQ(waiting_count(r), 3u);
  EXPECT_EQ(shown_ids(r), (std::vector<std::string>{"c1", "c2", "c3"}));
  // Planned again, then closed by the visitor before the assignment lands: it leaves both.
  ASSERT_EQ(plan_dispatch(r, 200).size(), 1u);
  on_closed(r, "c1");
  EXPECT_EQ(waiting_count(r), 2u);
  EXPECT_EQ(r.seats["us_1"].load(), 0);
}

TEST(Router, AClosedUpdateTwice_ChangesNothingTheSecondTime) {
  // A close reaches the router as soon as it is queued in the log and again once durable.
  auto r = auto_router(1);
  online(r, "us_1");
  on_waiting(r, arrival("a", 1));
  on_waiting(r, arrival("b", 2));
  commit(r, plan_dispatch(r, 100), 100);
  on_closed(r, "a");
  auto next = plan_dispatch(r, 200);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].first, "b");
  on_closed(r, "a");  // the durable one
  EXPECT_TRUE(plan_dispatch(r, 300).empty());
  EXPECT_EQ(r.seats["us_1"].load(), 1);
}

TEST(Router, AManualAcceptWhileInFlight_EndsUpWithTheAccepter) {
  auto r = auto_router(1);
  online(r, "us_1");
  online(r, "us_2");
  on_waiting(r, arrival("a", 1));
  auto plan = plan_dispatch(r, 100);
  ASSERT_EQ(plan.size(), 1u);
  auto loser = plan[0].second;
  auto winner = loser == "us_1" ? "us_2" : "us_1";
  on_active(r, "a", agent(winner), 110);  // the accept was durable first
  dispatch_failed(r, "a");                 // then the router's assign was refused
  EXPECT_EQ(r.seats[winner].load(), 1);
  EXPECT_EQ(r.seats[loser].load(), 0);
  EXPECT_EQ(r.owners.at("a").agent_id, winner);
}

TEST(Router, Transfer_MovesTheChatBetweenSeats) {
  auto r = auto_router(5);
  online(r, "us_1");
  online(r, "us_2");
  on_waiting(r, arrival("a", 1));
  on_active(r, "a", agent("us_1"), 100);
  on_active(r, "a", agent("us_2"), 200);
  EXPECT_EQ(r.seats["us_1"].load(), 0);
  EXPECT_EQ(r.seats["us_2"].load(), 1);
  EXPECT_EQ(r.owners.at("a").queue_key, 1) << "a transfer keeps the original queue place";
}

TEST(Router, Requeue_PutsAnAbsentAgentsChatsAtTheHeadInTheirOriginalOrder) {
  auto r = auto_router(5);
  online(r, "us_1");
  on_waiting(r, arrival("x", 10));
  on_waiting(r, arrival("y", 30));
  on_active(r, "y", agent("us_1"), 100);
  on_active(r, "x", agent("us_1"), 101);
  on_waiting(r, arrival("new", 50));  // arrived while the agent had them
  r.seats["us_1"].sockets = 0;
  auto plan = plan_requeue(r, "us_1");
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].first, "x");
  EXPECT_EQ(plan[1].first, "y");
  for (auto& [id, key] : plan) on_waiting(r, queued{id, key, 0, {}, "", ""});
  EXPECT_EQ(shown_ids(r), (std::vector<std::string>{"x", "y", "new"}));
  EXPECT_EQ(r.seats["us_1"].load(), 0);
  EXPECT_EQ(shown_queue(r)[0]->last_text, "hello x") << "a requeue keeps what the queue showed";
}

TEST(Router, Presence_IsOfflineOnlyOnceShownOffline) {
  seat s;
  s.sockets = 0;
  s.shown_offline = false;
  s.status = "away";
  EXPECT_EQ(presence_of(s), "away") << "within the offline delay it keeps its last presence";
  s.shown_offline = true;
  EXPECT_EQ(presence_of(s), "offline");
  s.sockets = 1;
  EXPECT_EQ(presence_of(s), "away");
}

TEST(Router, EveryVisitorIsServedExactlyOnce_UnderChurn) {
  auto r = auto_router(3);
  for (int a = 0; a < 5; ++a) online(r, "us_" + std::to_string(a));
  for (int i = 0; i < 200; ++i) on_waiting(r, arrival("c" + std::to_string(i), i));
  std::map<std::string, int> served;
  std::int64_t now = 1000;
  while (!r.queue.empty() || !r.owners.empty()) {
    auto plan = plan_dispatch(r, ++now);
    for (auto& [cid, aid] : plan) ++served[cid];
    commit(r, plan, now);
    if (!r.owners.empty()) on_closed(r, r.owners.begin()->first);  // agents close one at a time
  }
  EXPECT_EQ(served.size(), 200u);
  for (auto& [cid, n] : served) EXPECT_EQ(n, 1) << cid;
}

}  // namespace
}  // namespace sb::workspace
