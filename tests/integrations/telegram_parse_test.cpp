// Which Telegram updates the bridge acts on, and what the staff chat is shown.
#include <gtest/gtest.h>

#include "integrations/channels/telegram.hpp"

namespace sb::integrations {
namespace {
using json = nlohmann::json;

std::size_t utf16_units(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xc0) != 0x80) n += c >= 0xf0 ? 2 : 1;
  return n;
}

TEST(TelegramUpdates, AStaffReplyIsReadWithItsChatSenderAndTheMessageItAnswers) {
  auto m = telegram_message(json::parse(R"({"update_id":10,"message":{"message_id":77,
    "from":{"id":555,"is_bot":false,"first_name":"Mia","last_name":"Berg"},
    "chat":{"id":-1001234,"type":"supergroup"},"date":1,"text":"On its way",
    "reply_to_message":{"message_id":500,"text":"relayed"}}})"));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->update_id, 10);
  EXPECT_EQ(m->chat_id, "-1001234");
  EXPECT_EQ(m->from_id, "555");
  EXPECT_EQ(m->from_name, "Mia Berg");
  EXPECT_EQ(m->message_id, 77);
  EXPECT_EQ(m->reply_to, 500);
  EXPECT_EQ(m->text, "On its way");
}

TEST(TelegramUpdates, OtherUpdatesAreLeftAlone) {
  auto no_reply = telegram_message(json::parse(R"({"update_id":1,"message":{"message_id":2,"chat":{"id":5},"text":"hi"}})"));
  ASSERT_TRUE(no_reply);
  EXPECT_EQ(no_reply->reply_to, 0);
  // A bot's own messages, photos without text, edits and other kinds of update are not taken.
  EXPECT_FALSE(telegram_message(json::parse(R"({"update_id":1,"message":{"message_id":2,"chat":{"id":5},"text":"x","from":{"id":9,"is_bot":true}}})")));
  EXPECT_FALSE(telegram_message(json::parse(R"({"update_id":1,"message":{"message_id":2,"chat":{"id":5},"photo":[]}})")));
  EXPECT_FALSE(telegram_message(json::parse(R"({"update_id":1,"edited_message":{"message_id":2,"chat":{"id":5},"text":"x"}})")));
  EXPECT_FALSE(telegram_message(json::parse(R"({"message":{"message_id":2,"chat":{"id":5},"text":"x"}})")));
  EXPECT_FALSE(telegram_message(json::parse(R"({"update_id":"1","message":{"message_id":2,"chat":{"id":5},"text":"x"}})")));
  EXPECT_FALSE(telegram_message(json::array()));
}

TEST(TelegramRelay, ShowsWhoAndWhichConversationAndFitsTelegramsLimit) {
  auto t = telegram_relay_text("Ann", "cv_1", "Is it in stock?", false);
  EXPECT_NE(t.find("Ann"), std::string::npos);
  EXPECT_NE(t.find("cv_1"), std::string::npos);
  EXPECT_NE(t.find("\nIs it in stock?"), std::string::npos);
  EXPECT_NE(telegram_relay_text("", "cv_1", "x", true).find("Waiting: Visitor"), std::string::npos);
  std::string astral;
  for (int i = 0; i < 4000; ++i) astral += "\xF0\x9F\x98\x80";  // 4000 emoji: 8000 UTF-16 units
  auto cut = telegram_relay_text("Ann", "cv_1", astral, false);
  EXPECT_LE(utf16_units(cut), 4096u);
  EXPECT_GT(utf16_units(cut), 4000u);
  EXPECT_EQ(cut.substr(cut.size() - 3), "\xE2\x80\xA6");  // an ellipsis says it was cut
  EXPECT_EQ(cut.find("\xF0\x9F\x98", cut.size() - 6), std::string::npos);  // no half character
}

}  // namespace
}  // namespace sb::integrations
