#include "integrations/ai/ai_client.hpp"

#include <memory>
#include <nlohmann/json.hpp>

#include "integrations/egress.hpp"

namespace sb::integrations {
namespace {
using json = nlohmann::json;

void read_choice(const json& choice, const char* part, std::string& text, bool& handoff) {
  if (!choice.is_object() || !choice.contains(part) || !choice[part].is_object()) return;
  auto& d = choice[part];
  if (d.contains("content") && d["content"].is_string()) text += d["content"].get<std::string>();
  if (d.contains("tool_calls") && d["tool_calls"].is_array())
    for (auto& call : d["tool_calls"])
      if (call.is_object() && call.contains("function") && call["function"].is_object() &&
          call["function"].value("name", "") == kHandoffTool)
        handoff = true;
}

}  // namespace

json completion_request(const ai_settings& s, const std::vector<conversation::transcript_line>& transcript) {
  json messages = json::array();
  messages.push_back({{"role", "system"},
                      {"content", s.system_prompt + (s.system_prompt.empty() ? "" : "\n\n") +
                                      "You answer visitors of a website's chat. When you cannot help, or the "
                                      "visitor asks for a person, call " + kHandoffTool + "."}});
  for (auto& l : transcript) {
    if (l.kind == "system") continue;
    messages.push_back({{"role", l.kind == "visitor" ? "user" : "assistant"}, {"content", l.text}});
  }
  return {{"model", s.model},
          {"stream", true},
          {"messages", messages},
          {"tools",
           {{{"type", "function"},
             {"function",
              {{"name", kHandoffTool},
               {"description", "Hand the conversation to a human support agent."},
               {"parameters", {{"type", "object"}, {"properties", json::object()}}}}}}}}};
}

bool completion_stream::feed(std::string_view bytes) {
  pending_.append(bytes);
  bool grew = false;
  for (std::size_t nl; (nl = pending_.find('\n')) != std::string::npos;) {
    std::string l = pending_.substr(0, nl);
    pending_.erase(0, nl + 1);
    if (!l.empty() && l.back() == '\r') l.pop_back();
    line(l, grew);
  }
  return grew;
}

void completion_stream::line(std::string_view l, bool& grew) {
  if (l.rfind("data:", 0) != 0) return;  // comments, event names, blank separators
  l.remove_prefix(5);
  while (!l.empty() && l.front() == ' ') l.remove_prefix(1);
  if (l == "[DONE]") {
    done_ = true;
    return;
  }
  auto j = json::parse(l, nullptr, false);
  if (!j.is_object() || !j.contains("choices") || !j["choices"].is_array()) return;
  auto before = text_.size();
  for (auto& c : j["choices"]) {
    read_choice(c, "delta", text_, handoff_);
    if (c.is_object() && c.contains("finish_reason") && c["finish_reason"].is_string()) done_ = true;
  }
  grew |= text_.size() > before;
}

void completion_stream::finish_json(std::string_view body) {
  auto j = json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("choices") || !j["choices"].is_array()) return;
  for (auto& c : j["choices"]) read_choice(c, "message", text_, handoff_);
  done_ = true;
}

void ask_ai(egress_client& egress, const ai_settings& s, const std::vector<conversation::transcript_line>& transcript,
            std::function<void(const std::string&)> partial, std::function<void(ai_result)> done) {
  auto stream = std::make_shared<completion_stream>();
  egress_request r;
  r.method = "POST";
  auto base = s.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  r.url = base + "/chat/completions";
  r.headers = {{"Content-Type", "application/json"}, {"Accept", "text/event-stream"}};
  if (!s.api_key.empty()) r.headers.emplace_back("Authorization", "Bearer " + s.api_key);
  r.body = completion_request(s, transcript).dump();
  r.timeout = s.timeout;
  r.on_data = [stream, partial](std::string_view bytes) {
    if (stream->feed(bytes) && partial) partial(stream->text());
  };
  egress.send(std::move(r), [stream, done = std::move(done)](egress_response res) {
    ai_result out;
    if (!res.ok()) {
      out.error = res.error.empty() ? "the AI endpoint answered " + std::to_string(res.status) : res.error;
      return done(std::move(out));
    }
    if (res.content_type.find("application/json") != std::string::npos) stream->finish_json(res.body);
    out.text = stream->text();
    out.handoff = stream->handoff();
    if (out.text.empty() && !out.handoff) out.error = "the AI said nothing";
    done(std::move(out));
  });
}

}  // namespace sb::integrations
