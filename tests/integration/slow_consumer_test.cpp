// A socket that does not read is closed with 1008 once its backlog passes the bound, instead of
// being buffered without limit, and comes back by resuming from its last seq.
#include <gtest/gtest.h>

#include <string>

#include "tests/integration/support/server_fixture.hpp"

namespace switchboard::integration {
namespace {

class SlowConsumer : public server_fixture {
 protected:
  SlowConsumer() { extra_server_args_ = {"--ws-backlog-max", "65536", "--ws-rate", "100000",
                                          "--visitor-rate", "1000000", "--visitor-burst", "1000000"}; }

  double slow_consumers_closed() {
    auto res = http().get("/metrics");
    auto at = res.raw_body.find("\nswitchboard_ws_slow_consumers_closed_total ");
    if (at == std::string::npos) return -1;
    return std::stod(res.raw_body.substr(at + 44));
  }
};

TEST_F(SlowConsumer, AgentThatStopsReading_IsClosedWith1008AndResumesWithoutGaps) {
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  const std::string conv = open_conversation(*visitor);
  ASSERT_FALSE(conv.empty());
  auto agent = connect_agent(admin_token_);
  ASSERT_TRUE(agent);
  ASSERT_TRUE(agent->send({{"type", "subscribe"}, {"conversation_id", conv}, {"after_seq", 0}}));
  ASSERT_TRUE(agent->saw(is_event(conv, 2))) << agent->describe();
  // From here the agent reads nothing. The visitor sends big messages (and reads its acks)
  // until the server gives up on the agent: loopback buffers hold a few MiB first.
  const std::string text(3900, 'x');
  int sent = 0;
  int64_t final_seq = 0;
  for (; sent < 4000 && slow_consumers_closed() < 1; ++sent) {
    auto ack = send_message(*visitor, "big" + std::to_string(sent), text);
    ASSERT_TRUE(ack && str_of(*ack, "type") == "ack") << (ack ? ack->dump() : visitor->describe());
    final_seq = ack->value("seq", int64_t{0});
  }
  ASSERT_GE(slow_consumers_closed(), 1) << "never closed after " << sent << " messages";
  // Now read: the frames already in the pipe, then the close frame.
  int64_t last_seq = 0;
  while (auto f = agent->next([](const json&) { return true; }, std::chrono::seconds(5))) {
    if (str_of(*f, "type") == "message") last_seq = f->value("seq", int64_t{0});
  }
  EXPECT_FALSE(agent->ws().is_open());
  EXPECT_EQ(agent->ws().close_code(), std::optional<int>(1008)) << agent->ws().last_error();
  ASSERT_GT(last_seq, 2);

  // It comes back by resuming after the last seq it saw: every later message, in order.
  auto again = connect_agent(admin_token_, "agent (resumed)");
  ASSERT_TRUE(again);
  ASSERT_TRUE(again->send({{"type", "subscribe"}, {"conversation_id", conv}, {"after_seq", last_seq}}));
  ASSERT_TRUE(again->saw(is_event(conv, final_seq), std::chrono::seconds(20))) << again->describe(5);
  EXPECT_TRUE(seqs_are_consecutive(again->event_seqs(conv), last_seq + 1));
}

}  // namespace
}  // namespace switchboard::integration
