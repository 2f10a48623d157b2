#include "tests/integration/support/chat_peer.hpp"

#include <algorithm>

namespace switchboard::integration {
using clock_type = std::chrono::steady_clock;

chat_peer::chat_peer(std::string name, std::unique_ptr<ws_client> ws)
    : name_(std::move(name)), ws_(std::move(ws)) {}

bool chat_peer::read_one(clock_type::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
  if (left.count() <= 0) return false;
  auto frame = ws_->recv_json(left);
  if (!frame) return false;
  received_.push_back(std::move(*frame));
  unconsumed_.push_back(received_.size() - 1);
  return true;
}

std::optional<json> chat_peer::next(const frame_predicate& pred,
                                    std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  size_t checked = 0;
  for (;;) {
    for (; checked < unconsumed_.size(); ++checked) {
      const size_t index = unconsumed_[checked];
      if (pred(received_[index])) {
        unconsumed_.erase(unconsumed_.begin() + static_cast<std::ptrdiff_t>(checked));
        return received_[index];
      }
    }
    if (!read_one(deadline)) return std::nullopt;
  }
}

std::optional<json> chat_peer::next_of_type(const std::string& type,
                                            std::chrono::milliseconds timeout) {
  return next(is_type(type), timeout);
}

bool chat_peer::saw(const frame_predicate& pred, std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  size_t checked = 0;
  for (;;) {
    for (; checked < received_.size(); ++checked) {
      if (pred(received_[checked])) return true;
    }
    if (!read_one(deadline)) return false;
  }
}

void chat_peer::settle(std::chrono::milliseconds quiet, std::chrono::milliseconds limit) {
  const auto end = clock_type::now() + limit;
  while (clock_type::now() < end) {
    if (!read_one(std::min(end, clock_type::now() + quiet))) return;
  }
}

int chat_peer::arrival_index(const frame_predicate& pred) const {
  for (size_t i = 0; i < received_.size(); ++i) {
    if (pred(received_[i])) return static_cast<int>(i);
  }
  return -1;
}

std::vector<json> chat_peer::events(const std::string& conversation_id) const {
  std::vector<json> out;
  for (const auto& f : received_) {
    if (is_conversation_event(f) && str_of(f, "conversation_id") == conversation_id) {
      out.push_back(f);
    }
  }
  return out;
}

std::vector<int64_t> chat_peer::event_seqs(const std::string& conversation_id) const {
  std::vector<int64_t> out;
  for (const auto& f : events(conversation_id)) out.push_back(seq_of(f));
  return out;
}

int64_t chat_peer::last_event_seq(const std::string& conversation_id) const {
  int64_t last = 0;
  for (int64_t s : event_seqs(conversation_id)) last = std::max(last, s);
  return last;
}

std::string chat_peer::describe(size_t last_n) const {
  std::string out = name_ + " received " + std::to_string(received_.size()) + " frame(s)";
  if (!ws_->is_open()) {
    out += "; connection closed";
    if (ws_->close_code()) out += " with code " + std::to_string(*ws_->close_code());
    if (!ws_->last_error().empty()) out += " (" + ws_->last_error() + ")";
  }
  out += ":";
  const size_t first = received_.size() > last_n ? received_.size() - last_n : 0;
  if (first > 0) out += "\n  ...";
  for (size_t i = first; i < received_.size(); ++i) {
    std::string line = received_[i].dump();
    if (line.size() > 400) line = line.substr(0, 400) + "...";
    out += "\n  #" + std::to_string(i) + " " + line;
  }
  return out;
}

frame_predicate is_type(std::string type) {
  return [type = std::move(type)](const json& f) { return str_of(f, "type") == type; };
}

frame_predicate is_reply_to(std::string client_msg_id) {
  return [id = std::move(client_msg_id)](const json& f) {
    const std::string type = str_of(f, "type");
    if (type == "ack") return str_of(f, "client_msg_id") == id;
    if (type == "error") return str_of(f, "ref") == id;
    return false;
  };
}

frame_predicate is_event(std::string conversation_id, int64_t seq) {
  return [conv = std::move(conversation_id), seq](const json& f) {
    return is_conversation_event(f) && str_of(f, "conversation_id") == conv && seq_of(f) == seq;
  };
}

frame_predicate is_message(std::string conversation_id, std::string client_msg_id) {
  return [conv = std::move(conversation_id), id = std::move(client_msg_id)](const json& f) {
    return str_of(f, "type") == "message" && str_of(f, "conversation_id") == conv &&
           str_of(f, "client_msg_id") == id;
  };
}

bool is_conversation_event(const json& frame) {
  if (!frame.is_object()) return false;
  const std::string type = str_of(frame, "type");
  return (type == "message" || type == "status") && frame.contains("seq");
}

int64_t seq_of(const json& frame) {
  if (!frame.is_object()) return -1;
  auto it = frame.find("seq");
  if (it == frame.end() || !it->is_number_integer()) return -1;
  return it->get<int64_t>();
}

std::vector<int64_t> seqs_of(const std::vector<json>& frames) {
  std::vector<int64_t> out;
  for (const auto& f : frames) out.push_back(seq_of(f));
  return out;
}

size_t count_messages(const std::vector<json>& frames, const std::string& client_msg_id) {
  size_t n = 0;
  for (const auto& f : frames) {
    if (str_of(f, "type") == "message" && str_of(f, "client_msg_id") == client_msg_id) ++n;
  }
  return n;
}

std::string id_of(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return {};
  return value.dump();
}

std::string str_of(const json& frame, const char* field) {
  if (!frame.is_object()) return {};
  auto it = frame.find(field);
  if (it == frame.end()) return {};
  return id_of(*it);
}

}  // namespace switchboard::integration
