// Every bad frame of PROTOCOL.md gets the documented error and changes nothing.
// Runs ws_connection against the real storage and actors, without sockets (the transport-level
// cases, oversized frames, invalid UTF-8 and binary frames, are in tests/integration).
#include <gtest/gtest.h>

#include <set>

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <nlohmann/json.hpp>

#include "actors/chat_service.hpp"
#include "actors/directory.hpp"
#include "actors/files/file_store.hpp"
#include "actors/tokens.hpp"
#include "events/blocking_pool.hpp"
#include "events/group_commit_writer.hpp"
#include "events/log.hpp"
#include "http/app.hpp"
#include "http/metrics.hpp"
#include "http/ws_connection.hpp"
#include "http/staff_sockets.hpp"
#include "projections/history_projection.hpp"
#include "tests/support/store.hpp"

namespace sb::http {
namespace {
using json = nlohmann::json;

// Collects what the connection sends; runs strand work on the test thread.
class fake_transport : public ws_transport {
 public:
  void send(std::shared_ptr<const std::string> frame, bool) override {
    auto f = json::parse(*frame);
    if (ignored.count(f.value("type", ""))) pushed.push_back(std::move(f));
    else sent.push_back(std::move(f));
  }
  // The router's frames (queue, presence, queue_position) go to `pushed`, so that tests of
  // other frames count only theirs.
  std::set<std::string> ignored{"queue", "presence", "queue_position"};
  std::vector<json> pushed;
  void dispatch(std::function<void()> fn) override {
    std::lock_guard lock{mutex_};
    work_.push_back(std::move(fn));
    cv_.notify_one();
  }
  void close(std::uint16_t code, std::string) override { close_code = code; }
  void close_at(std::chrono::system_clock::time_point when, std::uint16_t code, std::string) override {
    close_at_time = when;
    close_at_code = code;
  }
  std::optional<std::chrono::system_clock::time_point> close_at_time;
  std::uint16_t close_at_code = 0;

  // Runs posted work until `pred` holds or 5 s pass.
  bool pump_until(const std::function<bool()>& pred) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!pred()) {
      std::function<void()> fn;
      {
        std::unique_lock lock{mutex_};
        if (!cv_.wait_until(lock, deadline, [&] { return !work_.empty(); })) return pred();
        fn = std::move(work_.front());
        work_.pop_front();
      }
      fn();
    }
    return true;
  }
  // Runs what is queued now, without waiting for more.
  void drain() {
    for (;;) {
      std::function<void()> fn;
      {
        std::lock_guard lock{mutex_};
        if (work_.empty()) return;
        fn = std::move(work_.front());
        work_.pop_front();
      }
      fn();
    }
  }

  std::vector<json> sent;
  int close_code = 0;

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> work_;
};

class WsProtocol : public ::testing::Test {
 protected:
  void SetUp() override {
    workspace_ = store_.bootstrap();
    ASSERT_FALSE(workspace_.empty());
    history_ = std::make_unique<projections::history_projection>(*store_.log);
    ASSERT_TRUE(history_->start(false).ok());
    store_.writer->on_commit([this](std::uint64_t p) { history_->notify(p); });
    std::promise<write_result> w;
    store_.directory().create_widget(workspace_, json::object(), [&](const write_result& r) { w.set_value(r); });
    site_key_ = w.get_future().get().object["site_key"];
    chat_options opts;
    opts.typing_timeout = std::chrono::milliseconds(300);  // 10 s in production
    tune(opts);
    chat_ = std::make_unique<chat_service>(*store_.log, *store_.writer, readers_, store_.directory(), opts);
    app_ = std::make_unique<app>(app{*store_.log, *store_.writer, readers_, crypto_, *chat_, store_.directory(), *history_,
                                     tokens_, stats_, staff_, files_, {}});
  }
  virtual void tune(chat_options&) {}
  void TearDown() override {
    chat_.reset();
    store_.writer->stop();
    history_->stop();
  }

  std::shared_ptr<ws_connection> visitor(std::shared_ptr<fake_transport>& t) {
    t = std::make_shared<fake_transport>();
    return std::make_shared<ws_connection>(*app_, ws_connection::kind::visitor, t, site_key_, workspace_);
  }
  // Sends `frame` and waits until `n` frames in total have come back.
  const json& exchange(ws_connection& c, fake_transport& t, const std::string& frame, std::size_t n) {
    c.on_text(frame);
    EXPECT_TRUE(t.pump_until([&] { return t.sent.size() >= n; })) << "no answer to " << frame;
    static const json none;
    return t.sent.size() >= n ? t.sent[n - 1] : none;
  }

  test::store store_;
  std::unique_ptr<projections::history_projection> history_;
  token_signer tokens_{token_signer::generate_key()};
  events::blocking_pool readers_{1};
  events::blocking_pool crypto_{1};
  metrics stats_;
  staff_sockets staff_;
  files::file_store files_{*store_.log, *store_.writer, readers_, {store_.dir.path() + "/files"}};
  std::unique_ptr<chat_service> chat_;
  std::unique_ptr<app> app_;
  std::string workspace_, site_key_;
};

TEST_F(WsProtocol, BadFrames_GetAnErrorFrameAndChangeNothing) {
  std::shared_ptr<fake_transport> t;
  auto c = visitor(t);
  ASSERT_EQ(exchange(*c, *t, R"({"type":"hello"})", 1)["type"], "welcome");
  ASSERT_EQ(exchange(*c, *t, R"({"type":"message","client_msg_id":"c1","text":"first"})", 2)["type"], "ack");
  ASSERT_TRUE(t->pump_until([&] { return t->sent.size() >= 4; }));  // message + status frames
  auto position = store_.writer->last_position();

  struct bad_case {
    const char* frame;
    const char* code;
  } cases[] = {
      {"not json", "bad_request"},
      {"[1,2,3]", "bad_request"},
      {"42", "bad_request"},
      {R"({"no_type":1})", "bad_request"},
      {R"({"type":7})", "bad_request"},
      {R"({"type":"launch_rockets"})", "bad_request"},
      {R"({"type":"message","client_msg_id":"c2"})", "bad_request"},
      {R"({"type":"message","client_msg_id":"c2","text":42})", "bad_request"},
      {R"({"type":"message","text":"no id"})", "bad_request"},
      {R"({"type":"message","client_msg_id":5,"text":"x"})", "bad_request"},
      {R"({"type":"message","client_msg_id":"c2","text":""})", "bad_request"},
      {R"({"type":"typing","on":"yes"})", "bad_request"},
      {R"({"type":"read","seq":-1})", "bad_request"},
      {R"({"type":"read","seq":999})", "bad_request"},
      {R"({"type":"hello"})", "conflict"},
  };
  std::size_t n = t->sent.size();
  for (auto& bc : cases) {
    auto& f = exchange(*c, *t, bc.frame, ++n);
    EXPECT_EQ(f["type"], "error") << bc.frame;
    EXPECT_EQ(f["code"], bc.code) << bc.frame;
  }
  std::string long_text(4001, 'x');
  auto& f = exchange(*c, *t, json{{"type", "message"}, {"client_msg_id", "c3"}, {"text", long_text}}.dump(), ++n);
  EXPECT_EQ(f["code"], "too_large");
  EXPECT_EQ(f["ref"], "c3");
  EXPECT_EQ(store_.writer->last_position(), position) << "a bad frame wrote to the log";
  // and the socket is still usable
  EXPECT_EQ(exchange(*c, *t, R"({"type":"ping","id":"p"})", ++n)["type"], "pong");
}

TEST_F(WsProtocol, FramesBeforeHello_AreRefused) {
  std::shared_ptr<fake_transport> t;
  auto c = visitor(t);
  auto& f = exchange(*c, *t, R"({"type":"message","client_msg_id":"c1","text":"hi"})", 1);
  EXPECT_EQ(f["code"], "unauthorized");
  EXPECT_EQ(f["ref"], "c1");
}

TEST_F(WsProtocol, AgentWithABadToken_IsToldAndClosedWith4401) {
  auto t = std::make_shared<fake_transport>();
  auto c = std::make_shared<ws_connection>(*app_, ws_connection::kind::agent, t);
  auto& f = exchange(*c, *t, R"({"type":"hello","token":"forged.token"})", 1);
  EXPECT_EQ(f["code"], "unauthorized");
  EXPECT_EQ(t->close_code, 4401);
}

TEST_F(WsProtocol, TokenOfAnotherWorkspace_IsRefused) {
  std::shared_ptr<fake_transport> vt;
  auto v = visitor(vt);
  exchange(*v, *vt, R"({"type":"hello"})", 1);
  auto ack = exchange(*v, *vt, R"({"type":"message","client_msg_id":"c1","text":"secret"})", 2);
  std::string cid = ack["conversation_id"];
  // a token for a user of a workspace that does not own this conversation
  auto foreign = tokens_.issue({{"typ", "staff"}, {"sub", "us_nobody"}, {"wsp", "ws_other"},
                                {"jti", "tk_1"}, {"exp", unix_ms() + 60000}});
  auto t = std::make_shared<fake_transport>();
  auto c = std::make_shared<ws_connection>(*app_, ws_connection::kind::agent, t);
  EXPECT_EQ(exchange(*c, *t, json{{"type", "hello"}, {"token", foreign}}.dump(), 1)["code"], "unauthorized");
  EXPECT_EQ(t->close_code, 4401);
}

TEST_F(WsProtocol, AgentWelcome_ListsTheQueueOldestFirst) {
  std::vector<std::string> opened;
  std::vector<std::shared_ptr<ws_connection>> keep;
  for (int i = 0; i < 3; ++i) {
    std::shared_ptr<fake_transport> t;
    auto v = visitor(t);
    exchange(*v, *t, R"({"type":"hello"})", 1);
    opened.push_back(exchange(*v, *t, R"({"type":"message","client_msg_id":"c","text":"hi"})", 2)["conversation_id"]);
    keep.push_back(v);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // distinct creation times
  }
  auto staff_token = issue_staff_token(*app_, store_.directory().user_by_email("admin@example.com")->id, workspace_);
  // the read model must have the three conversations before the agent says hello
  std::promise<bool> caught_up;
  history_->when_applied(store_.writer->last_position(), std::chrono::steady_clock::now() + std::chrono::seconds(5),
                         [&](bool ok) { caught_up.set_value(ok); });
  ASSERT_TRUE(caught_up.get_future().get());
  auto t = std::make_shared<fake_transport>();
  auto c = std::make_shared<ws_connection>(*app_, ws_connection::kind::agent, t);
  auto& w = exchange(*c, *t, json{{"type", "hello"}, {"token", staff_token}}.dump(), 1);
  ASSERT_EQ(w["type"], "welcome");
  auto& q = w["queue"]["waiting"];
  ASSERT_EQ(q.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(q[i]["conversation_id"], opened[i]);
    EXPECT_EQ(q[i]["position"], i + 1);
  }
}

TEST_F(WsProtocol, AgentSocket_IsRegisteredUntilClosedAndClosesItselfWhenItsTokenExpires) {
  auto staff_token = issue_staff_token(*app_, store_.directory().user_by_email("admin@example.com")->id, workspace_);
  auto claims = tokens_.verify(staff_token, 0);
  ASSERT_TRUE(claims);
  auto t = std::make_shared<fake_transport>();
  auto c = std::make_shared<ws_connection>(*app_, ws_connection::kind::agent, t);
  ASSERT_EQ(exchange(*c, *t, json{{"type", "hello"}, {"token", staff_token}}.dump(), 1)["type"], "welcome");
  ASSERT_TRUE(t->close_at_time);
  EXPECT_EQ(t->close_at_code, 4401);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(t->close_at_time->time_since_epoch()).count(),
            (*claims)["exp"].get<std::int64_t>());
  EXPECT_EQ(staff_.size(), 1u);
  EXPECT_EQ(staff_.close_token((*claims)["jti"].get<std::string>(), 4401, "logged out"), 1u);
  ASSERT_TRUE(t->pump_until([&] { return t->close_code == 4401; }));
  c->on_close();
  EXPECT_EQ(staff_.size(), 0u);
}

// A visitor with an open conversation, and the admin's agent socket watching it.
struct watched_conversation {
  std::shared_ptr<fake_transport> vt, at;
  std::shared_ptr<ws_connection> visitor, agent;
  std::string id;
};

TEST_F(WsProtocol, TypingReachesTheOtherSideAndTurnsItselfOffAfterTheTimeout) {
  watched_conversation w;
  w.visitor = visitor(w.vt);
  exchange(*w.visitor, *w.vt, R"({"type":"hello"})", 1);
  w.id = exchange(*w.visitor, *w.vt, R"({"type":"message","client_msg_id":"c","text":"hi"})", 2)["conversation_id"];
  w.at = std::make_shared<fake_transport>();
  w.agent = std::make_shared<ws_connection>(*app_, ws_connection::kind::agent, w.at);
  auto token = issue_staff_token(*app_, store_.directory().user_by_email("admin@example.com")->id, workspace_);
  exchange(*w.agent, *w.at, json{{"type", "hello"}, {"token", token}}.dump(), 1);
  // subscribe: the backlog is the message (seq 1) and the waiting status (seq 2)
  exchange(*w.agent, *w.at, json{{"type", "subscribe"}, {"conversation_id", w.id}, {"after_seq", 0}}.dump(), 3);

  auto started = std::chrono::steady_clock::now();
  w.visitor->on_text(R"({"type":"typing","on":true})");
  ASSERT_TRUE(w.at->pump_until([&] { return w.at->sent.size() >= 4; }));
  EXPECT_EQ(w.at->sent[3]["type"], "typing");
  EXPECT_EQ(w.at->sent[3]["on"], true);
  EXPECT_EQ(w.at->sent[3]["sender"]["kind"], "visitor");
  ASSERT_TRUE(w.at->pump_until([&] { return w.at->sent.size() >= 5; }));
  EXPECT_EQ(w.at->sent[4]["type"], "typing");
  EXPECT_EQ(w.at->sent[4]["on"], false) << "the server turns typing off by itself";
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(250));
  // the typist does not get its own typing frames
  w.vt->drain();
  for (auto& f : w.vt->sent) EXPECT_NE(f["type"], "typing") << f.dump();
}

TEST_F(WsProtocol, ReadMarkers_ReachTheOtherSideAndClearUnread) {
  std::shared_ptr<fake_transport> vt;
  auto v = visitor(vt);
  exchange(*v, *vt, R"({"type":"hello"})", 1);
  std::string cid = exchange(*v, *vt, R"({"type":"message","client_msg_id":"c","text":"hi"})", 2)["conversation_id"];
  ASSERT_TRUE(vt->pump_until([&] { return vt->sent.size() >= 4; }));  // message + status
  auto at = std::make_shared<fake_transport>();
  auto agent = std::make_shared<ws_connection>(*app_, ws_connection::kind::agent, at);
  auto token = issue_staff_token(*app_, store_.directory().user_by_email("admin@example.com")->id, workspace_);
  exchange(*agent, *at, json{{"type", "hello"}, {"token", token}}.dump(), 1);
  exchange(*agent, *at, json{{"type", "subscribe"}, {"conversation_id", cid}, {"after_seq", 0}}.dump(), 3);
  auto unread_now = [&] {
    std::promise<bool> caught_up;
    history_->when_applied(store_.writer->last_position(),
                           std::chrono::steady_clock::now() + std::chrono::seconds(5),
                           [&](bool ok) { caught_up.set_value(ok); });
    EXPECT_TRUE(caught_up.get_future().get());
    return history_->list(workspace_, "", 10, "")["items"][0]["unread"].get<int>();
  };
  EXPECT_EQ(unread_now(), 1);
  agent->on_text(json{{"type", "read"}, {"conversation_id", cid}, {"seq", 1}}.dump());
  ASSERT_TRUE(vt->pump_until([&] { return vt->sent.size() >= 5; }));
  auto& r = vt->sent[4];
  EXPECT_EQ(r["type"], "read");
  EXPECT_EQ(r["reader"]["kind"], "agent");
  EXPECT_EQ(r["seq"], 1);
  EXPECT_EQ(unread_now(), 0) << "the read model counts the visitor's message as read";
  // A second tab (or a reload) resuming the conversation gets the agent's latest read marker.
  std::shared_ptr<fake_transport> t2;
  auto again = visitor(t2);
  exchange(*again, *t2, json{{"type", "hello"}, {"visitor_token", vt->sent[0]["visitor_token"]},
                             {"resume", {{"conversation_id", cid}, {"after_seq", 0}}}}.dump(), 1);
  EXPECT_TRUE(t2->pump_until([&] {
    for (auto& f : t2->sent)
      if (f.value("type", "") == "read" && f.value("seq", 0) == 1) return true;
    return false;
  })) << "a resumed socket hears the other side's read marker";
}

TEST_F(WsProtocol, FloodOfFrames_IsRateLimited) {
  app_->lim.ws_frames_per_second = 5;  // bursts of 10
  std::shared_ptr<fake_transport> t;
  auto c = visitor(t);
  for (int i = 0; i < 30; ++i) c->on_text(R"({"type":"ping","id":"p"})");
  int limited = 0;
  for (auto& f : t->sent) limited += f.value("code", "") == "rate_limited";
  EXPECT_GE(limited, 15);
}

TEST_F(WsProtocol, ANewcomerToTheQueue_HearsItsPlaceEveryTime) {
  // The router may tell the place before the visitor's socket watches its new conversation.
  std::vector<std::pair<std::shared_ptr<ws_connection>, std::shared_ptr<fake_transport>>> keep;
  for (std::size_t i = 1; i <= 12; ++i) {
    std::shared_ptr<fake_transport> t;
    auto v = visitor(t);
    exchange(*v, *t, R"({"type":"hello"})", 1);
    exchange(*v, *t, R"({"type":"message","client_msg_id":"c","text":"hi"})", 2);
    EXPECT_TRUE(t->pump_until([&] {
      for (auto& f : t->pushed)
        if (f.value("type", "") == "queue_position" && f.value("position", 0u) == i) return true;
      return false;
    })) << "visitor " << i << " never heard its place";
    keep.emplace_back(v, t);
  }
}

class WsProtocolShortIdle : public WsProtocol {
 protected:
  void tune(chat_options& o) override { o.actor_idle = std::chrono::milliseconds(200); }
};

TEST_F(WsProtocolShortIdle, AVisitorBackAfterItsConversationWasUnloaded_HearsItsPlaceAgain) {
  std::vector<std::pair<std::shared_ptr<ws_connection>, std::shared_ptr<fake_transport>>> first;
  for (int i = 0; i < 2; ++i) {
    std::shared_ptr<fake_transport> t;
    auto v = visitor(t);
    exchange(*v, *t, R"({"type":"hello"})", 1);
    exchange(*v, *t, R"({"type":"message","client_msg_id":"c","text":"hi"})", 2);
    first.emplace_back(v, t);
  }
  std::string token = first[1].second->sent[0]["visitor_token"];
  std::string cid = first[1].second->sent[1]["conversation_id"];
  ASSERT_TRUE(first[1].second->pump_until([&] {
    for (auto& f : first[1].second->pushed)
      if (f.value("type", "") == "queue_position" && f.value("position", 0) == 2) return true;
    return false;
  }));
  for (auto& [c, t] : first) c->on_close();
  first.clear();
  // The actors stop once idle and unwatched; a new socket brings the second one back.
  for (int i = 0; i < 250 && chat_->live_actors() != 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(chat_->live_actors(), 0u);
  std::shared_ptr<fake_transport> t;
  auto v = visitor(t);
  exchange(*v, *t, json{{"type", "hello"}, {"visitor_token", token}, {"resume", {{"conversation_id", cid}, {"after_seq", 0}}}}.dump(), 1);
  EXPECT_TRUE(t->pump_until([&] {
    for (auto& f : t->pushed)
      if (f.value("type", "") == "queue_position" && f.value("position", 0) == 2) return true;
    return false;
  })) << "the visitor back in a reloaded conversation hears its place";
}

TEST_F(WsProtocolShortIdle, ReadMarkers_SurviveTheConversationBeingUnloaded) {
  std::shared_ptr<fake_transport> vt;
  auto v = visitor(vt);
  exchange(*v, *vt, R"({"type":"hello"})", 1);
  std::string cid = exchange(*v, *vt, R"({"type":"message","client_msg_id":"c","text":"hi"})", 2)["conversation_id"];
  std::string token = vt->sent[0]["visitor_token"];
  auto at = std::make_shared<fake_transport>();
  auto agent = std::make_shared<ws_connection>(*app_, ws_connection::kind::agent, at);
  exchange(*agent, *at, json{{"type", "hello"}, {"token", issue_staff_token(*app_, store_.directory().user_by_email("admin@example.com")->id, workspace_)}}.dump(), 1);
  agent->on_text(json{{"type", "read"}, {"conversation_id", cid}, {"seq", 1}}.dump());
  ASSERT_TRUE(vt->pump_until([&] {
    for (auto& f : vt->sent)
      if (f.value("type", "") == "read") return true;
    return false;
  }));
  v->on_close();
  agent->on_close();
  for (int i = 0; i < 250 && chat_->live_actors() != 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(chat_->live_actors(), 0u);
  std::shared_ptr<fake_transport> t;
  auto back = visitor(t);
  exchange(*back, *t, json{{"type", "hello"}, {"visitor_token", token}, {"resume", {{"conversation_id", cid}, {"after_seq", 0}}}}.dump(), 1);
  EXPECT_TRUE(t->pump_until([&] {
    for (auto& f : t->sent)
      if (f.value("type", "") == "read" && f.value("seq", 0) == 1 && f["reader"]["kind"] == "agent") return true;
    return false;
  })) << "the marker is read back from the stream";
}

class WsProtocolShortReopen : public WsProtocol {
 protected:
  void tune(chat_options& o) override { o.reopen_window = std::chrono::milliseconds(300); }
};

TEST_F(WsProtocolShortReopen, ClosedConversationsPastTheReopenWindow_AreForgottenAndStartAfresh) {
  std::shared_ptr<fake_transport> at;
  auto a = visitor(at);
  exchange(*a, *at, R"({"type":"hello"})", 1);
  std::string first = exchange(*a, *at, R"({"type":"message","client_msg_id":"a1","text":"hi"})", 2)["conversation_id"];
  a->on_text(R"({"type":"close"})");
  ASSERT_TRUE(at->pump_until([&] {
    for (auto& f : at->sent)
      if (f.value("type", "") == "status" && f.value("status", "") == "closed") return true;
    return false;
  }));
  EXPECT_EQ(chat_->tracked_visitors(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  std::shared_ptr<fake_transport> bt;
  auto b = visitor(bt);
  exchange(*b, *bt, R"({"type":"hello"})", 1);
  exchange(*b, *bt, R"({"type":"message","client_msg_id":"b1","text":"hello"})", 2);
  EXPECT_EQ(chat_->tracked_visitors(), 1u) << "the visitor closed past the window is forgotten";
  auto n = at->sent.size();
  auto& ack = exchange(*a, *at, R"({"type":"message","client_msg_id":"a2","text":"again"})", n + 1);
  ASSERT_EQ(ack.value("type", ""), "ack");
  EXPECT_NE(ack["conversation_id"], first) << "too late to reopen: a new conversation";
  EXPECT_EQ(chat_->tracked_visitors(), 2u);
}

}  // namespace
}  // namespace sb::http
