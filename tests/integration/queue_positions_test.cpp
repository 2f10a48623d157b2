// A long queue: visitors deep in it (beyond the first 20, who hear every change at once) hear
// their new place from the router's pass over the queue, which is spread over several flushes;
// what each visitor last heard is its place in GET /queue. Staff sockets get its `queue`
// frames (100 items, ~22 KB) at a bounded rate however fast it changes.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/integration/support/server_fixture.hpp"

namespace switchboard::integration {
namespace {
using namespace std::chrono_literals;

class QueuePositions : public server_fixture {};

TEST_F(QueuePositions, VisitorsDeepInTheQueue_HearTheirNewPlaceWhenTheHeadMoves) {
  constexpr int kVisitors = 120, kTaken = 10;
  auto agent = create_agent("ann@switchboard.test", "Ann");
  std::vector<std::unique_ptr<chat_peer>> visitors;
  std::vector<std::string> ids;
  for (int i = 0; i < kVisitors; ++i) {
    auto v = connect_visitor({{"type", "hello"}}, "v" + std::to_string(i));
    ASSERT_TRUE(v) << i;
    ids.push_back(open_conversation(*v, "m" + std::to_string(i)));
    ASSERT_FALSE(ids.back().empty()) << i;
    visitors.push_back(std::move(v));
  }
  // The latest place each visitor heard, read until it hears `expected` (or the wait ends).
  auto hears = [&](int i, int expected, std::chrono::milliseconds wait) {
    auto f = visitors[i]->next(
        [&](const json& f) { return f.value("type", "") == "queue_position" && f["position"] == expected; }, wait);
    return f.has_value();
  };
  EXPECT_TRUE(hears(kVisitors - 1, kVisitors, 5s)) << "the last one heard its place at once";
  for (int i = 0; i < kTaken; ++i) {
    auto r = http().post(api("/conversations/" + ids[i] + "/accept"), json::object(), agent);
    ASSERT_EQ(r.status, 200) << r.describe();
  }
  // Everyone still waiting moved up by kTaken: the first 20 at once, the deeper ones with the
  // pass (at most a second after the change, spread over about 16 flushes).
  for (int i : {kTaken, kTaken + 19, 40, 80, kVisitors - 1})
    EXPECT_TRUE(hears(i, i - kTaken + 1, 5s)) << "visitor " << i << ": " << visitors[i]->describe();
  auto queue = http().get(api("/queue"), admin_token_);
  ASSERT_EQ(queue.status, 200) << queue.describe();
  ASSERT_EQ(queue.body["items"].size(), static_cast<std::size_t>(kVisitors - kTaken));
  EXPECT_EQ(id_of(queue.body["items"][kVisitors - kTaken - 1]["conversation_id"]), ids.back());
}

TEST_F(QueuePositions, ALongQueuesFrames_ReachEachStaffSocketAtABoundedRate) {
  auto token = create_agent("ann@switchboard.test", "Ann");
  auto agent = connect_agent(token);
  ASSERT_TRUE(agent);
  std::vector<std::unique_ptr<chat_peer>> visitors;
  auto arrive = [&](int i) {
    auto v = connect_visitor({{"type", "hello"}}, "v" + std::to_string(i));
    if (!v || open_conversation(*v, "m" + std::to_string(i)).empty()) return false;
    visitors.push_back(std::move(v));
    return true;
  };
  for (int i = 0; i < 110; ++i) ASSERT_TRUE(arrive(i)) << i;
  auto queue_frames = [&] {
    std::vector<const json*> out;
    for (auto& f : agent->received())
      if (f.value("type", "") == "queue") out.push_back(&f);
    return out;
  };
  agent->settle();
  const auto before = queue_frames().size();
  ASSERT_EQ(queue_frames().back()->value("total", 0), 110) << agent->describe(3);
  ASSERT_GT(queue_frames().back()->dump().size(), 20'000u) << "a frame of 100 items";
  // Forty arrivals over half a second or more, each a change of the queue.
  auto start = std::chrono::steady_clock::now();
  for (int i = 110; i < 150; ++i) {
    ASSERT_TRUE(arrive(i)) << i;
    std::this_thread::sleep_for(std::chrono::milliseconds(12));
  }
  auto churn = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  agent->settle();
  const auto frames = queue_frames().size() - before;
  // At most ~100 KB/s per socket: one 22 KB frame per ~220 ms (not one per 50 ms), the first at
  // once, and the last state always goes out.
  EXPECT_LE(frames, static_cast<std::size_t>(churn / 0.2) + 2) << frames << " frames in " << churn << " s";
  EXPECT_GE(frames, 1u);
  EXPECT_EQ(queue_frames().back()->value("total", 0), 150) << agent->describe(3);
  EXPECT_EQ((*queue_frames().back())["waiting"].size(), 100u);
}

}  // namespace
}  // namespace switchboard::integration
