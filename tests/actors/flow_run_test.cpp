// The flow interpreter: every node kind, variables, webhooks, handoff, the step cap, run state.
#include "tests/actors/flow_test_support.hpp"

namespace sb::bots {
namespace {
using json = nlohmann::json;
using strings = std::vector<std::string>;
using phase = run_state::phase;
using namespace flow_testing;

TEST(Interpreter, MessageNode_SaysItsTemplatedTextAndButtonsThenGoesOn) {
  chat c(R"([{"id":"m","type":"message","text":"Hi {{visitor.name}}!",
              "buttons":[{"label":"Pricing","value":"pricing"}],"next":"m2"},
             {"id":"m2","type":"message","text":"Second","next":"bye"},
             {"id":"bye","type":"action","action":"close","text":"Bye"}])");
  EXPECT_EQ(c.started(),
            (strings{"say Hi Ann! [Pricing=pricing]", "say Second", "say Bye", "close"}));
  EXPECT_EQ(c.state().at, phase::done);
  EXPECT_EQ(c.last.steps, 3);
}

TEST(Interpreter, MessageWithoutNext_EndsTheRunAndTheNextMessageHandsOff) {
  chat c(R"([{"id":"m","type":"message","text":"Hello"}])");
  EXPECT_EQ(c.started(), (strings{"say Hello"}));
  EXPECT_EQ(c.state().at, phase::done);
  auto ended = c.state();
  EXPECT_EQ(c.says("anyone?"), (strings{"handoff"}));
  EXPECT_EQ(c.state(), ended);
  EXPECT_EQ(c.last.steps, 0);
}

TEST(Interpreter, KeywordAny_MatchesWholeWordsAndPhrasesIgnoringCase) {
  EXPECT_EQ(keyword_any("What is the PRICE?"), "yes");
  EXPECT_EQ(keyword_any("prices please"), "no");
  EXPECT_EQ(keyword_any("priceless"), "no");
  EXPECT_EQ(keyword_any("can I talk   to sales?"), "yes");
  EXPECT_EQ(keyword_any("talk to salesforce"), "no");
  EXPECT_EQ(keyword_any(""), "no");
}

TEST(Interpreter, KeywordAll_NeedsEveryWordInAnyOrder) {
  std::string c = R"({"id":"c","type":"condition","match":"keyword","all":["refund","order"],
                      "then":"yes","else":"no"})";
  EXPECT_EQ(decide(c, "Order 12: I want a Refund"), "yes");
  EXPECT_EQ(decide(c, "refund refund"), "no");
  EXPECT_EQ(decide(c, "refunds for my order"), "no");
}

TEST(Interpreter, KeywordCondition_CanTestAVariableInsteadOfTheLastInput) {
  chat c(R"([{"id":"s","type":"action","action":"set","var":"topic","value":"billing","next":"c"},
             {"id":"c","type":"condition","match":"keyword","any":["billing"],"var":"topic",
              "then":"yes","else":"no"},)" +
         kYesNo + "]");
  EXPECT_EQ(c.started(), (strings{"say yes"}));
}

TEST(Interpreter, RegexCondition_SearchesTheInputIgnoringCaseUpTo1000Bytes) {
  auto rx = [](const std::string& p) {
    return R"({"id":"c","type":"condition","match":"regex","pattern":)" + json(p).dump() +
           R"(,"then":"yes","else":"no"})";
  };
  EXPECT_EQ(decide(rx("^[0-9]{5}$"), "10115"), "yes");
  EXPECT_EQ(decide(rx("^[0-9]{5}$"), "1011"), "no");
  EXPECT_EQ(decide(rx("ord(er)?\\b"), "my ORDER is late"), "yes");
  EXPECT_EQ(decide(rx("x$"), std::string(999, 'a') + "x"), "yes");
  EXPECT_EQ(decide(rx("x$"), std::string(1000, 'a') + "x"), "no");  // the x is past the cut
}

TEST(Interpreter, CompareEqNeContains_IgnoreCase) {
  EXPECT_EQ(compare("eq", "pro", "Pro"), "yes");
  EXPECT_EQ(compare("eq", "pro", "basic"), "no");
  EXPECT_EQ(compare("ne", "pro", "basic"), "yes");
  EXPECT_EQ(compare("ne", "pro", "PRO"), "no");
  EXPECT_EQ(compare("contains", "ro", "PRO plan"), "yes");
  EXPECT_EQ(compare("contains", "gold", "PRO plan"), "no");
}

TEST(Interpreter, CompareGtLt_AreNumericAndFalseForNonNumbers) {
  EXPECT_EQ(compare("gt", "9", "10"), "yes");  // as text "10" < "9"
  EXPECT_EQ(compare("lt", "9", "10"), "no");
  EXPECT_EQ(compare("lt", "10.5", " 3 "), "yes");
  EXPECT_EQ(compare("gt", "-1", "-2"), "no");
  EXPECT_EQ(compare("gt", "1", "ten"), "no");
  EXPECT_EQ(compare("lt", "1", "ten"), "no");
  EXPECT_EQ(compare("gt", "abc", "5"), "no");
}

TEST(Interpreter, CompareExists_IsTrueOnlyForASetVariable) {
  auto exists = [](const std::string& var) {
    return decide(R"({"id":"c","type":"condition","match":"compare","var":")" + var +
                  R"(","op":"exists","then":"yes","else":"no"})");
  };
  EXPECT_EQ(compare("exists", "", ""), "yes");  // set, even if empty
  EXPECT_EQ(exists("never"), "no");
  EXPECT_EQ(exists("last_input"), "yes");
}

TEST(Interpreter, BusinessHours_FollowsTheContextBothWays) {
  std::string c =
      R"({"id":"c","type":"condition","match":"business_hours","then":"yes","else":"no"})";
  EXPECT_EQ(decide(c, "hi", kAnn), "yes");
  EXPECT_EQ(decide(c, "hi", kClosed), "no");
}

TEST(Interpreter, SetAndTemplates_RenderVisitorFieldsNestedVarsAndUnknownAsEmpty) {
  chat c(R"([{"id":"w","type":"action","action":"wait","next":"s"},
             {"id":"s","type":"action","action":"set","var":"plan",
              "value":"{{ visitor.email }}/{{visitor.phone}}","next":"m"},
             {"id":"m","type":"message","text":"{{vars.plan}}|{{vars.order.status}}|{{vars.order.items.1}}|{{vars.nope}}|{{vars.n}}|{{vars.ok}}|{{ vars.order.nope.deeper }}"}])");
  c.state().vars = json::parse(
      R"({"order":{"status":"shipped","items":["a","b"]},"n":42,"ok":true,"nope":null})");
  EXPECT_EQ(c.says("go"), (strings{"say ann@example.com/+49 30 1234|shipped|b||42|true|"}));
  EXPECT_EQ(c.state().vars["plan"], "ann@example.com/+49 30 1234");
}

TEST(Interpreter, Wait_StoresTheTextInItsVarAndInLastInputThenContinues) {
  chat c(R"([{"id":"ask","type":"action","action":"wait","var":"answer","next":"m"},
             {"id":"m","type":"message","text":"You said {{vars.answer}}","next":"again"},
             {"id":"again","type":"action","action":"wait","next":"m2"},
             {"id":"m2","type":"message","text":"{{vars.answer}} / {{vars.last_input}}"}])");
  EXPECT_EQ(c.started(), strings{});
  EXPECT_EQ(c.state(), (run_state{"ask", json::object(), phase::waiting_input, "answer"}));
  EXPECT_EQ(c.says("blue"), (strings{"say You said blue"}));
  EXPECT_EQ(c.state().vars, (json{{"answer", "blue"}, {"last_input", "blue"}}));
  EXPECT_EQ(c.state().wait_var, "");
  EXPECT_EQ(c.says("green"), (strings{"say blue / green"}));
}

TEST(Interpreter, AFirstMessageOnARunNotStarted_StartsItWithTheTextAsLastInput) {
  auto f = parse(def(R"([{"id":"c","type":"condition","match":"keyword","any":["pricing"],
                          "then":"yes","else":"no"},)" +
                     kYesNo + "]"));
  auto r = on_visitor_message(*f, run_state{}, kAnn, "Pricing?");
  EXPECT_EQ(lines(r), (strings{"say yes"}));
  EXPECT_EQ(r.state.vars["last_input"], "Pricing?");
}

// wait -> webhook (POST, body templated) -> ok / failed
const std::string kWebhook = R"([
  {"id":"ask","type":"action","action":"wait","var":"answer","next":"w"},
  {"id":"w","type":"action","action":"webhook","url":"https://example.com/hook",
   "body":{"q":"{{vars.answer}}","who":["{{visitor.name}}",1],"fixed":"x"},
   "store":{"order_status":"status","eta":"delivery.eta","first":"items.0.sku"},
   "next":"ok","on_error":"failed"},
  {"id":"ok","type":"message","text":"{{vars.order_status}} {{vars.eta}} {{vars.first}}"},
  {"id":"failed","type":"message","text":"sorry"}])";

TEST(Interpreter, Webhook_AsksTheCallerLastThenStoresDotPathsFromTheAnswer) {
  chat c(kWebhook);
  EXPECT_EQ(c.says("A-17"), (strings{"webhook POST https://example.com/hook "
                                     R"({"fixed":"x","q":"A-17","who":["Ann",1]})"}));
  EXPECT_EQ(c.state().at, phase::waiting_webhook);
  EXPECT_EQ(c.state().node, "w");
  auto answer = json::parse(R"({"status":"shipped","delivery":{"eta":"Fri"},"items":[{"sku":9}]})");
  EXPECT_EQ(c.answers(&answer), (strings{"say shipped Fri 9"}));
  EXPECT_EQ(c.state().vars["first"], 9);
  EXPECT_EQ(c.state().at, phase::done);
}

TEST(Interpreter, WebhookAnswerWithoutAPath_LeavesThatVariableUnset) {
  chat c(kWebhook);
  c.says("A-17");
  c.state().vars["eta"] = "stale";
  auto answer = json::parse(R"({"status":"lost","delivery":"unknown"})");
  EXPECT_EQ(c.answers(&answer), (strings{"say lost  "}));
  EXPECT_FALSE(c.state().vars.contains("eta"));
  EXPECT_FALSE(c.state().vars.contains("first"));
}

TEST(Interpreter, WebhookFailure_TakesOnErrorOrElseNext) {
  chat c(kWebhook);
  c.says("A-17");
  EXPECT_EQ(c.answers(nullptr), (strings{"say sorry"}));
  chat get(R"([{"id":"w","type":"action","action":"webhook","method":"GET",
                "url":"http://example.com/x?a=1","next":"ok"},
               {"id":"ok","type":"message","text":"ok"}])");
  EXPECT_EQ(get.started(), (strings{"webhook GET http://example.com/x?a=1 null"}));
  EXPECT_EQ(get.answers(nullptr), (strings{"say ok"}));
}

TEST(Interpreter, TextWhileAWebhookIsPending_IsIgnoredButRecordedAsLastInput) {
  chat c(kWebhook);
  c.says("A-17");
  auto waiting = c.state();
  EXPECT_EQ(c.says("hello?"), strings{});
  EXPECT_EQ(c.state().vars["last_input"], "hello?");
  c.state().vars["last_input"] = "A-17";
  EXPECT_EQ(c.state(), waiting);
}

TEST(Interpreter, AWebhookAnswerNobodyWaitsFor_IsIgnored) {
  chat c(kWebhook);  // waiting for input
  auto before = c.state();
  auto answer = json::object();
  EXPECT_EQ(c.answers(&answer), strings{});
  EXPECT_EQ(c.state(), before);
}

TEST(Interpreter, HandoffKeywordMidFlow_HandsOffAtOnce) {
  chat c(kWebhook);
  EXPECT_EQ(
      c.says("humane"),
      (strings{
          R"(webhook POST https://example.com/hook {"fixed":"x","q":"humane","who":["Ann",1]})"}));
  EXPECT_EQ(c.says("Can I talk to a HUMAN, please?"), (strings{"handoff"}));
  EXPECT_EQ(c.state().at, phase::done);
  EXPECT_EQ(c.last.steps, 0);
}

TEST(Interpreter, HandoffKeywords_CanBeReplacedOrTurnedOff) {
  std::string nodes = R"([{"id":"w","type":"action","action":"wait","next":"m"},
                          {"id":"m","type":"message","text":"bot"}])";
  std::string custom = R"("handoff_keywords":["agent","real person"])";
  EXPECT_EQ(chat(nodes, custom).says("AGENT!"), (strings{"handoff"}));
  EXPECT_EQ(chat(nodes, custom).says("a real  person"), (strings{"handoff"}));
  EXPECT_EQ(chat(nodes, custom).says("human"), (strings{"say bot"}));
  EXPECT_EQ(chat(nodes, R"("handoff_keywords":[])").says("human"), (strings{"say bot"}));
}

TEST(Interpreter, HandoffAndCloseNodes_SayTheirTextFirstAndEndTheRun) {
  std::string nodes =
      R"([{"id":"c","type":"condition","match":"business_hours","then":"h","else":"bye"},
    {"id":"h","type":"action","action":"handoff","text":"Connecting you, {{visitor.name}}"},
    {"id":"bye","type":"action","action":"close"}])";
  chat open(nodes);
  EXPECT_EQ(open.started(), (strings{"say Connecting you, Ann", "handoff"}));
  EXPECT_EQ(open.state().at, phase::done);
  EXPECT_EQ(open.state().node, "h");
  EXPECT_EQ(chat(nodes, "", kClosed).started(), (strings{"close"}));
}

TEST(Interpreter, ALoopingFlow_StopsAfterExactly100StepsWithAnErrorAndAHandoff) {
  chat c(R"([{"id":"s","type":"action","action":"set","var":"n","value":"x","next":"c"},
             {"id":"c","type":"condition","match":"compare","var":"n","op":"exists",
              "then":"s","else":"end"},
             {"id":"end","type":"message","text":"never"}])");
  EXPECT_EQ(c.last.steps, kMaxSteps);
  EXPECT_EQ(c.started(), (strings{"error step limit of 100 reached at node s", "handoff"}));
  EXPECT_EQ(c.state().at, phase::done);
}

TEST(Interpreter, LongRenderedText_IsCutTo4000BytesOnACharacterBoundary) {
  chat c(R"([{"id":"w","type":"action","action":"wait","next":"m"},
             {"id":"m","type":"message","text":"xy{{vars.long}}"}])");
  std::string euros;
  for (int i = 0; i < 2000; ++i) euros += "\xE2\x82\xAC";  // 3 bytes each
  c.state().vars["long"] = euros;
  auto said = c.says("hi");
  ASSERT_EQ(said.size(), 1u);
  EXPECT_EQ(said[0], "say xy" + euros.substr(0, 3 * 1332));  // 3998 bytes: no split sign
}

TEST(RunState, RoundTripsThroughJson) {
  run_state s{"ask", json::parse(R"({"answer":"blue","order":{"n":[1,2]}})"), phase::waiting_input,
              "answer"};
  EXPECT_EQ(s.to_json(), json::parse(R"({"node":"ask","vars":{"answer":"blue","order":{"n":[1,2]}},
                                        "at":"waiting_input","wait_var":"answer"})"));
  for (auto p : {phase::idle, phase::waiting_input, phase::waiting_webhook, phase::done}) {
    s.at = p;
    EXPECT_EQ(run_state::from_json(json::parse(s.to_json().dump())), s);
  }
}

TEST(RunState, AnEmptyObjectIsARunNotStartedAndWrongTypesAreRejected) {
  EXPECT_EQ(run_state::from_json(json::object()), run_state{});
  EXPECT_FALSE(run_state::from_json(json::parse(R"({"at":"sleeping"})")));
  EXPECT_FALSE(run_state::from_json(json::parse(R"({"vars":[]})")));
  EXPECT_FALSE(run_state::from_json(json::parse(R"({"node":1})")));
  EXPECT_FALSE(run_state::from_json(json::array()));
}


}  // namespace
}  // namespace sb::bots
