#pragma once
// An AI bot's reply from an OpenAI-compatible chat-completions endpoint (docs/ai.md). The
// conversation so far (its transcript) goes out with the workspace's system prompt and one
// tool, handoff_to_human; the answer is streamed (server-sent events), each piece reported as
// the text so far, and ends as the reply text, or a handoff (the tool was called), or an error
// (no connection, timeout, non-2xx, nothing said), on which the caller hands off too.
// Parsing is pure (completion_stream); ask_ai does the call through the egress client.
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "actors/conversation/state.hpp"

namespace sb::integrations {

class egress_client;

struct ai_settings {
  std::string base_url;  // e.g. https://api.openai.com/v1 ("/chat/completions" is appended)
  std::string model;
  std::string system_prompt;
  std::string api_key;
  std::chrono::milliseconds timeout{30000};
};

struct ai_result {
  std::string text;
  bool handoff = false;  // the model called handoff_to_human
  std::string error;     // non-empty: no usable answer
};

inline constexpr const char* kHandoffTool = "handoff_to_human";

// The request body: {model, stream: true, messages: [system, user/assistant...], tools}.
nlohmann::json completion_request(const ai_settings& s, const std::vector<conversation::transcript_line>& transcript);

// Reads a chat-completions answer: "data: {json}" lines of an event stream (any split), or a
// whole non-streamed JSON answer given to finish_json().
class completion_stream {
 public:
  // Returns true when the text grew.
  bool feed(std::string_view bytes);
  void finish_json(std::string_view body);
  const std::string& text() const { return text_; }
  bool handoff() const { return handoff_; }
  bool done() const { return done_; }

 private:
  void line(std::string_view l, bool& grew);
  std::string pending_, text_;
  bool handoff_ = false, done_ = false;
};

void ask_ai(egress_client& egress, const ai_settings& s, const std::vector<conversation::transcript_line>& transcript,
            std::function<void(const std::string& text_so_far)> partial, std::function<void(ai_result)> done);

}  // namespace sb::integrations
