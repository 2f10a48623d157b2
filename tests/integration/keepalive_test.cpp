// Keepalive (PROTOCOL.md): the server pings every socket and drops a peer that stays silent
// (no frame, no pong) past the idle timeout. Run with the timers shortened by flags: pings
// every 1 s, drop after 3 s (production: 25 s and 60 s).

#include <thread>

#include "tests/integration/support/server_fixture.hpp"

namespace switchboard::integration {
namespace {

using namespace std::chrono_literals;

class Keepalive : public server_fixture {
 protected:
  Keepalive() { extra_server_args_ = {"--ws-ping-seconds", "1", "--ws-idle-seconds", "3"}; }
};

TEST_F(Keepalive, AQuietPeerThatAnswersPings_StaysConnectedPastTheIdleTimeout) {
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  // Sends nothing for 5 s, but keeps reading, so its WebSocket answers the server's pings:
  // the pongs alone must keep it alive.
  auto until = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < until) visitor->ws().recv_json(100ms);
  ASSERT_TRUE(visitor->ws().is_open()) << visitor->ws().last_error();
  ASSERT_TRUE(visitor->send({{"type", "ping"}, {"id", "alive"}}));
  auto pong = visitor->next(is_type("pong"), 5s);
  ASSERT_TRUE(pong) << visitor->describe();
  EXPECT_EQ(pong->value("id", ""), "alive");
}

TEST_F(Keepalive, APeerSilentPastTheIdleTimeout_IsDropped) {
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  auto agent = connect_agent(admin_token_);
  ASSERT_TRUE(agent);
  // Neither reads (so neither answers a ping) nor sends for longer than the idle timeout.
  std::this_thread::sleep_for(4500ms);
  EXPECT_TRUE(visitor->ws().wait_closed(3s)) << "a silent visitor was kept";
  EXPECT_TRUE(agent->ws().wait_closed(3s)) << "a silent agent was kept";
  auto metrics = http().get("/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.raw_body.find("switchboard_ws_idle_dropped_total 2"), std::string::npos)
      << "the drops are not counted";
}

}  // namespace
}  // namespace switchboard::integration
