// history_projection over a real RocksDB log: what survives a restart, and readers waiting for
// a position are served at once even while the runner rests between folds.
#include "projections/history_projection.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>

#include <rocksdb/db.h>

#include "events/keys.hpp"
#include "tests/support/store.hpp"

namespace sb::projections {
namespace {
using json = nlohmann::json;
using namespace std::chrono_literals;

json visitor() { return {{"kind", "visitor"}, {"id", "vi_1"}, {"name", "Visitor"}}; }

events::envelope ev(std::uint64_t stream_seq, const std::string& type, json data) {
  events::envelope e;
  e.type = type;
  e.version = 1;
  e.stream = "conversation/cv_1";
  e.seq = stream_seq;
  e.data = data.dump();
  return e;
}

events::envelope message(std::uint64_t seq) {
  return ev(seq + 1, "message_posted",
            {{"conversation_id", "cv_1"}, {"seq", seq}, {"ts", 1000 + seq},
             {"client_msg_id", "c" + std::to_string(seq)}, {"sender", visitor()},
             {"text", "message " + std::to_string(seq)}, {"attachments", json::array()}});
}

// Appends and waits until durable; returns the last position.
std::uint64_t append(test::store& s, std::vector<events::envelope> evs) {
  std::promise<events::append_result> done;
  auto f = done.get_future();
  auto st = s.writer->append(std::move(evs), [&](const events::append_result& r) { done.set_value(r); });
  EXPECT_TRUE(st.ok()) << st.message();
  auto r = f.get();
  EXPECT_TRUE(r.st.ok()) << r.st.message();
  return r.last_position;
}

std::vector<events::envelope> opening_and_messages(std::uint64_t n) {
  std::vector<events::envelope> evs{ev(1, "conversation_opened",
                                       {{"conversation_id", "cv_1"}, {"workspace_id", "ws_1"},
                                        {"site_key", "wk_1"}, {"visitor", visitor()}, {"ts", 1000}})};
  for (std::uint64_t seq = 1; seq <= n; ++seq) evs.push_back(message(seq));
  return evs;
}

TEST(HistoryProjection, SummariesAndMessages_SurviveARestartWithoutRefolding) {
  test::store s;
  auto last = append(s, opening_and_messages(3));
  {
    history_projection p{*s.log, 0ms};
    ASSERT_TRUE(p.start(false).ok());
    EXPECT_EQ(p.applied_position(), last);
    p.stop();
  }
  history_projection q{*s.log, 0ms};
  ASSERT_TRUE(q.start(false).ok());
  EXPECT_EQ(q.applied_position(), last);
  auto sum = q.summary("cv_1");
  ASSERT_TRUE(sum);
  EXPECT_EQ((*sum)["unread"], 3) << sum->dump() << " (a refold would count them again)";
  EXPECT_EQ((*sum)["last_message"]["text"], "message 3");
  auto list = q.list("ws_1", "", 10, "");
  ASSERT_EQ(list["items"].size(), 1u) << list.dump();
  message_page page;
  ASSERT_TRUE(q.messages("cv_1", std::nullopt, std::nullopt, 10, page).ok());
  EXPECT_EQ(page.frames.size(), 3u);
}

TEST(HistoryProjection, FoldsWrittenWhileRunning_AreSavedWhenItStops) {
  test::store s;
  append(s, opening_and_messages(1));
  std::uint64_t last = 0;
  {
    // The running projection folds on notify, and saves its summaries with their checkpoint
    // on stop, even though its once-a-second save has not come round yet.
    history_projection p{*s.log, 0ms};
    ASSERT_TRUE(p.start(false).ok());
    last = append(s, {message(2), message(3)});
    p.notify(last);
    std::promise<bool> applied;
    p.when_applied(last, std::chrono::steady_clock::now() + 5s, [&](bool ok) { applied.set_value(ok); });
    ASSERT_TRUE(applied.get_future().get());
    p.stop();
  }
  std::string ckpt;
  ASSERT_TRUE(s.log->models_db()->Get(rocksdb::ReadOptions{}, s.log->models_cf(), "history/checkpoint", &ckpt).ok());
  EXPECT_EQ(events::keys::get_u64(ckpt), last) << "the checkpoint was not saved on stop";
  history_projection q{*s.log, 0ms};
  ASSERT_TRUE(q.start(false).ok());
  auto sum = q.summary("cv_1");
  ASSERT_TRUE(sum);
  EXPECT_EQ((*sum)["unread"], 3) << sum->dump();
  EXPECT_EQ((*sum)["last_seq"], 3);
}

TEST(HistoryProjection, ADataDirFromBeforeTheReadModelsDatabase_FoldsAgainAndDropsTheOldKeys) {
  test::store s;
  append(s, opening_and_messages(2));
  // What an older server left in the log's state column family: a version and a summary.
  rocksdb::WriteOptions wo;
  ASSERT_TRUE(s.log->db()->Put(wo, s.log->state_cf(), "history/version", "3").ok());
  ASSERT_TRUE(s.log->db()->Put(wo, s.log->state_cf(), "history/sum/cv_1", R"({"id":"cv_1"})").ok());
  ASSERT_TRUE(s.log->db()->Put(wo, s.log->state_cf(), "other/key", "kept").ok());
  history_projection p{*s.log, 0ms};
  ASSERT_TRUE(p.start(false).ok());
  auto sum = p.summary("cv_1");
  ASSERT_TRUE(sum) << "folded again from the log";
  EXPECT_EQ((*sum)["last_seq"], 2) << sum->dump();
  std::string value;
  EXPECT_TRUE(s.log->db()->Get(rocksdb::ReadOptions{}, s.log->state_cf(), "history/sum/cv_1", &value).IsNotFound());
  EXPECT_TRUE(s.log->db()->Get(rocksdb::ReadOptions{}, s.log->state_cf(), "history/version", &value).IsNotFound());
  ASSERT_TRUE(s.log->db()->Get(rocksdb::ReadOptions{}, s.log->state_cf(), "other/key", &value).ok());
  EXPECT_EQ(value, "kept") << "only the read model's own keys go";
  EXPECT_TRUE(s.log->models_db()->Get(rocksdb::ReadOptions{}, s.log->models_cf(), "history/version", &value).ok());
}

TEST(HistoryProjection, AReaderWaitingForAPosition_IsServedWithoutWaitingOutTheRest) {
  test::store s;
  append(s, opening_and_messages(1));
  history_projection p{*s.log, 10s};  // rests 10 s between folds
  ASSERT_TRUE(p.start(false).ok());
  auto first = append(s, {message(2)});
  p.notify(first);  // folds at once (the runner was idle), then rests
  std::promise<void> one;
  p.when_applied(first, std::chrono::steady_clock::now() + 30s, [&](bool) { one.set_value(); });
  one.get_future().wait();
  auto second = append(s, {message(3)});
  p.notify(second);  // the runner rests: no fold yet
  auto asked = std::chrono::steady_clock::now();
  std::promise<bool> applied;
  p.when_applied(second, asked + 30s, [&](bool ok) { applied.set_value(ok); });
  auto f = applied.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready) << "the waiter sat out the 10 s rest";
  EXPECT_TRUE(f.get());
  EXPECT_EQ((*p.summary("cv_1"))["last_seq"], 3);
  p.stop();
}

}  // namespace
}  // namespace sb::projections
