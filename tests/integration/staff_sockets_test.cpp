// What ends a staff session ends its sockets: logout closes the sockets opened with that token,
// deleting a user closes all of theirs, each with 4401; other sockets are untouched.

#include "tests/integration/support/server_fixture.hpp"

namespace switchboard::integration {
namespace {

using namespace std::chrono_literals;

class StaffSockets : public server_fixture {
 protected:
  // True once `peer` answers a ping: the socket is open and served.
  static bool answers_ping(chat_peer& peer, const std::string& id) {
    if (!peer.send({{"type", "ping"}, {"id", id}})) return false;
    auto pong = peer.next(is_type("pong"), 5s);
    return pong && pong->value("id", "") == id;
  }
};

TEST_F(StaffSockets, Logout_ClosesTheSocketsOfThatTokenWith4401AndNoOther) {
  const std::string first = create_agent("agent-logout@switchboard.test");
  ASSERT_FALSE(first.empty());
  const std::string second = login("agent-logout@switchboard.test", "agent-password-42");
  ASSERT_FALSE(second.empty());
  auto a = connect_agent(first, "first");
  auto b = connect_agent(second, "second");
  ASSERT_TRUE(a && b);

  auto res = http().post(api("/auth/logout"), json::object(), first);
  ASSERT_EQ(res.status, 200) << res.describe();

  ASSERT_TRUE(a->ws().wait_closed(5s)) << "the logged-out token's socket stayed open";
  EXPECT_EQ(a->ws().close_code(), 4401);
  EXPECT_TRUE(answers_ping(*b, "still-here")) << "a socket of another token was closed";
  EXPECT_EQ(http().get(api("/me"), first).status, 401);
}

TEST_F(StaffSockets, DeletingAUser_ClosesAllTheirSocketsWith4401) {
  const std::string token = create_agent("agent-deleted@switchboard.test");
  ASSERT_FALSE(token.empty());
  auto me = http().get(api("/me"), token);
  ASSERT_EQ(me.status, 200) << me.describe();
  const json user = me.body.contains("user") ? me.body["user"] : me.body;
  const std::string user_id = user.value("id", "");
  ASSERT_FALSE(user_id.empty()) << me.describe();
  auto one = connect_agent(token, "one");
  auto two = connect_agent(token, "two");
  auto admin = connect_agent(admin_token_, "admin");
  ASSERT_TRUE(one && two && admin);

  auto res = http().request("DELETE", api("/users/" + user_id), std::nullopt, admin_token_);
  ASSERT_EQ(res.status, 200) << res.describe();

  for (auto* p : {one.get(), two.get()}) {
    ASSERT_TRUE(p->ws().wait_closed(5s)) << p->name() << " stayed open after its user was deleted";
    EXPECT_EQ(p->ws().close_code(), 4401) << p->name();
  }
  EXPECT_TRUE(answers_ping(*admin, "admin-here"));
}

}  // namespace
}  // namespace switchboard::integration
