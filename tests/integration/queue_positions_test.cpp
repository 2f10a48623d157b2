// Places in a long queue: visitors deep in it (beyond the first 20, who hear every change at
// once) hear their new place from the router's pass over the queue, which is spread over
// several flushes; what each visitor last heard is its place in GET /queue.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace switchboard::integration
