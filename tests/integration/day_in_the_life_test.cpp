// A day in the life, end to end over real sockets: visitors open the widget, fill the prechat
// form, wait in the queue (positions), get auto-assigned as slots free, a transfer, a private
// note the visitor never sees, closes; then the stats read model says exactly what happened
// (read with min_position), with country and city from a GeoIP database made for the test.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "tests/integration/support/server_fixture.hpp"

namespace switchboard::integration {
namespace {
using namespace std::chrono_literals;

std::string make_geoip_fixture() {
  auto path = (std::filesystem::temp_directory_path() / ("sb-geo-" + std::to_string(::getpid()) + ".mmdb")).string();
  std::string cmd = std::string(MAKE_MMDB_BINARY) + " " + path + " 127.0.0.1/32=DE:Berlin 10.0.0.0/8=FR:Paris";
  if (std::system(cmd.c_str()) != 0) ADD_FAILURE() << "make_mmdb failed: " << cmd;
  return path;
}

class DayInTheLife : public server_fixture {
 protected:
  DayInTheLife() : geo_(make_geoip_fixture()) { extra_server_args_ = {"--geoip-db", geo_}; }
  ~DayInTheLife() override { std::filesystem::remove(geo_); }

  std::unique_ptr<chat_peer> arrive(const std::string& name, const std::string& email) {
    auto v = connect_visitor({{"type", "hello"}}, name);
    if (!v) return nullptr;
    v->send({{"type", "open"}, {"page_url", "https://shop.example/pricing"}});
    v->send({{"type", "identify"}, {"id", "id-" + name}, {"name", name}, {"email", email}});
    auto answer = v->next([&](const json& f) { return f.value("type", "") == "visitor" || f.value("type", "") == "error"; });
    EXPECT_TRUE(answer && (*answer)["type"] == "visitor") << v->describe();
    return v;
  }
  std::optional<json> assigned(chat_peer& agent, const std::string& cid) {
    return agent.next([&](const json& f) { return f.value("type", "") == "assigned" && id_of(f["conversation"]["id"]) == cid; });
  }
  std::optional<json> position(chat_peer& v, const std::string& cid) {
    return v.next([&](const json& f) { return f.value("type", "") == "queue_position" && id_of(f["conversation_id"]) == cid; });
  }

  std::string geo_;
};

TEST_F(DayInTheLife, FromTheWidgetToTheNumbers) {
  auto patch = http().request("PATCH", api("/widgets/" + site_key_),
                              json{{"prechat", {{"enabled", true}, {"fields", {{{"name", "email"}, {"label", "Email"}, {"type", "email"}, {"required", true}}}}}}},
                              admin_token_);
  ASSERT_EQ(patch.status, 200) << patch.describe();
  ASSERT_EQ(http().request("PATCH", api("/workspace"), json{{"routing", "auto"}, {"default_capacity", 1}}, admin_token_).status, 200);
  auto ann = create_agent("ann@switchboard.test", "Ann"), bob = create_agent("bob@switchboard.test", "Bob");
  auto ann_socket = connect_agent(ann, "ann"), bob_socket = connect_agent(bob, "bob");
  ASSERT_TRUE(ann_socket && bob_socket);
  bob_socket->send({{"type", "presence"}, {"status", "away"}});  // Bob takes no new chats
  auto away = ann_socket->next([](const json& f) { return f.value("type", "") == "presence" && f["presence"] == "away"; });
  ASSERT_TRUE(away) << ann_socket->describe();
  EXPECT_EQ((*away)["name"], "Bob") << "colleagues are named (agents may not read /users)";

  // The prechat form's required email is enforced.
  auto lazy = connect_visitor({{"type", "hello"}}, "lazy");
  ASSERT_TRUE(lazy);
  lazy->send({{"type", "identify"}, {"id", "i1"}, {"name", "No Email"}});
  auto refused = lazy->next(is_type("error"));
  ASSERT_TRUE(refused) << lazy->describe();
  EXPECT_EQ((*refused)["code"], "bad_request");
  EXPECT_EQ((*refused)["ref"], "i1");
  lazy->send({{"type", "identify"}, {"id", "i2"}, {"email", "not-an-email"}});
  auto bad_email = lazy->next(is_type("error"));
  ASSERT_TRUE(bad_email);
  lazy.reset();

  auto alice = arrive("Alice", "alice@example.com"), brian = arrive("Brian", "brian@example.com"),
       chloe = arrive("Chloe", "chloe@example.com");
  ASSERT_TRUE(alice && brian && chloe);
  auto ca = open_conversation(*alice, "a1", "Where is my order?");
  auto given = assigned(*ann_socket, ca);
  ASSERT_TRUE(given) << ann_socket->describe();
  EXPECT_EQ((*given)["conversation"]["visitor"]["name"], "Alice") << "staff see the name the visitor gave";
  EXPECT_EQ((*given)["conversation"]["visitor"]["email"], "alice@example.com");
  auto cb = open_conversation(*brian, "b1", "Do you ship to Canada?");
  auto cc = open_conversation(*chloe, "c1", "Can I change my plan?");
  auto pb = position(*brian, cb), pc = position(*chloe, cc);
  ASSERT_TRUE(pb && pc) << brian->describe() << chloe->describe();
  EXPECT_EQ((*pb)["position"], 1);
  EXPECT_EQ((*pc)["position"], 2) << "Chloe waits at position 2";
  auto shown = bob_socket->next([&](const json& f) {
    return f.value("type", "") == "queue" && f["waiting"].size() == 2 && f["waiting"][1]["conversation_id"] == cc;
  });
  ASSERT_TRUE(shown) << bob_socket->describe();
  EXPECT_EQ((*shown)["waiting"][0]["visitor"]["name"], "Brian");
  EXPECT_EQ((*shown)["waiting"][1]["visitor"]["email"], "chloe@example.com");
  auto late = connect_agent(bob, "bob-late");  // a welcome lists names too
  ASSERT_TRUE(late);
  EXPECT_EQ(late->welcome()["queue"]["waiting"][0]["visitor"]["name"], "Brian") << late->describe();
  bool listed = false;
  for (auto& c : late->welcome()["conversations"])
    if (c["id"] == ca) listed = c["visitor"]["name"] == "Alice";
  EXPECT_TRUE(listed) << late->welcome().dump();

  // Ann resolves Alice: Brian is hers at once, Chloe moves up.
  auto reply = http().post(api("/conversations/" + ca + "/messages"), {{"client_msg_id", "r1"}, {"text", "It ships today."}}, ann);
  ASSERT_EQ(reply.status, 201) << reply.describe();
  ASSERT_EQ(http().post(api("/conversations/" + ca + "/close"), json::object(), ann).status, 200);
  ASSERT_TRUE(assigned(*ann_socket, cb)) << ann_socket->describe();
  auto up = position(*chloe, cc);
  ASSERT_TRUE(up);
  EXPECT_EQ((*up)["position"], 1);

  // Ann transfers Brian to Bob (away: he takes no new chats from the queue, but a colleague
  // may hand him one), which frees her slot for Chloe.
  auto bob_id = id_of(http().get(api("/me"), bob).body["id"]);
  auto t = http().post(api("/conversations/" + cb + "/transfer"), {{"to_user_id", bob_id}}, ann);
  ASSERT_EQ(t.status, 200) << t.describe();
  ASSERT_TRUE(assigned(*bob_socket, cb)) << bob_socket->describe();
  ASSERT_TRUE(assigned(*ann_socket, cc)) << ann_socket->describe();

  // A private note on Chloe's conversation, then a real answer.
  auto note = http().post(api("/conversations/" + cc + "/messages"),
                          {{"client_msg_id", "n1"}, {"text", "She is on the old plan"}, {"private", true}}, ann);
  ASSERT_EQ(note.status, 201) << note.describe();
  ASSERT_EQ(http().post(api("/conversations/" + cc + "/messages"), {{"client_msg_id", "r2"}, {"text", "Yes you can."}}, ann).status, 201);
  ASSERT_EQ(http().post(api("/conversations/" + cb + "/messages"), {{"client_msg_id", "r3"}, {"text", "We do."}}, bob).status, 201);
  ASSERT_TRUE(chloe->next(is_message(cc, "r2"))) << chloe->describe();
  for (auto& f : chloe->received()) EXPECT_NE(f.value("client_msg_id", ""), "n1") << "the visitor saw a private note";

  ASSERT_EQ(http().post(api("/conversations/" + cb + "/close"), json::object(), bob).status, 200);
  auto last = http().post(api("/conversations/" + cc + "/close"), json::object(), ann);
  ASSERT_EQ(last.status, 200) << last.describe();
  auto pos = std::to_string(last.body["position"].get<int64_t>());

  // The numbers: exactly this day.
  auto o = http().get(api("/stats/overview?min_position=" + pos), admin_token_);
  ASSERT_EQ(o.status, 200) << o.describe();
  auto& b = o.body;
  EXPECT_EQ(b["visitors"], 4) << b.dump();  // Alice, Brian, Chloe and the lazy one
  EXPECT_EQ(b["widget_opens"], 3) << b.dump();
  EXPECT_EQ(b["conversations"], 3) << b.dump();
  EXPECT_EQ(b["messages"]["visitor"], 3) << b.dump();
  EXPECT_EQ(b["messages"]["agent"], 3) << "the private note is not a message: " << b.dump();
  EXPECT_EQ(b["messages"]["bot"], 0) << b.dump();
  EXPECT_EQ(b["sessions"], 3) << b.dump();
  EXPECT_DOUBLE_EQ(b["conversion_rate"].get<double>(), 0.75) << b.dump();
  EXPECT_EQ(b["by_channel"]["web"], 3) << b.dump();
  EXPECT_EQ(b["by_country"]["DE"], 4) << "127.0.0.1 is in Berlin in the test database: " << b.dump();
  EXPECT_FALSE(b["first_response_ms"]["p50"].is_null()) << b.dump();
  EXPECT_FALSE(b["resolution_ms"]["p90"].is_null()) << b.dump();

  auto ts = http().get(api("/stats/timeseries?metric=conversations&bucket=hour&min_position=" + pos), admin_token_);
  ASSERT_EQ(ts.status, 200) << ts.describe();
  int64_t total = 0, nonzero = 0;
  for (auto& item : ts.body["items"]) {
    total += item["value"].get<int64_t>();
    nonzero += item["value"] != 0;
  }
  EXPECT_EQ(total, 3) << ts.describe();
  EXPECT_EQ(nonzero, 1) << "all in this hour: " << ts.describe();
  auto tz = http().get(api("/stats/timeseries?metric=messages&bucket=day&tz=Europe/Berlin&min_position=" + pos), admin_token_);
  ASSERT_EQ(tz.status, 200) << tz.describe();
  EXPECT_EQ(tz.body["items"].back()["value"], 6) << tz.describe();
  EXPECT_EQ(http().get(api("/stats/timeseries?metric=messages&tz=Mars/Olympus"), admin_token_).status, 400);

  auto agents = http().get(api("/stats/agents?min_position=" + pos), admin_token_);
  ASSERT_EQ(agents.status, 200) << agents.describe();
  std::map<std::string, json> by_name;
  for (auto& a : agents.body["items"]) by_name[a.value("name", "")] = a;
  EXPECT_EQ(by_name["Ann"]["conversations"], 3) << agents.describe();  // Alice, Brian (then Bob), Chloe
  EXPECT_EQ(by_name["Bob"]["conversations"], 1) << agents.describe();

  // Staff find conversations by the visitor's name or email (a case-insensitive prefix).
  auto found = http().get(api("/conversations?q=ALI"), admin_token_);
  ASSERT_EQ(found.status, 200) << found.describe();
  ASSERT_EQ(found.body["items"].size(), 1u) << found.describe();
  EXPECT_EQ(id_of(found.body["items"][0]["id"]), ca);
  EXPECT_EQ(found.body["items"][0]["visitor"]["name"], "Alice");
  auto by_mail = http().get(api("/conversations?q=brian%40"), admin_token_);
  ASSERT_EQ(by_mail.body["items"].size(), 1u) << by_mail.describe();
  EXPECT_EQ(id_of(by_mail.body["items"][0]["id"]), cb);

  // The visitors as staff see them.
  auto visitors = http().get(api("/visitors?online=true"), admin_token_);
  ASSERT_EQ(visitors.status, 200) << visitors.describe();
  EXPECT_EQ(visitors.body["items"].size(), 3u) << visitors.describe();
  auto alice_id = id_of(alice->welcome()["visitor_id"]);
  auto va = http().get(api("/visitors/" + alice_id), admin_token_);
  ASSERT_EQ(va.status, 200) << va.describe();
  EXPECT_EQ(va.body["name"], "Alice");
  EXPECT_EQ(va.body["email"], "alice@example.com");
  EXPECT_EQ(va.body["country"], "DE");
  EXPECT_EQ(va.body["city"], "Berlin");
  EXPECT_EQ(va.body["page_url"], "https://shop.example/pricing");
}

}  // namespace
}  // namespace switchboard::integration
