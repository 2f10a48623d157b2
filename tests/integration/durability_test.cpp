// What survives a stop: SIGTERM is a clean shutdown, SIGKILL loses nothing that was acked.

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "tests/integration/support/server_fixture.hpp"

namespace switchboard::integration {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// One visitor socket of a burst: what it sent and what the server answered before it died.
struct burst_lane {
  std::unique_ptr<chat_peer> visitor;
  std::string visitor_token;
  std::string conversation_id;
  std::vector<std::string> sent;         // client_msg_ids in sending order
  std::map<std::string, int64_t> acked;  // client_msg_id -> seq
  std::vector<json> delivered;           // message frames received on this socket
  std::vector<std::string> errors;       // error frames, dumped
  std::string ended_because;
};

class Durability : public server_fixture {
 protected:
  // The bursts below are load, not a person: raise the per-visitor message limit.
  Durability() { extra_server_args_ = {"--visitor-rate", "1000000", "--visitor-burst", "1000000"}; }
  static constexpr int lane_count = 4;
  static constexpr int window = 32;  // messages in flight per socket

  // Opens lane_count visitors with a conversation each, has them send as fast as they can
  // (pipelined, `window` unacked at most), SIGKILLs the server after `acks_before_kill` acks (or
  // 5 s), and returns what every lane saw. The server is down afterwards.
  std::vector<burst_lane> burst_then_sigkill(int64_t acks_before_kill) {
    std::vector<burst_lane> lanes(lane_count);
    for (int i = 0; i < lane_count; ++i) {
      auto& lane = lanes[i];
      lane.visitor = connect_visitor({{"type", "hello"}}, "visitor " + std::to_string(i));
      if (!lane.visitor) return {};
      lane.visitor_token = str_of(lane.visitor->welcome(), "visitor_token");
      const std::string first = "s" + std::to_string(i) + "-0";
      auto ack = send_message(*lane.visitor, first, "burst start");
      if (!ack || str_of(*ack, "type") != "ack") {
        ADD_FAILURE() << "lane " << i << " could not start: " << (ack ? ack->dump() : "no ack");
        return {};
      }
      lane.conversation_id = str_of(*ack, "conversation_id");
      lane.sent.push_back(first);
      lane.acked[first] = seq_of(*ack);
    }

    std::atomic<int64_t> total_acks{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < lane_count; ++i) {
      threads.emplace_back([&lanes, &total_acks, i] {
        auto& lane = lanes[i];
        auto& ws = lane.visitor->ws();
        const auto deadline = clock_type::now() + 30s;
        int next = 1;
        int in_flight = 0;
        while (clock_type::now() < deadline) {
          while (in_flight < window) {
            const std::string id = "s" + std::to_string(i) + "-" + std::to_string(next);
            const json frame = {{"type", "message"},
                                {"client_msg_id", id},
                                {"text", "burst message " + std::to_string(next)}};
            if (!ws.send_json(frame, 2s)) {
              lane.ended_because = "send failed: " + ws.last_error();
              return;
            }
            lane.sent.push_back(id);
            ++next;
            ++in_flight;
          }
          auto f = ws.recv_json(200ms);
          if (!f) {
            if (!ws.is_open()) {
              lane.ended_because = "connection ended: " + ws.last_error();
              return;
            }
            continue;
          }
          const std::string type = str_of(*f, "type");
          if (type == "ack") {
            lane.acked[str_of(*f, "client_msg_id")] = seq_of(*f);
            --in_flight;
            ++total_acks;
          } else if (type == "error") {
            lane.errors.push_back(f->dump());
            if (!str_of(*f, "ref").empty()) --in_flight;
          } else if (type == "message") {
            lane.delivered.push_back(std::move(*f));
          }
        }
        lane.ended_because = "30 s deadline";
      });
    }

    const auto give_up = clock_type::now() + 5s;
    while (total_acks.load() < acks_before_kill && clock_type::now() < give_up) {
      std::this_thread::sleep_for(1ms);
    }
    const int64_t acks_at_kill = total_acks.load();
    const int status = server_->kill9();
    for (auto& t : threads) t.join();
    EXPECT_EQ(status, 128 + 9);

    size_t sent = 0;
    size_t acked = 0;
    size_t errors = 0;
    for (const auto& lane : lanes) {
      sent += lane.sent.size();
      acked += lane.acked.size();
      errors += lane.errors.size();
    }
    std::cerr << "[burst] SIGKILL after " << acks_at_kill << " acks; in total " << sent << " sent, "
              << acked << " acked, " << errors << " error frames";
    for (const auto& lane : lanes) {
      if (!lane.errors.empty()) {
        std::cerr << "; first error: " << lane.errors.front();
        break;
      }
    }
    std::cerr << "\n";
    EXPECT_GT(sent, acked) << "the kill should land while messages are in flight";
    return lanes;
  }

  // The whole conversation as the log has it: a visitor socket resuming after seq 0, then a
  // marker message whose frame, arriving after every earlier event, ends the replay.
  // Returns the replayed events (empty after a failure).
  std::vector<json> replay(const burst_lane& lane, const std::string& marker_id) {
    const std::string& conv = lane.conversation_id;
    auto peer = connect_visitor({{"type", "hello"},
                                 {"visitor_token", lane.visitor_token},
                                 {"resume", {{"conversation_id", conv}, {"after_seq", 0}}}},
                                "replay of " + conv);
    if (!peer) return {};
    auto marker = send_message(*peer, marker_id, "marker " + marker_id);
    if (!marker) return {};
    if (str_of(*marker, "type") != "ack" || str_of(*marker, "conversation_id") != conv) {
      ADD_FAILURE() << "marker: expected an ack in " << conv << ", got " << marker->dump();
      return {};
    }
    if (!peer->saw(is_event(conv, seq_of(*marker)), 20s)) {
      ADD_FAILURE() << "the replay never reached the marker\n" << peer->describe();
      return {};
    }
    auto events = peer->events(conv);
    EXPECT_TRUE(seqs_are_consecutive(seqs_of(events), 1)) << "replayed events of " << conv;
    EXPECT_EQ(seq_of(events.back()), seq_of(*marker)) << "the marker is the last event";
    return events;
  }

  // Checks what survived a crash in one lane's conversation: every acked message exactly once at
  // its acked seq, every message delivered before the crash, seqs without gaps (over the
  // replayed log, which has status events too), and HTTP history telling the same story.
  void verify_after_crash(const burst_lane& lane, const std::vector<std::string>& must_exist) {
    const std::string& conv = lane.conversation_id;
    const auto events = replay(lane, "marker-" + conv);
    ASSERT_FALSE(events.empty());
    const int64_t marker_seq = seq_of(events.back());

    std::map<std::string, std::vector<int64_t>> stored;  // client_msg_id -> seqs
    std::set<std::pair<int64_t, std::string>> replayed_messages;
    for (const auto& f : events) {
      if (str_of(f, "type") != "message") continue;
      stored[str_of(f, "client_msg_id")].push_back(seq_of(f));
      if (seq_of(f) < marker_seq) replayed_messages.insert({seq_of(f), str_of(f, "client_msg_id")});
    }
    size_t problems = 0;
    for (const auto& [id, seqs] : stored) {
      if (seqs.size() != 1 && ++problems <= 5) {
        ADD_FAILURE() << id << " stored " << seqs.size() << " times: " << seqs_to_string(seqs);
      }
    }
    for (const auto& [id, seq] : lane.acked) {
      auto it = stored.find(id);
      if (it == stored.end()) {
        if (++problems <= 5) ADD_FAILURE() << "acked " << id << " (seq " << seq << ") was lost";
      } else if (it->second.front() != seq && ++problems <= 5) {
        ADD_FAILURE() << id << " acked with seq " << seq << " but stored at "
                      << seqs_to_string(it->second);
      }
    }
    for (const auto& id : must_exist) {
      if (stored.count(id) == 0 && ++problems <= 5) ADD_FAILURE() << id << " is missing";
    }
    for (const auto& f : lane.delivered) {
      auto it = stored.find(str_of(f, "client_msg_id"));
      if ((it == stored.end() || it->second.front() != seq_of(f)) && ++problems <= 5) {
        ADD_FAILURE() << "delivered before the crash, not in the log afterwards: " << f.dump();
      }
    }
    EXPECT_EQ(problems, 0u) << "in " << conv << " (" << lane.acked.size() << " acked, "
                            << stored.size() << " stored)";

    // The history read model, rebuilt after the crash, holds the same messages. It applies the
    // log in order and may lag it: once it shows the marker, it shows everything before it.
    auto history = history_when(conv, [&](const std::vector<json>& h) {
      return !h.empty() && seq_of(h.back()) >= marker_seq;
    });
    ASSERT_TRUE(history) << "the history never showed the marker (seq " << marker_seq << ")";
    std::set<std::pair<int64_t, std::string>> history_messages;
    std::vector<int64_t> history_seqs;
    for (const auto& item : *history) {
      history_seqs.push_back(seq_of(item));
      if (str_of(item, "type") == "message" && seq_of(item) < marker_seq) {
        history_messages.insert({seq_of(item), str_of(item, "client_msg_id")});
      }
    }
    for (size_t i = 1; i < history_seqs.size(); ++i) {
      ASSERT_LT(history_seqs[i - 1], history_seqs[i])
          << "history of " << conv << ": " << seqs_to_string(history_seqs);
    }
    EXPECT_TRUE(history_messages == replayed_messages)
        << "HTTP history has " << history_messages.size() << " messages before the marker, the "
        << "replayed log " << replayed_messages.size();
  }

  // Kills the server in the middle of a burst, restarts it, and checks every lane: each acked
  // message is there exactly once, without gaps.
  void sigkill_mid_burst_keeps_every_acked_message() {
    auto lanes = burst_then_sigkill(/*acks_before_kill=*/1500);
    ASSERT_EQ(lanes.size(), static_cast<size_t>(lane_count));
    for (auto& lane : lanes) lane.visitor.reset();
    ASSERT_TRUE(restart_server());
    for (const auto& lane : lanes) {
      SCOPED_TRACE("conversation " + lane.conversation_id);
      verify_after_crash(lane, {});
    }
  }
};

TEST_F(Durability, Sigterm_ClosesSocketsWith1001AndExitsZero) {
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  const std::string token = create_agent("agent-term@switchboard.test");
  ASSERT_FALSE(token.empty());
  auto agent = connect_agent(token);
  ASSERT_TRUE(agent);

  EXPECT_EQ(server_->stop_term(), 0);
  for (chat_peer* peer : {visitor.get(), agent.get()}) {
    EXPECT_TRUE(peer->ws().wait_closed(2s)) << peer->describe();
    ASSERT_TRUE(peer->ws().close_code()) << "closed without a close frame\n" << peer->describe();
    EXPECT_EQ(*peer->ws().close_code(), 1001) << peer->describe();
  }
}

TEST_F(Durability, SigtermThenRestart_KeepsHistoryTokensAndContinuesSeqs) {
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  const std::string visitor_id = str_of(visitor->welcome(), "visitor_id");
  const std::string visitor_token = str_of(visitor->welcome(), "visitor_token");
  const std::string conv = open_conversation(*visitor, "v1", "Before the restart");
  ASSERT_FALSE(conv.empty());
  auto v2 = send_message(*visitor, "v2", "Still before the restart");
  ASSERT_TRUE(v2);
  ASSERT_EQ(str_of(*v2, "type"), "ack") << v2->dump();
  const std::string agent_token = create_agent("agent-restart@switchboard.test");
  ASSERT_FALSE(agent_token.empty());

  ASSERT_TRUE(accept_as_admin(conv));
  int64_t position = 0;
  int64_t last_seq = 0;
  for (const std::string id : {"h1", "h2"}) {
    auto res = http().post(api("/conversations/" + conv + "/messages"),
                           {{"client_msg_id", id}, {"text", "Agent says " + id}}, admin_token_);
    ASSERT_EQ(res.status, 201) << res.describe();
    position = res.body.value("position", int64_t{0});
    last_seq = seq_of(res.body);
  }
  auto before = full_history(conv, position);
  ASSERT_TRUE(before);
  ASSERT_FALSE(before->empty());
  ASSERT_EQ(seq_of(before->back()), last_seq) << json(*before).dump();

  visitor->ws().close();
  ASSERT_EQ(server_->stop_term(), 0) << "SIGTERM must exit 0";
  ASSERT_TRUE(restart_server());

  // Staff tokens survive.
  auto me = http().get(api("/me"), admin_token_);
  EXPECT_EQ(me.status, 200) << "admin token after restart: " << me.describe();
  me = http().get(api("/me"), agent_token);
  EXPECT_EQ(me.status, 200) << "agent token after restart: " << me.describe();

  // The history is intact.
  auto after = full_history(conv, position);
  ASSERT_TRUE(after);
  ASSERT_EQ(after->size(), before->size())
      << "before: " << json(*before).dump() << "\nafter: " << json(*after).dump();
  for (size_t i = 0; i < before->size(); ++i) {
    const json& b = (*before)[i];
    const json& a = (*after)[i];
    for (const char* field : {"type", "seq", "ts", "client_msg_id", "text", "status"}) {
      EXPECT_EQ(a.value(field, json()), b.value(field, json())) << field << " of item " << i;
    }
    EXPECT_EQ(a.value("sender", json()), b.value("sender", json())) << "sender of item " << i;
  }

  // The visitor token survives and brings back the same visitor and conversation.
  auto back = connect_visitor({{"type", "hello"}, {"visitor_token", visitor_token}},
                              "visitor (after restart)");
  ASSERT_TRUE(back);
  EXPECT_EQ(str_of(back->welcome(), "visitor_id"), visitor_id) << back->welcome().dump();
  const json welcome_conv = back->welcome().value("conversation", json());
  ASSERT_TRUE(welcome_conv.is_object()) << back->welcome().dump();
  EXPECT_EQ(str_of(welcome_conv, "id"), conv) << back->welcome().dump();

  // New messages continue at the next seq: no reuse, no gap.
  auto v3 = send_message(*back, "v3", "After the restart");
  ASSERT_TRUE(v3);
  ASSERT_EQ(str_of(*v3, "type"), "ack") << v3->dump();
  EXPECT_EQ(seq_of(*v3), last_seq + 1) << v3->dump();
  EXPECT_EQ(str_of(*v3, "conversation_id"), conv);
  auto h3 = http().post(api("/conversations/" + conv + "/messages"),
                        {{"client_msg_id", "h3"}, {"text", "Agent after restart"}}, admin_token_);
  ASSERT_EQ(h3.status, 201) << h3.describe();
  EXPECT_EQ(seq_of(h3.body), last_seq + 2) << h3.describe();
  EXPECT_GT(h3.body.value("position", int64_t{0}), position) << "log positions continue too";

  // Re-sending a message acknowledged before the restart still returns its ack.
  auto v1_again = send_message(*back, "v1", "Before the restart");
  ASSERT_TRUE(v1_again);
  ASSERT_EQ(str_of(*v1_again, "type"), "ack") << v1_again->dump();
  EXPECT_EQ(seq_of(*v1_again), 1) << v1_again->dump();

  auto final_history = full_history(conv, h3.body.value("position", int64_t{0}));
  ASSERT_TRUE(final_history);
  EXPECT_EQ(count_messages(*final_history, "v1"), 1u);
  EXPECT_EQ(seq_of(final_history->back()), last_seq + 2);

  // The full event log of the conversation (status events included) has no hole.
  auto replay = connect_visitor({{"type", "hello"},
                                 {"visitor_token", visitor_token},
                                 {"resume", {{"conversation_id", conv}, {"after_seq", 0}}}},
                                "visitor (replay)");
  ASSERT_TRUE(replay);
  ASSERT_TRUE(replay->saw(is_event(conv, last_seq + 2))) << replay->describe();
  EXPECT_TRUE(seqs_are_consecutive(replay->event_seqs(conv), 1)) << replay->describe();
  EXPECT_EQ(count_messages(replay->received(), "v1"), 1u) << replay->describe();
}

TEST_F(Durability, SigkillMidBurst_KeepsEveryAckedMessageExactlyOnceWithoutGaps) {
  sigkill_mid_burst_keeps_every_acked_message();
}

// The same with the append callbacks on the writer's own thread (--completion-thread false):
// acks still follow durability.
class DurabilityCallbacksOnTheWriter : public Durability {
 protected:
  DurabilityCallbacksOnTheWriter() {
    extra_server_args_.push_back("--completion-thread");
    extra_server_args_.push_back("false");
  }
};

TEST_F(DurabilityCallbacksOnTheWriter, SigkillMidBurst_KeepsEveryAckedMessageExactlyOnceWithoutGaps) {
  sigkill_mid_burst_keeps_every_acked_message();
}

TEST_F(Durability, SigkillMidBurst_ThenResendingEverySentMessage_StoresEachExactlyOnce) {
  auto lanes = burst_then_sigkill(/*acks_before_kill=*/600);
  ASSERT_EQ(lanes.size(), static_cast<size_t>(lane_count));
  for (auto& lane : lanes) lane.visitor.reset();
  ASSERT_TRUE(restart_server());

  // A widget retries everything it has no ack for; we also retry what was acked.
  auto& lane = lanes.front();
  auto back = connect_visitor({{"type", "hello"}, {"visitor_token", lane.visitor_token}},
                              "visitor 0 (retrying)");
  ASSERT_TRUE(back);
  std::map<std::string, int64_t> resend_acks;
  for (const auto& id : lane.sent) {
    const std::string n = id.substr(id.find('-') + 1);
    const std::string text = n == "0" ? "burst start" : "burst message " + n;
    auto reply = send_message(*back, id, text);
    ASSERT_TRUE(reply);
    ASSERT_EQ(str_of(*reply, "type"), "ack") << reply->dump();
    EXPECT_EQ(str_of(*reply, "conversation_id"), lane.conversation_id) << reply->dump();
    resend_acks[id] = seq_of(*reply);
    auto earlier = lane.acked.find(id);
    if (earlier != lane.acked.end()) {
      EXPECT_EQ(seq_of(*reply), earlier->second) << id << " was acked before the crash";
    }
  }

  // Now every sent message exists exactly once, at the seq its (re)ack named.
  for (const auto& [id, seq] : resend_acks) lane.acked[id] = seq;
  verify_after_crash(lane, lane.sent);
}

}  // namespace
}  // namespace switchboard::integration
