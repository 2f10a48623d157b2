#include "integrations/channels/telegram.hpp"

#include <rocksdb/db.h>

#include <mutex>

#include "actors/tokens.hpp"
#include "actors/vault.hpp"
#include "events/log.hpp"
#include "integrations/egress.hpp"

namespace sb::integrations {
namespace {
using json = nlohmann::json;

std::string id_text(const json& v) {
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  if (v.is_string()) return v.get<std::string>();
  return {};
}

// A Telegram chat id: an integer (groups are negative) or @channelname.
bool chat_id_ok(const std::string& s) {
  if (s.empty() || s.size() > 40) return false;
  if (s[0] == '@') return s.size() > 5 && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_", 1) == std::string::npos;
  auto digits = s[0] == '-' ? s.substr(1) : s;
  return !digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos;
}

// "123456:ABC-def_..." as BotFather gives it.
bool bot_token_ok(const std::string& t) {
  auto colon = t.find(':');
  if (colon == std::string::npos || colon == 0 || t.size() > 200 || t.size() < colon + 20) return false;
  return t.substr(0, colon).find_first_not_of("0123456789") == std::string::npos &&
         t.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", colon + 1) == std::string::npos;
}

std::string map_key(const std::string& ws, std::int64_t message_id) {
  return "tgmap/" + ws + "/" + std::to_string(message_id);
}
std::string offset_key(const std::string& ws) { return "tgstate/" + ws + "/offset"; }

}  // namespace

std::string telegram_link::method_url(const std::string& method) const {
  return api_base_url + "/bot" + bot_token + "/" + method;
}

std::optional<telegram_staff_message> telegram_message(const json& update) {
  if (!update.is_object() || !update.contains("update_id") || !update["update_id"].is_number_integer()) return std::nullopt;
  if (!update.contains("message") || !update["message"].is_object()) return std::nullopt;
  auto& m = update["message"];
  if (!m.contains("text") || !m["text"].is_string() || !m.contains("chat") || !m["chat"].is_object() ||
      !m.contains("message_id") || !m["message_id"].is_number_integer())
    return std::nullopt;
  telegram_staff_message out;
  out.update_id = update["update_id"].get<std::int64_t>();
  out.chat_id = id_text(m["chat"].value("id", json()));
  out.message_id = m["message_id"].get<std::int64_t>();
  out.text = m["text"].get<std::string>();
  if (m.contains("from") && m["from"].is_object()) {
    out.from_id = id_text(m["from"].value("id", json()));
    auto first = m["from"].value("first_name", std::string()), last = m["from"].value("last_name", std::string());
    out.from_name = last.empty() ? first : first + " " + last;
    if (m["from"].value("is_bot", false)) return std::nullopt;  // our own bot or another one
  }
  if (m.contains("reply_to_message") && m["reply_to_message"].is_object() &&
      m["reply_to_message"].contains("message_id") && m["reply_to_message"]["message_id"].is_number_integer())
    out.reply_to = m["reply_to_message"]["message_id"].get<std::int64_t>();
  if (out.chat_id.empty()) return std::nullopt;
  return out;
}

std::string telegram_relay_text(const std::string& visitor_name, const std::string& conversation_id,
                                const std::string& text, bool waiting_notice) {
  std::string out = (waiting_notice ? "\xF0\x9F\x94\x94 Waiting: " : "\xF0\x9F\x92\xAC ") +
                    (visitor_name.empty() ? std::string("Visitor") : visitor_name) + " \xC2\xB7 " + conversation_id +
                    "\n" + text;
  // Telegram allows 4096 UTF-16 units: cut before a character that would pass 4090.
  std::size_t units = 0, i = 0;
  for (; i < out.size(); ++i) {
    auto c = static_cast<unsigned char>(out[i]);
    if ((c & 0xc0) == 0x80) continue;
    units += c >= 0xf0 ? 2 : 1;
    if (units > 4090) break;
  }
  if (i < out.size()) out = out.substr(0, i) + "\xE2\x80\xA6";
  return out;
}

telegram_channels::telegram_channels(events::event_log& log, events::group_commit_writer& writer, const vault& secrets)
    : log_(log), streams_(log, writer, "telegram/"), vault_(secrets) {}

events::status telegram_channels::load() {
  std::unique_lock lock{mutex_};
  return streams_.load([this](const std::string& ws, const std::string&, const json& d) {
    auto& l = by_workspace_[ws];
    apply(l, d);
    if (l.bot_token.empty()) return events::status::error("cannot open the Telegram bot token of " + ws + " (another secrets key?)");
    return events::status{};
  });
}

void telegram_channels::apply(telegram_link& l, const json& d) {
  l.workspace_id = d.value("workspace_id", l.workspace_id);
  l.staff_chat_id = d.value("staff_chat_id", l.staff_chat_id);
  l.mode = d.value("mode", l.mode);
  l.api_base_url = d.value("api_base_url", l.api_base_url);
  l.webhook_url = d.value("webhook_url", l.webhook_url);
  if (d.contains("staff_users") && d["staff_users"].is_object()) {
    l.staff_users.clear();
    for (auto& [k, v] : d["staff_users"].items()) l.staff_users[k] = v.get<std::string>();
  }
  if (d.contains("bot_token_sealed"))
    if (auto s = vault_.open(d["bot_token_sealed"].get<std::string>())) l.bot_token = *s;
  if (d.contains("webhook_secret_sealed"))
    if (auto s = vault_.open(d["webhook_secret_sealed"].get<std::string>())) l.webhook_secret = *s;
  l.version = static_cast<std::uint64_t>(d.value("ts", std::int64_t{0}));
  ++version_;
}

json telegram_channels::view(const std::string& workspace_id) const {
  std::shared_lock lock{mutex_};
  auto it = by_workspace_.find(workspace_id);
  if (it == by_workspace_.end() || it->second.bot_token.empty()) return {{"configured", false}};
  auto& l = it->second;
  auto colon = l.bot_token.find(':');
  return {{"configured", true},
          {"bot_id", l.bot_token.substr(0, colon)},
          {"bot_token_set", true},
          {"staff_chat_id", l.staff_chat_id},
          {"mode", l.mode},
          {"api_base_url", l.api_base_url},
          {"webhook_url", l.webhook_url.empty() ? json(nullptr) : json(l.webhook_url)},
          {"webhook_path", "/hooks/telegram/" + workspace_id},
          {"staff_users", l.staff_users},
          {"updated_ts", l.version}};
}

std::optional<telegram_link> telegram_channels::link(const std::string& workspace_id) const {
  std::shared_lock lock{mutex_};
  auto it = by_workspace_.find(workspace_id);
  if (it == by_workspace_.end() || it->second.bot_token.empty()) return std::nullopt;
  return it->second;
}

std::vector<telegram_link> telegram_channels::links() const {
  std::shared_lock lock{mutex_};
  std::vector<telegram_link> out;
  for (auto& [ws, l] : by_workspace_)
    if (!l.bot_token.empty()) out.push_back(l);
  return out;
}

bool telegram_channels::linked(const std::string& workspace_id) const {
  std::shared_lock lock{mutex_};
  auto it = by_workspace_.find(workspace_id);
  return it != by_workspace_.end() && !it->second.bot_token.empty();
}

bool telegram_channels::any() const {
  std::shared_lock lock{mutex_};
  return !by_workspace_.empty();
}

std::uint64_t telegram_channels::version() const {
  std::shared_lock lock{mutex_};
  return version_;
}

void telegram_channels::configure(const std::string& workspace_id, const json& body,
                                  const std::function<bool(const std::string&)>& user_ok,
                                  std::function<void(const telegram_result&)> done) {
  auto bad = [&](std::string m) { done({{errc::bad_request, std::move(m)}, {}, 0}); };
  for (auto& [k, v] : body.items())
    if (k != "bot_token" && k != "staff_chat_id" && k != "mode" && k != "webhook_url" && k != "api_base_url" &&
        k != "staff_users")
      return bad("unknown field " + k);
  auto current = link(workspace_id);
  if (body.contains("bot_token") ? !body["bot_token"].is_string() || !bot_token_ok(body["bot_token"]) : !current)
    return bad("bot_token must be the token @BotFather gave (digits:letters)");
  auto chat = body.contains("staff_chat_id") ? id_text(body["staff_chat_id"]) : std::string();
  if (!chat_id_ok(chat)) return bad("staff_chat_id must be the staff chat's numeric id (groups are negative) or @name");
  std::string mode = body.value("mode", json("polling")).is_string() ? body.value("mode", "polling") : "";
  if (mode != "polling" && mode != "webhook") return bad("mode must be polling or webhook");
  std::string err, hook;
  if (mode == "webhook") {
    if (!body.contains("webhook_url") || !body["webhook_url"].is_string() || !parse_url(body["webhook_url"].get<std::string>(), err))
      return bad("webhook mode needs webhook_url: the public https URL of /hooks/telegram/" + workspace_id);
    hook = body["webhook_url"];
  }
  std::string api = "https://api.telegram.org";
  if (body.contains("api_base_url")) {
    if (!body["api_base_url"].is_string() || !parse_url(body["api_base_url"].get<std::string>(), err))
      return bad("api_base_url must be an http(s) URL");
    api = body["api_base_url"];
    while (!api.empty() && api.back() == '/') api.pop_back();
  }
  json users = json::object();
  if (body.contains("staff_users")) {
    if (!body["staff_users"].is_object() || body["staff_users"].size() > 500)
      return bad("staff_users must map Telegram user ids to user ids (at most 500)");
    for (auto& [tg, uid] : body["staff_users"].items()) {
      if (tg.empty() || tg.size() > 20 || tg.find_first_not_of("0123456789") != std::string::npos)
        return bad("staff_users: " + tg + " is not a Telegram user id");
      if (!uid.is_string() || !user_ok(uid.get<std::string>()))
        return bad("staff_users: " + tg + " must name a user of this workspace");
      users[tg] = uid;
    }
  }
  json data{{"workspace_id", workspace_id}, {"staff_chat_id", chat}, {"mode", mode}, {"api_base_url", api},
            {"webhook_url", hook},           {"staff_users", users}, {"ts", unix_ms()}};
  if (body.contains("bot_token")) data["bot_token_sealed"] = vault_.seal(body["bot_token"].get<std::string>());
  if (!current || current->webhook_secret.empty()) data["webhook_secret_sealed"] = vault_.seal(random_id("tg", 24));
  streams_.append(workspace_id, "telegram_configured", data, [this, workspace_id, data, done](const failure& f, std::uint64_t pos) {
    if (f.code != errc::ok) return done({f, {}, 0});
    {
      std::unique_lock lock{mutex_};
      apply(by_workspace_[workspace_id], data);
    }
    done({{}, view(workspace_id), pos});
  });
}

void telegram_channels::remember(const std::string& workspace_id, std::int64_t message_id, const std::string& conversation_id) {
  // WAL on, no fsync: losing the last mappings in a power cut only means staff replies to
  // those few relayed messages get "not found" back.
  auto s = log_.db()->Put(rocksdb::WriteOptions(), log_.state_cf(), map_key(workspace_id, message_id), conversation_id);
  if (!s.ok()) std::fprintf(stderr, "telegram: cannot remember a relayed message: %s\n", s.ToString().c_str());
}

std::optional<std::string> telegram_channels::conversation_for(const std::string& workspace_id, std::int64_t message_id) const {
  std::string value;
  if (!log_.db()->Get(rocksdb::ReadOptions(), log_.state_cf(), map_key(workspace_id, message_id), &value).ok())
    return std::nullopt;
  return value;
}

std::int64_t telegram_channels::update_offset(const std::string& workspace_id) const {
  std::string value;
  if (!log_.db()->Get(rocksdb::ReadOptions(), log_.state_cf(), offset_key(workspace_id), &value).ok()) return 0;
  try {
    return std::stoll(value);
  } catch (...) {
    return 0;
  }
}

void telegram_channels::save_update_offset(const std::string& workspace_id, std::int64_t update_id) {
  auto s = log_.db()->Put(rocksdb::WriteOptions(), log_.state_cf(), offset_key(workspace_id), std::to_string(update_id));
  if (!s.ok()) std::fprintf(stderr, "telegram: cannot save the update offset: %s\n", s.ToString().c_str());
}

}  // namespace sb::integrations
