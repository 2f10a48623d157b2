// stats_projection over a real RocksDB log: the numbers survive a restart without a refold, a
// rebuild from position 0 gives the same answer, and readers waiting for a position are served.
#include "projections/stats_projection.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <thread>

#include <rocksdb/db.h>

#include "events/keys.hpp"
#include "tests/support/store.hpp"

namespace sb::projections {
namespace {
using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr std::int64_t kT0 = 1'705'312'800'000;  // 2024-01-15 10:00 UTC
constexpr std::int64_t kDayMs = 86'400'000;

// Events with per-stream seqs, as their owners would write them.
class event_maker {
 public:
  events::envelope make(const std::string& stream, const std::string& type, json data) {
    events::envelope e;
    e.type = type;
    e.version = 1;
    e.stream = stream;
    e.seq = ++seqs_[stream];
    e.data = data.dump();
    return e;
  }
  events::envelope seen(const std::string& vid, std::int64_t ts, const std::string& country) {
    return make("visitor/" + vid, "visitor_seen",
                {{"visitor_id", vid},
                 {"workspace_id", "ws_1"},
                 {"site_key", "wk_1"},
                 {"ts", ts},
                 {"country", country},
                 {"city", ""},
                 {"page_url", "/"}});
  }
  events::envelope opened(const std::string& cid, const std::string& vid, std::int64_t ts) {
    return make("conversation/" + cid, "conversation_opened",
                {{"conversation_id", cid},
                 {"workspace_id", "ws_1"},
                 {"site_key", "wk_1"},
                 {"visitor", {{"kind", "visitor"}, {"id", vid}, {"name", "V"}}},
                 {"ts", ts}});
  }
  events::envelope message(const std::string& cid, const std::string& kind, const std::string& id,
                           std::int64_t ts) {
    return make("conversation/" + cid, "message_posted",
                {{"conversation_id", cid},
                 {"seq", seqs_["conversation/" + cid]},
                 {"ts", ts},
                 {"client_msg_id", "m"},
                 {"sender", {{"kind", kind}, {"id", id}, {"name", id}}},
                 {"text", "hi"},
                 {"attachments", json::array()}});
  }
  events::envelope status(const std::string& cid, const std::string& status,
                          const std::string& agent, std::int64_t ts) {
    return make("conversation/" + cid, "status_changed",
                {{"conversation_id", cid},
                 {"seq", seqs_["conversation/" + cid]},
                 {"ts", ts},
                 {"status", status},
                 {"agent", {{"id", agent}, {"name", agent}}}});
  }

 private:
  std::map<std::string, std::uint64_t> seqs_;
};

// Appends and waits until durable; returns the last position.
std::uint64_t append(test::store& s, std::vector<events::envelope> evs) {
  std::promise<events::append_result> done;
  auto f = done.get_future();
  auto st =
      s.writer->append(std::move(evs), [&](const events::append_result& r) { done.set_value(r); });
  EXPECT_TRUE(st.ok()) << st.message();
  auto r = f.get();
  EXPECT_TRUE(r.st.ok()) << r.st.message();
  return r.last_position;
}

// A day of a small workspace: visitors, conversations, replies, closes.
std::vector<events::envelope> a_day(event_maker& m, int conversations) {
  std::vector<events::envelope> evs;
  for (int i = 0; i < conversations; ++i) {
    auto vid = "vi_" + std::to_string(i);
    auto cid = "cv_" + std::to_string(i);
    auto ts = kT0 + i * 600'000;
    evs.push_back(m.seen(vid, ts, i % 2 ? "DE" : "FR"));
    evs.push_back(m.opened(cid, vid, ts + 1'000));
    evs.push_back(m.message(cid, "visitor", vid, ts + 2'000));
    evs.push_back(m.status(cid, "active", "us_" + std::to_string(i % 3), ts + 3'000));
    evs.push_back(m.message(cid, "agent", "us_" + std::to_string(i % 3), ts + 4'000 + i * 1'000));
    evs.push_back(m.status(cid, "closed", "us_" + std::to_string(i % 3), ts + 300'000));
  }
  return evs;
}

json read_all(const stats_projection& p) {
  return {{"overview",
           p.overview("ws_1", kT0 - kDayMs, kT0 + kDayMs, "Europe/Berlin", 3, kT0 + 3'600'000)},
          {"series", p.timeseries("ws_1", "visitors", "hour", kT0, kT0 + 6 * 3'600'000, "")},
          {"agents", p.agents("ws_1", kT0 - kDayMs, kT0 + kDayMs)}};
}

TEST(StatsProjection, Numbers_SurviveARestartWithoutRefolding) {
  test::store s;
  event_maker m;
  auto last = append(s, a_day(m, 20));
  json before;
  {
    stats_projection p{*s.log, 0ms};
    ASSERT_TRUE(p.start(false).ok());
    EXPECT_EQ(p.applied_position(), last);
    before = read_all(p);
    p.stop();
  }
  EXPECT_EQ(before["overview"]["conversations"], 20) << before.dump();
  EXPECT_EQ(before["overview"]["messages"]["agent"], 20);
  EXPECT_EQ(before["overview"]["by_country"], (json{{"DE", 10}, {"FR", 10}}));
  stats_projection q{*s.log, 0ms};
  ASSERT_TRUE(q.start(false).ok());
  EXPECT_EQ(q.applied_position(), last);
  EXPECT_EQ(read_all(q), before) << "a refold would count the messages twice";
}

TEST(StatsProjection, FoldsWhileRunning_AreSavedWhenItStops) {
  test::store s;
  event_maker m;
  append(s, a_day(m, 2));
  std::uint64_t last = 0;
  json before;
  {
    stats_projection p{*s.log, 0ms};
    ASSERT_TRUE(p.start(false).ok());
    last = append(s, {m.message("cv_0", "visitor", "vi_0", kT0 + 10'000),
                      m.message("cv_1", "agent", "us_1", kT0 + 610'000)});
    p.notify(last);
    std::promise<bool> applied;
    p.when_applied(last, std::chrono::steady_clock::now() + 5s,
                   [&](bool ok) { applied.set_value(ok); });
    ASSERT_TRUE(applied.get_future().get());
    before = read_all(p);
    p.stop();
  }
  std::string ckpt;
  ASSERT_TRUE(
      s.log->models_db()->Get(rocksdb::ReadOptions{}, s.log->models_cf(), "stats/checkpoint", &ckpt).ok());
  EXPECT_EQ(events::keys::get_u64(ckpt), last) << "the checkpoint was not saved on stop";
  stats_projection q{*s.log, 0ms};
  ASSERT_TRUE(q.start(false).ok());
  EXPECT_EQ(read_all(q), before);
  EXPECT_EQ(read_all(q)["overview"]["messages"]["visitor"], 3);
}

TEST(StatsProjection, ARebuildFromZero_GivesTheSameAnswer) {
  test::store s;
  event_maker m;
  append(s, a_day(m, 30));
  json before;
  {
    stats_projection p{*s.log, 0ms};
    ASSERT_TRUE(p.start(false).ok());
    before = read_all(p);
  }
  stats_projection q{*s.log, 0ms};
  ASSERT_TRUE(q.start(true).ok());
  EXPECT_EQ(read_all(q), before);
}

TEST(StatsProjection, AnOtherVersionOnDisk_IsWipedAndFoldedAgainFromZero) {
  test::store s;
  event_maker m;
  auto last = append(s, a_day(m, 5));
  json before;
  {
    stats_projection p{*s.log, 0ms};
    ASSERT_TRUE(p.start(false).ok());
    before = read_all(p);
  }
  rocksdb::WriteOptions wo;
  wo.sync = true;
  ASSERT_TRUE(s.log->models_db()->Put(wo, s.log->models_cf(), "stats/version", "0").ok());
  stats_projection q{*s.log, 0ms};
  ASSERT_TRUE(q.start(false).ok());
  EXPECT_EQ(q.applied_position(), last);
  EXPECT_EQ(read_all(q), before) << "old pieces left behind would count twice";
  std::string version;
  ASSERT_TRUE(
      s.log->models_db()->Get(rocksdb::ReadOptions{}, s.log->models_cf(), "stats/version", &version).ok());
  EXPECT_EQ(version, std::to_string(kStatsVersion));
}

TEST(StatsProjection, AReaderWaitingForAPosition_IsServedWithoutWaitingOutTheRest) {
  test::store s;
  event_maker m;
  append(s, a_day(m, 1));
  stats_projection p{*s.log, 10s};  // rests 10 s between folds
  ASSERT_TRUE(p.start(false).ok());
  auto first = append(s, {m.seen("vi_7", kT0, "US")});
  p.notify(first);  // folds at once (the runner was idle), then rests
  std::promise<void> one;
  p.when_applied(first, std::chrono::steady_clock::now() + 30s, [&](bool) { one.set_value(); });
  one.get_future().wait();
  auto second = append(s, {m.seen("vi_8", kT0, "US")});
  p.notify(second);  // the runner rests: no fold yet
  std::promise<bool> applied;
  p.when_applied(second, std::chrono::steady_clock::now() + 30s,
                 [&](bool ok) { applied.set_value(ok); });
  auto f = applied.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready) << "the waiter sat out the 10 s rest";
  EXPECT_TRUE(f.get());
  EXPECT_EQ(p.overview("ws_1", kT0, kT0 + 3'600'000, "", 0, kT0)["by_country"]["US"], 2);
  p.stop();
}

TEST(StatsProjection, ReadsWhileItFolds_NeverSeeCountsGoBack) {
  test::store s;
  event_maker m;
  stats_projection p{*s.log, 0ms};
  ASSERT_TRUE(p.start(false).ok());
  std::atomic<bool> done{false};
  std::int64_t last_seen = 0;
  bool went_back = false;
  std::thread reader([&] {
    while (!done) {
      auto n = p.overview("ws_1", kT0 - kDayMs, kT0 + kDayMs, "", 0, kT0)["conversations"]
                   .get<std::int64_t>();
      went_back |= n < last_seen;
      last_seen = n;
    }
  });
  std::uint64_t last = 0;
  auto all = a_day(m, 100);
  for (std::size_t i = 0; i < all.size(); i += 60) {
    last = append(s, {all.begin() + i, all.begin() + std::min(all.size(), i + 60)});
    p.notify(last);
  }
  std::promise<bool> applied;
  p.when_applied(last, std::chrono::steady_clock::now() + 10s, [&](bool ok) { applied.set_value(ok); });
  EXPECT_TRUE(applied.get_future().get());
  done = true;
  reader.join();
  EXPECT_FALSE(went_back);
  EXPECT_EQ(p.overview("ws_1", kT0 - kDayMs, kT0 + kDayMs, "", 0, kT0)["conversations"], 100);
  p.stop();
}

TEST(StatsProjection, AWaiterForAPositionNeverWritten_IsToldFalseAtItsDeadline) {
  test::store s;
  stats_projection p{*s.log, 0ms};
  ASSERT_TRUE(p.start(false).ok());
  std::promise<bool> applied;
  p.when_applied(1'000, std::chrono::steady_clock::now() + 100ms,
                 [&](bool ok) { applied.set_value(ok); });
  auto f = applied.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_FALSE(f.get());
  EXPECT_TRUE(p.healthy());
}

TEST(StatsProjection, AReaderOfAPositionAlreadyFolded_IsServedAtOnce) {
  test::store s;
  event_maker m;
  auto last = append(s, a_day(m, 1));
  stats_projection p{*s.log, 0ms};
  ASSERT_TRUE(p.start(false).ok());
  bool called = false, result = false;
  p.when_applied(last, std::chrono::steady_clock::now() + 1s, [&](bool ok) {
    called = true;
    result = ok;
  });
  EXPECT_TRUE(called && result);
}

}  // namespace
}  // namespace sb::projections
