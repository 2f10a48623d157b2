// Under concurrent load every watcher still sees each seq of a conversation exactly once and in
// order, and each author gets its ack before its own message frame (PROTOCOL.md, Delivery).
// Many visitors pipeline messages at once, so commits of different conversations share
// group-commit batches and frames for one socket come from several batches back to back.

#include <map>
#include <thread>

#include "tests/integration/support/server_fixture.hpp"

namespace switchboard::integration {
namespace {

using namespace std::chrono_literals;

struct lane {
  std::unique_ptr<chat_peer> visitor;
  std::string conversation_id;
  int64_t seq_before = 0;    // the last seq the visitor saw before the burst
  std::vector<json> frames;  // everything the visitor received during the burst
  std::string failure;
};

class Ordering : public server_fixture {
 protected:
  Ordering() { extra_server_args_ = {"--visitor-rate", "1000000", "--visitor-burst", "1000000"}; }
};

TEST_F(Ordering, ManyVisitorsPipeliningAtOnce_EveryWatcherSeesEverySeqOnceInOrder) {
  constexpr int lanes_n = 8, per_lane = 150, window = 32;
  std::vector<lane> lanes(lanes_n);
  const std::string agent_token = create_agent("agent-order@switchboard.test");
  ASSERT_FALSE(agent_token.empty());
  auto agent = connect_agent(agent_token);
  ASSERT_TRUE(agent);
  for (int i = 0; i < lanes_n; ++i) {
    lanes[i].visitor = connect_visitor({{"type", "hello"}}, "visitor " + std::to_string(i));
    ASSERT_TRUE(lanes[i].visitor);
    lanes[i].conversation_id = open_conversation(*lanes[i].visitor, "l" + std::to_string(i) + "-0");
    ASSERT_FALSE(lanes[i].conversation_id.empty());
    ASSERT_TRUE(agent->send({{"type", "subscribe"},
                             {"conversation_id", lanes[i].conversation_id},
                             {"after_seq", 0}}));
    ASSERT_TRUE(agent->saw(is_event(lanes[i].conversation_id, 1))) << agent->describe();
  }
  for (auto& l : lanes) {
    l.visitor->settle(200ms);
    l.seq_before = l.visitor->last_event_seq(l.conversation_id);
    ASSERT_GT(l.seq_before, 0) << l.visitor->describe();
  }

  std::vector<std::thread> threads;
  for (int i = 0; i < lanes_n; ++i) {
    threads.emplace_back([&l = lanes[i], i] {
      auto& ws = l.visitor->ws();
      int next = 1, acked = 0, in_flight = 0;
      auto deadline = std::chrono::steady_clock::now() + 60s;
      while (acked < per_lane && std::chrono::steady_clock::now() < deadline) {
        while (in_flight < window && next <= per_lane) {
          json m = {{"type", "message"},
                    {"client_msg_id", "l" + std::to_string(i) + "-" + std::to_string(next++)},
                    {"text", "pipelined"}};
          if (!ws.send_json(m)) return void(l.failure = "send failed: " + ws.last_error());
          ++in_flight;
        }
        auto f = ws.recv_json(2s);
        if (!f) continue;
        l.frames.push_back(*f);
        if (f->value("type", "") == "ack") ++acked, --in_flight;
        if (f->value("type", "") == "error") return void(l.failure = f->dump());
      }
      if (acked < per_lane) l.failure = "only " + std::to_string(acked) + " acks";
    });
  }
  for (auto& t : threads) t.join();

  for (int i = 0; i < lanes_n; ++i) {
    auto& l = lanes[i];
    ASSERT_TRUE(l.failure.empty()) << "lane " << i << ": " << l.failure;
    // The author's own copies: drain what is still on the way after the last ack.
    auto prefix = "l" + std::to_string(i) + "-";
    while (auto f = l.visitor->ws().recv_json(300ms)) l.frames.push_back(*f);
    std::vector<int64_t> seqs;
    std::map<std::string, int> acks_seen;
    int own = 0;
    for (auto& f : l.frames) {
      auto type = f.value("type", "");
      if (type == "ack") acks_seen[f.value("client_msg_id", "")] = 1;
      if (type != "message" && type != "status") continue;
      seqs.push_back(f.value("seq", int64_t{0}));
      auto id = f.value("client_msg_id", "");
      if (type != "message" || id.rfind(prefix, 0) != 0 || id == prefix + "0") continue;
      ++own;
      EXPECT_TRUE(acks_seen.count(id)) << "lane " << i << ": message frame before its ack: " << f.dump();
    }
    EXPECT_TRUE(seqs_are_consecutive(seqs, l.seq_before + 1)) << "lane " << i;
    EXPECT_EQ(own, per_lane) << "lane " << i;
  }
  // The agent watches all eight: per conversation, every seq once, in order.
  for (auto& l : lanes)
    ASSERT_TRUE(agent->saw(is_event(l.conversation_id, l.seq_before + per_lane), 20s))
        << agent->describe();
  agent->settle();
  for (int i = 0; i < lanes_n; ++i) {
    auto seqs = agent->event_seqs(lanes[i].conversation_id);
    EXPECT_TRUE(seqs_are_consecutive(seqs, 1)) << "agent, lane " << i;
    EXPECT_EQ(seqs.size(), static_cast<size_t>(lanes[i].seq_before + per_lane)) << "agent, lane " << i;
  }
}

}  // namespace
}  // namespace switchboard::integration
