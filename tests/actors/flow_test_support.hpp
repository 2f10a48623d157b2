#pragma once
// Shared by the flow engine tests (flow_parse_test.cpp, flow_run_test.cpp): building
// definitions and reading effects as lines.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "actors/bots/flow.hpp"
#include "actors/bots/interpreter.hpp"

namespace sb::bots::flow_testing {
using json = nlohmann::json;
using strings = std::vector<std::string>;
using phase = run_state::phase;

// A definition named "Test" starting at the first node, with these nodes (JSON text).
inline json def(const std::string& nodes, const std::string& extra = "") {
  auto n = json::parse(nodes);
  std::string start = n.at(0).at("id");
  auto d = json::parse("{" + extra + "}");
  d["name"] = "Test";
  if (!d.contains("start")) d["start"] = start;
  d["nodes"] = n;
  return d;
}

inline std::shared_ptr<const flow> parse(const json& d) {
  flow_error err;
  auto f = parse_flow(d, err);
  EXPECT_TRUE(f) << err.node << ": " << err.message;
  return f;
}

// "node|message" of the validation error, "accepted" when there is none.
inline std::string rejected(const json& d) {
  flow_error err;
  return parse_flow(d, err) ? "accepted" : err.node + "|" + err.message;
}
inline std::string rejected_nodes(const std::string& nodes) { return rejected(def(nodes)); }

// Effects as one line each: "say Hi [Label=value]", "handoff", "webhook POST url {body}", ...
inline strings lines(const step_result& r) {
  static const char* kinds[] = {"say", "handoff", "close", "webhook", "error"};
  strings out;
  for (auto& e : r.effects) {
    std::string s = kinds[static_cast<int>(e.what)];
    if (e.what == effect::kind::say) s += " " + e.text;
    for (auto& b : e.buttons) s += " [" + b.label + "=" + b.value + "]";
    if (e.what == effect::kind::webhook)
      s += " " + e.request.method + " " + e.request.url + " " + e.request.body.dump();
    if (e.what == effect::kind::error) s += " " + e.error;
    out.push_back(s);
  }
  return out;
}

inline const context kAnn{"Ann", "ann@example.com", "+49 30 1234", true};
inline const context kClosed{"Ann", "", "", false};
inline const std::string kYesNo = R"({"id":"yes","type":"message","text":"yes"},
                              {"id":"no","type":"message","text":"no"})";

// A conversation with a bot: starts the flow, then feeds it messages and webhook answers.
struct chat {
  std::shared_ptr<const flow> f;
  context ctx;
  step_result last;
  explicit chat(const std::string& nodes, const std::string& extra = "", context c = kAnn)
      : f(parse(def(nodes, extra))), ctx(std::move(c)) {
    if (f) last = start_run(*f, ctx);
  }
  strings started() const { return lines(last); }
  strings says(std::string_view text) {
    last = on_visitor_message(*f, last.state, ctx, text);
    return lines(last);
  }
  strings answers(const json* response) {
    last = on_webhook_result(*f, last.state, ctx, response);
    return lines(last);
  }
  run_state& state() { return last.state; }
};

// "yes" or "no": where condition node "c" (JSON text) leads after the visitor wrote `input`.
inline std::string decide(const std::string& condition, std::string_view input = "",
                   const context& ctx = kAnn) {
  chat c(
      R"([{"id":"w","type":"action","action":"wait","next":"c"},)" + condition + "," + kYesNo + "]",
      R"("handoff_keywords": [])", ctx);
  auto said = c.says(input);
  return said == strings{"say yes"} ? "yes" : said == strings{"say no"} ? "no" : "?";
}
inline std::string keyword_any(std::string_view input) {
  return decide(R"({"id":"c","type":"condition","match":"keyword","any":["price","Talk to Sales"],
                    "then":"yes","else":"no"})",
                input);
}
// Sets x to `set`, then tests `x op value`.
inline std::string compare(const std::string& op, const std::string& value, const std::string& set) {
  chat c(R"([{"id":"s","type":"action","action":"set","var":"x","value":")" + set +
         R"(","next":"c"},{"id":"c","type":"condition","match":"compare","var":"x","op":")" + op +
         R"(","value":")" + value + R"(","then":"yes","else":"no"},)" + kYesNo + "]");
  auto said = c.started();
  return said == strings{"say yes"} ? "yes" : said == strings{"say no"} ? "no" : "?";
}

// --- validation --------------------------------------------------------------------------

}  // namespace sb::bots::flow_testing
