// The flow format: parsing and validation (errors name the node).
#include "tests/actors/flow_test_support.hpp"

namespace sb::bots {
namespace {
using json = nlohmann::json;
using strings = std::vector<std::string>;
using phase = run_state::phase;
using namespace flow_testing;

TEST(Flow, AValidFlow_ParsesWithItsNameAndStart) {
  auto f = parse(def(R"([{"id":"a","type":"message","text":"hi","next":"b"},
                         {"id":"b","type":"action","action":"close"}])",
                     R"("start":"a")"));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->name(), "Test");
  EXPECT_EQ(f->nodes()[static_cast<std::size_t>(f->start())].id, "a");
  EXPECT_EQ(f->find("b")->kind, node_kind::close);
  EXPECT_EQ(f->find("zz"), nullptr);
}

TEST(Flow, MissingStart_IsRejectedForTheWholeFlow) {
  auto d = def(R"([{"id":"a","type":"message","text":"hi"}])");
  d.erase("start");
  EXPECT_EQ(rejected(d), "|start is required");
}

TEST(Flow, StartThatIsNotANode_IsRejected) {
  EXPECT_EQ(rejected(def(R"([{"id":"a","type":"message","text":"hi"}])", R"("start":"nope")")),
            "|start nope is not a node");
}

TEST(Flow, UnknownEdge_IsRejectedNamingTheNode) {
  EXPECT_EQ(rejected_nodes(R"([{"id":"route","type":"condition","match":"business_hours",
                          "then":"route","else":"nowhere"}])"),
            "route|node route: else -> nowhere is not a node");
}

TEST(Flow, UnreachableNode_IsRejectedNamingIt) {
  EXPECT_EQ(rejected_nodes(R"([{"id":"a","type":"message","text":"hi"},
                         {"id":"island","type":"message","text":"lost"}])"),
            "island|node island: unreachable from start a");
}

TEST(Flow, DuplicateId_IsRejectedNamingIt) {
  EXPECT_EQ(rejected_nodes(R"([{"id":"a","type":"message","text":"hi","next":"a"},
                         {"id":"a","type":"message","text":"again"}])"),
            "a|node a: duplicate id");
}

std::string regex_node(const std::string& pattern) {
  return R"([{"id":"zip","type":"condition","match":"regex","pattern":)" + json(pattern).dump() +
         R"(,"then":"zip","else":"zip"}])";
}

TEST(Flow, BadRegex_IsRejectedNamingTheNode) {
  auto err = rejected_nodes(regex_node("([0-9]"));
  EXPECT_EQ(err.rfind("zip|node zip: pattern ([0-9] is not a valid regex (", 0), 0u) << err;
  EXPECT_EQ(rejected_nodes(regex_node("^[0-9]{5}$")), "accepted");
}

TEST(Flow, RegexBackReferencesAndHugeCounts_AreRejected) {
  EXPECT_EQ(
      rejected_nodes(regex_node("(a)\\1")).rfind("zip|node zip: pattern (a)\\1 is not a valid", 0),
      0u);
  EXPECT_EQ(rejected_nodes(regex_node("a{1000}")),
            "zip|node zip: pattern: repetition counts are at most 100");
}

TEST(Flow, UnknownTypeActionMatchAndOp_AreRejectedNamingTheNode) {
  EXPECT_EQ(rejected_nodes(R"([{"id":"a","type":"video"}])"),
            "a|node a: unknown type video (message, condition, action)");
  EXPECT_EQ(rejected_nodes(R"([{"id":"a","type":"action","action":"dance"}])"),
            "a|node a: unknown action dance (wait, set, webhook, handoff, close)");
  EXPECT_EQ(rejected_nodes(R"([{"id":"a","type":"condition","match":"moon"}])"),
            "a|node a: unknown match moon (keyword, regex, compare, business_hours)");
  EXPECT_EQ(rejected_nodes(R"([{"id":"a","type":"condition","match":"compare","var":"x","op":"like",
                          "value":"y","then":"a","else":"a"}])"),
            "a|node a: unknown op like (eq, ne, contains, exists, gt, lt)");
}

TEST(Flow, MissingRequiredFieldOrWrongType_IsRejectedNamingTheField) {
  EXPECT_EQ(
      rejected_nodes(R"([{"id":"c","type":"condition","match":"business_hours","then":"c"}])"),
      "c|node c: else is required");
  EXPECT_EQ(rejected_nodes(R"([{"id":"m","type":"message","text":42}])"),
            "m|node m: text must be a string");
  EXPECT_EQ(rejected_nodes(R"([{"id":"s","type":"action","action":"set","value":"1","next":"s"}])"),
            "s|node s: var is required");
  EXPECT_EQ(
      rejected_nodes(R"([{"id":"k","type":"condition","match":"keyword","any":["a"],"all":["b"],
                          "then":"k","else":"k"}])"),
      "k|node k: a keyword condition has exactly one of any, all");
}

TEST(Flow, UnknownTemplateVariable_IsRejected) {
  EXPECT_EQ(rejected_nodes(R"([{"id":"m","type":"message","text":"Hi {{ user.name }}"}])"),
            "m|node m: text: {{user.name}} is not a variable (visitor.name, visitor.email, "
            "visitor.phone or vars.NAME)");
}

TEST(Flow, WebhookUrlAndGetBody_AreChecked) {
  EXPECT_EQ(rejected_nodes(R"([{"id":"w","type":"action","action":"webhook","url":"ftp://x",
                          "next":"w"}])"),
            "w|node w: url must be an http:// or https:// URL without spaces");
  EXPECT_EQ(rejected_nodes(R"([{"id":"w","type":"action","action":"webhook","url":"https://x.io",
                          "method":"GET","body":{"a":1},"next":"w"}])"),
            "w|node w: a GET webhook has no body");
}

TEST(Flow, TooManyNodes_501_IsRejectedAnd500Parse) {
  json nodes = json::array();
  for (int i = 0; i < 501; ++i)
    nodes.push_back({{"id", "n" + std::to_string(i)}, {"type", "message"}, {"text", "t"}});
  for (int i = 0; i < 499; ++i) nodes[i]["next"] = "n" + std::to_string(i + 1);
  EXPECT_EQ(rejected_nodes(nodes.dump()), "|a flow has at most 500 nodes (this one has 501)");
  nodes.erase(500);
  EXPECT_EQ(rejected_nodes(nodes.dump()), "accepted");
}

TEST(Flow, ADefinitionThatIsNotAnObject_IsRejected) {
  EXPECT_EQ(rejected(json::array()), "|the flow definition must be an object");
}

// --- running -------------------------------------------------------------------------------


}  // namespace
}  // namespace sb::bots
