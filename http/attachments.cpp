#include "http/attachments.hpp"

#include <algorithm>
#include <memory>
#include <mutex>

#include "actors/chat_service.hpp"
#include "actors/files/file_store.hpp"

namespace sb::http {
using json = nlohmann::json;

checked_attachments check_attachments(const app& a, const conversation::principal& sender,
                                      const json& value) {
  checked_attachments out;
  if (value.is_null()) return out;
  auto refuse = [&out](std::string why) {
    out.error = {errc::bad_request, std::move(why)};
    out.ids.clear();
    out.json = "[]";
    return out;
  };
  if (!value.is_array()) return refuse("attachments must be an array of {id}");
  if (value.size() > kMaxAttachments)
    return refuse("a message has at most " + std::to_string(kMaxAttachments) + " attachments");
  files::principal who{sender.who.kind, sender.who.id, sender.workspace_id};
  json objects = json::array();
  for (auto& item : value) {
    auto id = item.is_object() ? item.find("id") : item.end();
    if (!item.is_object() || id == item.end() || !id->is_string() ||
        id->get_ref<const std::string&>().empty() || id->get_ref<const std::string&>().size() > 64)
      return refuse("each attachment is {id} with the id of an uploaded file");
    const auto& file_id = id->get_ref<const std::string&>();
    if (std::find(out.ids.begin(), out.ids.end(), file_id) != out.ids.end()) continue;
    // Unknown, another workspace's, or not the sender's to read: one answer, so a file's
    // existence is never revealed.
    auto meta = a.files.get(file_id);
    if (!meta || !a.files.may_read(*meta, who)) return refuse("no such file: " + file_id);
    objects.push_back(meta->public_json());
    out.ids.push_back(file_id);
  }
  out.json = objects.dump();
  return out;
}

void share_with_visitor(app& a, const conversation::principal& staff,
                        const std::string& conversation_id, const std::vector<std::string>& ids,
                        std::function<void(const failure&)> done) {
  if (ids.empty()) return done({});
  a.chat.get(staff, conversation_id, [&a, ids, done](const failure& f, const conversation_info& info) {
    if (f.code != errc::ok) return done(f);
    auto conv = json::parse(info.json, nullptr, false);
    std::string visitor_id;
    if (conv.is_object() && conv["visitor"].is_object()) visitor_id = conv["visitor"].value("id", "");
    if (visitor_id.empty()) return done({});  // no visitor to share with
    // Every share answers once; the first failure (or success after all) answers `done`.
    struct pending {
      std::mutex mutex;
      std::size_t left;
      failure first;
    };
    auto p = std::make_shared<pending>();
    p->left = ids.size();
    for (auto& id : ids)
      a.files.share(id, visitor_id, [p, done](const failure& sf, std::uint64_t) {
        failure result;
        {
          std::lock_guard lock{p->mutex};
          if (sf.code != errc::ok && p->first.code == errc::ok) p->first = sf;
          if (--p->left != 0) return;
          result = p->first;
        }
        done(result);
      });
  });
}

}  // namespace sb::http
