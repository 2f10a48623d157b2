#pragma once
// attachments: the `attachments` of a message (visitor and agent `message` frames, POST
// /conversations/{id}/messages), checked in one place. Clients name uploaded files by id
// ([{id}]); the server writes the full objects [{id, name, content_type, size, url}] from the
// file store into the message, so a client never chooses another file's name, type or size.
//
// Threads: check_attachments reads the file store's memory and never blocks (any thread).
// share_with_visitor is asynchronous; `done` runs on a CAF worker or the log writer thread.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/conversation/commands.hpp"
#include "actors/errors.hpp"
#include "http/app.hpp"

namespace sb::http {

inline constexpr std::size_t kMaxAttachments = 10;

struct checked_attachments {
  failure error;            // errc::ok when the attachments are fine
  std::string json = "[]";  // for conversation::post_message::attachments
  std::vector<std::string> ids;
  bool ok() const { return error.code == errc::ok; }
};

// `value` is the message's "attachments" (null when absent: none): an array of at most 10
// {id}, each naming a file of the sender's workspace that the sender may read (staff: any file
// of the workspace; a visitor: its own uploads and files shared with it). Anything else is
// bad_request and the caller stores nothing. Repeated ids count once.
checked_attachments check_attachments(const app& a, const conversation::principal& sender,
                                      const nlohmann::json& value);

// A staff member's message with attachments to conversation `conversation_id`: lets the
// conversation's visitor read `ids`, then calls `done` (at once when `ids` is empty). Callers
// do this BEFORE posting the message: the visitor's socket gets the message frame at the same
// time as the author's ack, and a widget that fetches the file at once must not get 404.
// The cost: if the post is then refused, the visitor may still read files its agent tried to
// send it. The visitor is the one in the conversation's actor state (chat_service::get), so
// this also works for a conversation the read model has not applied yet.
void share_with_visitor(app& a, const conversation::principal& staff,
                        const std::string& conversation_id, const std::vector<std::string>& ids,
                        std::function<void(const failure&)> done);

}  // namespace sb::http
