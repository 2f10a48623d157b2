// Files over the real binary: uploads by visitors and staff (raw bodies, type by content, the
// upload cap answered 413 without the JSON limit getting in the way), downloads with safe
// headers for exactly those who may read a file, and attachments in messages (full objects in
// every frame and in history, the conversation's visitor may download what its agent sent,
// foreign or unknown ids refused with nothing stored).
#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>
#include <tuple>

#include "tests/integration/support/server_fixture.hpp"
#include "tests/support/file_samples.hpp"

namespace switchboard::integration {
namespace {

using headers = std::vector<std::pair<std::string, std::string>>;

class Files : public server_fixture {
 protected:
  Files() { extra_server_args_ = {"--upload-max-bytes", "1000"}; }

  static std::string visitor_token(const chat_peer& visitor) { return str_of(visitor.welcome(), "visitor_token"); }

  http_response upload_as_visitor(const chat_peer& visitor, const std::string& bytes,
                                  const std::string& name, const std::string& type = "image/png") {
    return http().request_raw("POST", api("/files"), bytes, type, std::nullopt,
                              headers{{"X-Filename", name}, {"X-Visitor-Token", visitor_token(visitor)}});
  }
  http_response upload_as_staff(const std::string& token, const std::string& bytes, const std::string& name,
                                const std::string& type = "image/png") {
    return http().request_raw("POST", api("/files"), bytes, type, token, headers{{"X-Filename", name}});
  }
  // The id of a fresh upload, or "" after ADD_FAILURE.
  std::string uploaded_id(const http_response& r) {
    EXPECT_EQ(r.status, 201) << r.describe();
    return r.status == 201 ? id_of(r.body["id"]) : std::string();
  }
  http_response download_as_visitor(const std::string& id, const chat_peer& visitor) {
    return http().request_raw("GET", api("/files/" + id), "", "", std::nullopt,
                              headers{{"X-Visitor-Token", visitor_token(visitor)}});
  }
  std::optional<json> send_frame(chat_peer& peer, const json& frame) {
    if (!peer.send(frame)) {
      ADD_FAILURE() << peer.name() << ": cannot send " << frame.dump();
      return std::nullopt;
    }
    auto reply = peer.next(is_reply_to(str_of(frame, "client_msg_id")));
    if (!reply) ADD_FAILURE() << peer.name() << ": no answer to " << frame.dump() << "\n" << peer.describe();
    return reply;
  }
  // The history (first 200 items) once it holds `client_msg_id`: the read model applies the log
  // a moment after the ack, and answers 404 until it has the conversation. nullopt after
  // ADD_FAILURE.
  std::optional<std::vector<json>> history_with(const std::string& cid, const std::string& client_msg_id) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    http_response r;
    for (;;) {
      r = http().get(api("/conversations/" + cid + "/messages?after_seq=0&limit=200"), admin_token_);
      if (r.status == 200 && r.body["items"].is_array())
        for (auto& item : r.body["items"])
          if (str_of(item, "client_msg_id") == client_msg_id) return r.body["items"].get<std::vector<json>>();
      if (std::chrono::steady_clock::now() > deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "history of " << cid << " never showed " << client_msg_id << ": " << r.describe();
    return std::nullopt;
  }
  std::unique_ptr<chat_peer> subscribed_agent(const std::string& cid) {
    auto agent = connect_agent(admin_token_);
    if (!agent) return nullptr;
    agent->send({{"type", "subscribe"}, {"conversation_id", cid}, {"after_seq", 0}});
    return agent;
  }
};

void expect_safe_download_headers(const http_response& r, const std::string& type, const std::string& name) {
  EXPECT_EQ(r.header("content-type"), type);
  EXPECT_EQ(r.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(r.header("content-disposition"),
            "attachment; filename=\"" + name + "\"; filename*=UTF-8''" + name);
  EXPECT_EQ(r.header("cache-control"), "private, max-age=3600");
  EXPECT_EQ(r.header("content-security-policy"), "default-src 'none'; sandbox");
}

TEST_F(Files, VisitorAndStaffUpload_StaffDownloadTheSameBytesWithSafeHeaders) {
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  auto png_v = sb::test::png_1x1(1), png_s = sb::test::png_1x1(2);
  auto rv = upload_as_visitor(*visitor, png_v, "dot.png");
  ASSERT_EQ(rv.status, 201) << rv.describe();
  auto id_v = id_of(rv.body["id"]);
  EXPECT_EQ(rv.body["url"], "/api/v1/files/" + id_v);
  EXPECT_EQ(rv.body["name"], "dot.png");
  EXPECT_EQ(rv.body["content_type"], "image/png");
  EXPECT_EQ(rv.body["size"], png_v.size());
  auto rs = upload_as_staff(admin_token_, png_s, "staff.png");
  ASSERT_EQ(rs.status, 201) << rs.describe();
  auto id_s = id_of(rs.body["id"]);
  EXPECT_NE(id_v, id_s);

  for (auto& [id, bytes, name] : {std::tuple{id_v, png_v, std::string("dot.png")}, std::tuple{id_s, png_s, std::string("staff.png")}}) {
    auto d = http().get(api("/files/" + id), admin_token_);
    ASSERT_EQ(d.status, 200) << d.describe();
    EXPECT_EQ(d.raw_body, bytes);
    expect_safe_download_headers(d, "image/png", name);
  }
  // The uploader downloads its own file, by header or by query (for <img src>).
  auto own = download_as_visitor(id_v, *visitor);
  EXPECT_EQ(own.status, 200) << own.describe();
  EXPECT_EQ(own.raw_body, png_v);
  auto by_query = http().get(api("/files/" + id_v + "?visitor_token=" + url_encode(visitor_token(*visitor))));
  EXPECT_EQ(by_query.status, 200) << by_query.describe();
  EXPECT_EQ(by_query.raw_body, png_v);
}

TEST_F(Files, TextUpload_IsServedAsUtf8PlainTextAndANonAsciiNameIsEncoded) {
  auto r = http().request_raw("POST", api("/files"), "hello\n", "text/plain", admin_token_,
                              headers{{"X-Filename", "gr%C3%BC%C3%9Fe%22.txt"}});
  ASSERT_EQ(r.status, 201) << r.describe();
  EXPECT_EQ(r.body["name"], "gr\xC3\xBC\xC3\x9F" "e\".txt");
  auto d = http().get(api("/files/" + id_of(r.body["id"])), admin_token_);
  ASSERT_EQ(d.status, 200) << d.describe();
  EXPECT_EQ(d.header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(d.header("content-disposition"),
            "attachment; filename=\"gr__e_.txt\"; filename*=UTF-8''gr%C3%BC%C3%9Fe%22.txt");
}

TEST_F(Files, HtmlNamedPngWithAnImageContentType_IsRefused) {
  auto r = upload_as_staff(admin_token_, "<html><script>alert(1)</script></html>", "x.png", "image/png");
  EXPECT_EQ(r.status, 400) << r.describe();
  EXPECT_EQ(r.error_code(), "bad_request");
  EXPECT_NE(r.body["error"].value("message", "").find("not allowed"), std::string::npos) << r.describe();
}

TEST_F(Files, BodyOverTheUploadCap_Gets413AndTheServerGoesOn) {
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  auto r = upload_as_visitor(*visitor, std::string(2000, 'a'), "big.txt", "text/plain");
  EXPECT_EQ(r.status, 413) << r.describe();
  EXPECT_EQ(r.error_code(), "too_large");
  auto staff = upload_as_staff(admin_token_, std::string(1001, 'a'), "big.txt", "text/plain");
  EXPECT_EQ(staff.status, 413) << staff.describe();
  // Exactly at the cap is fine.
  auto at_cap = upload_as_staff(admin_token_, std::string(1000, 'a'), "cap.txt", "text/plain");
  EXPECT_EQ(at_cap.status, 201) << at_cap.describe();
  EXPECT_EQ(http().get("/healthz").status, 200);
}

TEST_F(Files, WithoutAValidToken_UploadsGet401AndDownloadsRevealNothing) {
  auto owner = connect_visitor({{"type", "hello"}}, "owner");
  auto other = connect_visitor({{"type", "hello"}}, "other");
  ASSERT_TRUE(owner && other);
  auto id = uploaded_id(upload_as_visitor(*owner, sb::test::png_1x1(3), "mine.png"));
  ASSERT_FALSE(id.empty());

  auto anonymous = http().request_raw("POST", api("/files"), sb::test::png_1x1(4), "image/png");
  EXPECT_EQ(anonymous.status, 401) << anonymous.describe();
  auto forged = http().request_raw("POST", api("/files"), sb::test::png_1x1(4), "image/png", std::nullopt,
                                   headers{{"X-Visitor-Token", "not.a-token"}});
  EXPECT_EQ(forged.status, 401) << forged.describe();

  auto r = download_as_visitor(id, *other);
  EXPECT_EQ(r.status, 404) << r.describe();
  EXPECT_EQ(r.error_code(), "not_found");
  auto none = http().get(api("/files/" + id));
  EXPECT_TRUE(none.status == 401 || none.status == 404) << none.describe();
  auto unknown = http().get(api("/files/fi_000000000000000000000000"), admin_token_);
  EXPECT_EQ(unknown.status, 404) << unknown.describe();
  // The same answer for a file that exists but is not yours as for one that does not.
  auto unknown_for_visitor = download_as_visitor("fi_000000000000000000000000", *other);
  EXPECT_EQ(unknown_for_visitor.status, r.status);
  EXPECT_EQ(unknown_for_visitor.raw_body, r.raw_body);
}

TEST_F(Files, VisitorMessageWithAnAttachment_CarriesTheFileInEveryFrameAndInHistory) {
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  auto cid = open_conversation(*visitor);
  ASSERT_FALSE(cid.empty());
  auto agent = subscribed_agent(cid);
  ASSERT_TRUE(agent);
  auto up = upload_as_visitor(*visitor, sb::test::png_1x1(5), "photo.png");
  auto id = uploaded_id(up);
  ASSERT_FALSE(id.empty());
  json expected = up.body;
  expected.erase("position");

  // No text: the attachment is the message.
  auto ack = send_frame(*visitor, {{"type", "message"}, {"client_msg_id", "v-att"}, {"text", ""},
                                   {"attachments", json::array({{{"id", id}}})}});
  ASSERT_TRUE(ack);
  ASSERT_EQ(str_of(*ack, "type"), "ack") << ack->dump();
  for (auto* peer : {visitor.get(), agent.get()}) {
    auto m = peer->next(is_message(cid, "v-att"));
    ASSERT_TRUE(m) << peer->describe();
    EXPECT_EQ((*m)["attachments"], json::array({expected})) << m->dump();
  }
  auto history = history_with(cid, "v-att");
  ASSERT_TRUE(history);
  EXPECT_EQ(history->back()["client_msg_id"], "v-att");
  EXPECT_EQ(history->back()["attachments"], json::array({expected}));
}

TEST_F(Files, AgentSendsAFile_TheConversationsVisitorCanDownloadItAndNoOtherVisitor) {
  auto visitor = connect_visitor({{"type", "hello"}}, "visitor");
  auto stranger = connect_visitor({{"type", "hello"}}, "stranger");
  ASSERT_TRUE(visitor && stranger);
  auto cid = open_conversation(*visitor);
  ASSERT_FALSE(cid.empty());
  auto agent = subscribed_agent(cid);
  ASSERT_TRUE(agent);
  auto pdf = sb::test::pdf_minimal();
  auto up = upload_as_staff(admin_token_, pdf, "invoice.pdf", "application/pdf");
  auto id = uploaded_id(up);
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(download_as_visitor(id, *visitor).status, 404) << "not shared yet";

  auto ack = send_frame(*agent, {{"type", "message"}, {"conversation_id", cid}, {"client_msg_id", "a-att"},
                                 {"text", "your invoice"}, {"attachments", json::array({{{"id", id}}})}});
  ASSERT_TRUE(ack);
  ASSERT_EQ(str_of(*ack, "type"), "ack") << ack->dump();
  auto m = visitor->next(is_message(cid, "a-att"));
  ASSERT_TRUE(m) << visitor->describe();
  ASSERT_EQ((*m)["attachments"].size(), 1u) << m->dump();
  EXPECT_EQ((*m)["attachments"][0]["id"], id);
  EXPECT_EQ((*m)["attachments"][0]["content_type"], "application/pdf");
  // As soon as the frame is there, the file may be fetched.
  auto d = download_as_visitor(id, *visitor);
  ASSERT_EQ(d.status, 200) << d.describe();
  EXPECT_EQ(d.raw_body, pdf);
  expect_safe_download_headers(d, "application/pdf", "invoice.pdf");
  EXPECT_EQ(download_as_visitor(id, *stranger).status, 404);

  // The same over HTTP.
  auto png = sb::test::png_1x1(6);
  auto id2 = uploaded_id(upload_as_staff(admin_token_, png, "chart.png"));
  ASSERT_FALSE(id2.empty());
  auto post = http().post(api("/conversations/" + cid + "/messages"),
                          {{"client_msg_id", "h-att"}, {"text", ""}, {"attachments", json::array({{{"id", id2}}})}},
                          admin_token_);
  ASSERT_EQ(post.status, 201) << post.describe();
  auto m2 = visitor->next(is_message(cid, "h-att"));
  ASSERT_TRUE(m2) << visitor->describe();
  EXPECT_EQ((*m2)["attachments"][0]["id"], id2);
  EXPECT_EQ(download_as_visitor(id2, *visitor).raw_body, png);
}

TEST_F(Files, PrivateNoteWithAFile_SharesNothingWithTheVisitor) {
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  auto cid = open_conversation(*visitor);
  ASSERT_FALSE(cid.empty());
  auto id = uploaded_id(upload_as_staff(admin_token_, sb::test::png_1x1(7), "internal.png"));
  ASSERT_FALSE(id.empty());
  auto post = http().post(api("/conversations/" + cid + "/messages"),
                          {{"client_msg_id", "note"}, {"text", "see this"}, {"private", true},
                           {"attachments", json::array({{{"id", id}}})}},
                          admin_token_);
  ASSERT_EQ(post.status, 201) << post.describe();
  EXPECT_EQ(download_as_visitor(id, *visitor).status, 404);
}

TEST_F(Files, ForeignOrUnknownAttachments_AreRefusedWithTheRefAndNothingIsStored) {
  auto owner = connect_visitor({{"type", "hello"}}, "owner");
  auto other = connect_visitor({{"type", "hello"}}, "other");
  ASSERT_TRUE(owner && other);
  auto cid = open_conversation(*other);
  ASSERT_FALSE(cid.empty());
  auto foreign = uploaded_id(upload_as_visitor(*owner, sb::test::png_1x1(8), "mine.png"));
  ASSERT_FALSE(foreign.empty());
  struct bad_case {
    const char* client_msg_id;
    json attachments;
  } cases[] = {
      {"foreign", json::array({{{"id", foreign}}})},
      {"unknown", json::array({{{"id", "fi_000000000000000000000000"}}})},
      {"not-objects", json::array({foreign})},
      {"not-an-array", {{"id", foreign}}},
      {"eleven", json::array()},
  };
  for (int i = 0; i < 11; ++i) cases[4].attachments.push_back({{"id", foreign}});
  for (auto& bc : cases) {
    auto reply = send_frame(*other, {{"type", "message"}, {"client_msg_id", bc.client_msg_id}, {"text", "x"},
                                     {"attachments", bc.attachments}});
    ASSERT_TRUE(reply);
    EXPECT_EQ(str_of(*reply, "type"), "error") << reply->dump();
    EXPECT_EQ(str_of(*reply, "code"), "bad_request") << reply->dump();
    EXPECT_EQ(str_of(*reply, "ref"), bc.client_msg_id) << reply->dump();
  }
  // Staff: an unknown id over HTTP and over the agent socket.
  auto post = http().post(api("/conversations/" + cid + "/messages"),
                          {{"client_msg_id", "h-unknown"}, {"text", "x"},
                           {"attachments", json::array({{{"id", "fi_000000000000000000000000"}}})}},
                          admin_token_);
  EXPECT_EQ(post.status, 400) << post.describe();
  auto agent = connect_agent(admin_token_);
  ASSERT_TRUE(agent);
  auto reply = send_frame(*agent, {{"type", "message"}, {"conversation_id", cid}, {"client_msg_id", "a-unknown"},
                                   {"text", "x"}, {"attachments", json::array({{{"id", "fi_nope"}}})}});
  ASSERT_TRUE(reply);
  EXPECT_EQ(str_of(*reply, "code"), "bad_request") << reply->dump();
  EXPECT_EQ(str_of(*reply, "ref"), "a-unknown") << reply->dump();

  // A good message after them: history up to it holds none of the refused ones.
  ASSERT_EQ(send_frame(*other, {{"type", "message"}, {"client_msg_id", "fine"}, {"text", "ok"}}).value_or(json())["type"], "ack");
  auto after = history_with(cid, "fine");
  ASSERT_TRUE(after);
  for (auto& item : *after)
    EXPECT_TRUE(str_of(item, "client_msg_id") == "v1" || str_of(item, "client_msg_id") == "fine" ||
                str_of(item, "type") != "message")
        << "a refused message was stored: " << item.dump();
  EXPECT_EQ(download_as_visitor(foreign, *other).status, 404) << "and nothing was shared";
}

TEST_F(Files, AnotherWorkspacesStaff_GetTheSame404AndCannotAttachTheFile) {
  auto visitor = connect_visitor();
  ASSERT_TRUE(visitor);
  auto cid = open_conversation(*visitor);
  ASSERT_FALSE(cid.empty());
  auto id = uploaded_id(upload_as_staff(admin_token_, sb::test::png_1x1(9), "a.png"));
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(server_->stop_term(), 0);
  std::string cmd = server_->binary() + " add-workspace --data-dir " + server_->data_dir() +
                    " --admin-email admin-b@switchboard.test --admin-password other-password-9"
                    " --workspace-name B > /dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  ASSERT_TRUE(restart_server());
  auto token_b = login("admin-b@switchboard.test", "other-password-9");
  ASSERT_FALSE(token_b.empty());

  // Files survive the restart (load() folds them back) and stay A's.
  EXPECT_EQ(http().get(api("/files/" + id), admin_token_).status, 200);
  auto theirs = http().get(api("/files/" + id), token_b);
  auto none = http().get(api("/files/fi_000000000000000000000000"), token_b);
  EXPECT_EQ(theirs.status, 404) << theirs.describe();
  EXPECT_EQ(theirs.raw_body, none.raw_body);
  auto id_b = uploaded_id(upload_as_staff(token_b, sb::test::png_1x1(10), "b.png"));
  ASSERT_FALSE(id_b.empty());
  EXPECT_EQ(http().get(api("/files/" + id_b), admin_token_).status, 404);
  // A's admin cannot put B's file into A's conversation.
  auto post = http().post(api("/conversations/" + cid + "/messages"),
                          {{"client_msg_id", "steal"}, {"text", "x"}, {"attachments", json::array({{{"id", id_b}}})}},
                          admin_token_);
  EXPECT_EQ(post.status, 400) << post.describe();
}

// The default cap: an upload over the 1 MiB JSON limit is taken, a JSON body over it is not.
class FilesDefaultCap : public server_fixture {};

TEST_F(FilesDefaultCap, UploadOverOneMiB_IsTakenWhileJsonBodiesStayCappedAtOneMiB) {
  std::string text(3u << 20, 'a');
  auto r = http().request_raw("POST", api("/files"), text, "text/plain", admin_token_,
                              headers{{"X-Filename", "big.txt"}});
  ASSERT_EQ(r.status, 201) << r.describe();
  EXPECT_EQ(r.body["size"], text.size());
  auto d = http().get(api("/files/" + id_of(r.body["id"])), admin_token_);
  ASSERT_EQ(d.status, 200) << d.describe();
  EXPECT_EQ(d.raw_body.size(), text.size());
  EXPECT_TRUE(d.raw_body == text);

  json big{{"name", std::string(2u << 20, 'w')}};
  auto j = http().post(api("/widgets"), big, admin_token_);
  EXPECT_EQ(j.status, 413) << j.describe();
  auto over = http().request_raw("POST", api("/files"), std::string((10u << 20) + 1, 'a'), "text/plain",
                                 admin_token_);
  EXPECT_EQ(over.status, 413) << over.describe();
}

}  // namespace
}  // namespace switchboard::integration
