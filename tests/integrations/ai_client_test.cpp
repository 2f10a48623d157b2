// Reading chat-completions answers (streamed in any split, or whole) and building the request.
#include "integrations/ai/ai_client.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace sb::integrations {
namespace {
using json = nlohmann::json;

const char* kStream =
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n"
    ": keep-alive comment\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"}}]}\r\n\r\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\", how can I help?\"}}]}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
    "data: [DONE]\n\n";

TEST(AiStream, DeltasInAnySplit_BuildTheTextAndReportGrowth) {
  for (std::size_t piece : {1, 7, 64, 10000}) {
    completion_stream s;
    std::string all = kStream;
    int grew = 0;
    for (std::size_t i = 0; i < all.size(); i += piece) grew += s.feed(all.substr(i, piece));
    EXPECT_EQ(s.text(), "Hello, how can I help?") << piece;
    EXPECT_EQ(grew, piece >= all.size() ? 1 : 2) << piece;  // once per feed that added text
    EXPECT_TRUE(s.done());
    EXPECT_FALSE(s.handoff());
  }
}

TEST(AiStream, AHandoffToolCall_IsSeenInAStreamAndInAWholeAnswer) {
  completion_stream s;
  s.feed("data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\","
         "\"function\":{\"name\":\"handoff_to_human\",\"arguments\":\"\"}}]}}]}\n\n");
  EXPECT_TRUE(s.handoff());
  completion_stream whole;
  whole.finish_json(R"({"choices":[{"message":{"role":"assistant","content":"One moment.",
      "tool_calls":[{"type":"function","function":{"name":"handoff_to_human","arguments":"{}"}}]}}]})");
  EXPECT_TRUE(whole.handoff());
  EXPECT_EQ(whole.text(), "One moment.");
  completion_stream other;
  other.feed("data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"function\":{\"name\":\"get_weather\"}}]}}]}\n");
  EXPECT_FALSE(other.handoff());
}

TEST(AiStream, GarbageLines_AreIgnored) {
  completion_stream s;
  s.feed("data: not json\n\ndata: {\"choices\": 5}\n\nevent: ping\n\ndata: {\"choices\":[{\"delta\":{\"content\":7}}]}\n\n");
  EXPECT_EQ(s.text(), "");
  EXPECT_FALSE(s.done());
}

TEST(AiRequest, TheTranscriptBecomesUserAndAssistantTurnsAfterTheSystemPrompt) {
  ai_settings st{"https://llm.example/v1", "gpt-test", "You sell teapots.", "sk-x", {}};
  auto r = completion_request(st, {{"visitor", "hi"}, {"bot", "Hello!"}, {"system", "We are away"}, {"visitor", "price?"}});
  EXPECT_EQ(r["model"], "gpt-test");
  EXPECT_EQ(r["stream"], true);
  ASSERT_EQ(r["messages"].size(), 4u);
  EXPECT_EQ(r["messages"][0]["role"], "system");
  EXPECT_NE(r["messages"][0]["content"].get<std::string>().find("You sell teapots."), std::string::npos);
  EXPECT_EQ(r["messages"][1], (json{{"role", "user"}, {"content", "hi"}}));
  EXPECT_EQ(r["messages"][2], (json{{"role", "assistant"}, {"content", "Hello!"}}));
  EXPECT_EQ(r["messages"][3]["content"], "price?");
  EXPECT_EQ(r["tools"][0]["function"]["name"], "handoff_to_human");
}

}  // namespace
}  // namespace sb::integrations
