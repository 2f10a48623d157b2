#include "actors/files/file_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>

#include "actors/files/sniff.hpp"
#include "events/blocking_pool.hpp"
#include "events/group_commit_writer.hpp"
#include "events/log.hpp"
#include "tests/support/file_samples.hpp"
#include "tests/support/store.hpp"

namespace sb::files {
namespace {
using json = nlohmann::json;
namespace fs = std::filesystem;

class FileStore : public ::testing::Test {
 protected:
  FileStore() { files_ = make_store(); }
  std::unique_ptr<file_store> make_store(std::uint64_t max_bytes = 10ull << 20) {
    auto s = std::make_unique<file_store>(*store_.log, *store_.writer, pool_,
                                          file_store::options{root(), max_bytes});
    EXPECT_TRUE(s->load().ok());
    return s;
  }
  std::string root() const { return store_.dir.path() + "/files"; }
  put_result put(file_store& s, const std::string& ws, party who, std::string name,
                 std::string bytes) {
    std::promise<put_result> p;
    s.put(ws, std::move(who), std::move(name), std::move(bytes),
          [&](const put_result& r) { p.set_value(r); });
    return p.get_future().get();
  }
  put_result put(std::string name, std::string bytes) {
    return put(*files_, "ws_a", {"agent", "us_1"}, std::move(name), std::move(bytes));
  }
  std::pair<failure, std::uint64_t> share(file_store& s, const std::string& id,
                                          const std::string& visitor) {
    std::promise<std::pair<failure, std::uint64_t>> p;
    s.share(id, visitor, [&](const failure& f, std::uint64_t pos) { p.set_value({f, pos}); });
    return p.get_future().get();
  }
  std::size_t blobs() const {
    std::size_t n = 0;
    for (auto& e : fs::recursive_directory_iterator(root()))
      if (e.is_regular_file() && e.path().parent_path().filename() != "tmp") ++n;
    return n;
  }

  test::store store_;
  events::blocking_pool pool_{2};
  std::unique_ptr<file_store> files_;
};

TEST_F(FileStore, PutThenGetAndReadBytes_RoundTripsContentAndMeta) {
  auto png = test::png_1x1();
  auto r = put("cat.png", png);
  ASSERT_EQ(r.error.code, errc::ok) << r.error.message;
  EXPECT_GT(r.position, 0u);
  EXPECT_EQ(r.meta.id.rfind("fi_", 0), 0u);
  EXPECT_EQ(r.meta.id.size(), 3u + 24u);
  EXPECT_EQ(r.meta.content_type, "image/png");
  EXPECT_EQ(r.meta.size, png.size());
  EXPECT_EQ(r.meta.name, "cat.png");
  EXPECT_EQ(r.meta.workspace_id, "ws_a");
  EXPECT_EQ(r.meta.sha256.size(), 64u);
  EXPECT_TRUE(fs::exists(root() + "/" + r.meta.sha256.substr(0, 2) + "/" + r.meta.sha256));

  auto got = files_->get(r.meta.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->sha256, r.meta.sha256);
  std::string bytes;
  ASSERT_TRUE(files_->read_bytes(*got, bytes).ok());
  EXPECT_EQ(bytes, png);
  EXPECT_EQ(got->public_json(), (json{{"id", r.meta.id},
                                      {"url", "/api/v1/files/" + r.meta.id},
                                      {"name", "cat.png"},
                                      {"content_type", "image/png"},
                                      {"size", png.size()}}));
  EXPECT_FALSE(files_->get("fi_000000000000000000000000"));
}

TEST_F(FileStore, Put_WritesOneFileStoredEventInItsOwnStream) {
  auto r = put("report.pdf", test::pdf_minimal());
  ASSERT_EQ(r.error.code, errc::ok) << r.error.message;
  std::vector<events::envelope> evs;
  ASSERT_TRUE(store_.log->read_stream("file/" + r.meta.id, 0, 10, evs).ok());
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].type, "file_stored");
  EXPECT_EQ(evs[0].version, 1);
  EXPECT_EQ(evs[0].position, r.position);
  auto d = json::parse(evs[0].data);
  EXPECT_EQ(d["id"], r.meta.id);
  EXPECT_EQ(d["workspace_id"], "ws_a");
  EXPECT_EQ(d["sha256"], r.meta.sha256);
  EXPECT_EQ(d["content_type"], "application/pdf");
  EXPECT_EQ(d["uploader"], (json{{"kind", "agent"}, {"id", "us_1"}}));
  EXPECT_TRUE(d["ts"].is_number_integer());
}

TEST_F(FileStore, IdenticalContent_IsStoredOnce) {
  auto a = put("a.png", test::png_1x1(1));
  auto b = put("b.png", test::png_1x1(1));
  ASSERT_EQ(a.error.code, errc::ok);
  ASSERT_EQ(b.error.code, errc::ok);
  EXPECT_NE(a.meta.id, b.meta.id);
  EXPECT_EQ(a.meta.sha256, b.meta.sha256);
  EXPECT_EQ(blobs(), 1u);
  auto c = put("c.png", test::png_1x1(2));
  ASSERT_EQ(c.error.code, errc::ok);
  EXPECT_NE(c.meta.sha256, a.meta.sha256);
  EXPECT_EQ(blobs(), 2u);
}

TEST_F(FileStore, UploadsOverTheSizeCap_AreTooLarge) {
  auto small = make_store(100);
  auto over = put(*small, "ws_a", {"agent", "us_1"}, "big.txt", std::string(101, 'a'));
  EXPECT_EQ(over.error.code, errc::too_large);
  EXPECT_NE(over.error.message.find("100"), std::string::npos);
  auto at = put(*small, "ws_a", {"agent", "us_1"}, "ok.txt", std::string(100, 'a'));
  EXPECT_EQ(at.error.code, errc::ok) << at.error.message;
}

TEST_F(FileStore, AForgedTypeOrName_IsCaughtByTheContent) {
  auto html = put("cat.png", "<!DOCTYPE html><script>alert(document.cookie)</script>");
  EXPECT_EQ(html.error.code, errc::bad_request);
  EXPECT_NE(html.error.message.find("not allowed"), std::string::npos) << html.error.message;
  auto zip = put("report.docx", test::zip_stored({{"evil.exe", "MZ"}}));
  EXPECT_EQ(zip.error.code, errc::bad_request);
  EXPECT_EQ(blobs(), 0u);
  // and a real PNG called .txt is a PNG
  auto png = put("notes.txt", test::png_1x1());
  ASSERT_EQ(png.error.code, errc::ok);
  EXPECT_EQ(png.meta.content_type, "image/png");
}

TEST_F(FileStore, Restart_RebuildsTheIndexFromTheLog) {
  auto a = put("a.png", test::png_1x1(1));
  auto b = put(*files_, "ws_a", {"visitor", "vi_up"}, "b.xlsx", test::xlsx_minimal());
  ASSERT_EQ(a.error.code, errc::ok);
  ASSERT_EQ(b.error.code, errc::ok);
  ASSERT_EQ(share(*files_, a.meta.id, "vi_1").first.code, errc::ok);
  store_.writer->stop();
  // a crash left a temp file behind: start-up clears it
  { std::ofstream(root() + "/tmp/leftover.tmp") << "partial"; }

  file_store again{*store_.log, *store_.writer, pool_, {root()}};
  ASSERT_TRUE(again.load().ok());
  EXPECT_FALSE(fs::exists(root() + "/tmp/leftover.tmp"));
  auto ga = again.get(a.meta.id), gb = again.get(b.meta.id);
  ASSERT_TRUE(ga);
  ASSERT_TRUE(gb);
  EXPECT_EQ(ga->name, "a.png");
  EXPECT_EQ(ga->sha256, a.meta.sha256);
  EXPECT_EQ(ga->ts, a.meta.ts);
  EXPECT_EQ(gb->content_type, kXlsxType);
  EXPECT_EQ(gb->uploader.kind, "visitor");
  EXPECT_TRUE(again.may_read(*ga, {"visitor", "vi_1", "ws_a"}));
  EXPECT_TRUE(again.may_read(*gb, {"visitor", "vi_up", "ws_a"}));
  EXPECT_FALSE(again.may_read(*gb, {"visitor", "vi_1", "ws_a"}));
  std::string bytes;
  ASSERT_TRUE(again.read_bytes(*gb, bytes).ok());
  EXPECT_EQ(bytes, test::xlsx_minimal());
}

TEST_F(FileStore, MayRead_StaffOfTheWorkspaceTheUploaderAndSharedVisitorsOnly) {
  auto r = put(*files_, "ws_a", {"visitor", "vi_up"}, "scan.jpg", test::jpeg_8x8());
  ASSERT_EQ(r.error.code, errc::ok) << r.error.message;
  auto& m = r.meta;
  EXPECT_TRUE(files_->may_read(m, {"agent", "us_1", "ws_a"}));
  EXPECT_TRUE(files_->may_read(m, {"admin", "us_2", "ws_a"}));
  EXPECT_FALSE(files_->may_read(m, {"agent", "us_9", "ws_b"}));  // another workspace
  EXPECT_TRUE(files_->may_read(m, {"visitor", "vi_up", "ws_a"}));
  EXPECT_FALSE(files_->may_read(m, {"visitor", "vi_up", "ws_b"}));
  EXPECT_FALSE(files_->may_read(m, {"visitor", "vi_other", "ws_a"}));
  EXPECT_FALSE(files_->may_read(m, {"bot", "bo_1", "ws_a"}));
  EXPECT_FALSE(files_->may_read(m, {"", "", ""}));

  auto [f, pos] = share(*files_, m.id, "vi_other");
  EXPECT_EQ(f.code, errc::ok);
  EXPECT_GT(pos, r.position);
  EXPECT_TRUE(files_->may_read(m, {"visitor", "vi_other", "ws_a"}));
  EXPECT_FALSE(files_->may_read(m, {"visitor", "vi_third", "ws_a"}));
  // sharing again writes nothing; unknown files are not_found
  auto again = share(*files_, m.id, "vi_other");
  EXPECT_EQ(again.first.code, errc::ok);
  EXPECT_EQ(again.second, 0u);
  EXPECT_EQ(share(*files_, "fi_nope", "vi_other").first.code, errc::not_found);
  EXPECT_EQ(share(*files_, m.id, "").first.code, errc::bad_request);
  std::vector<events::envelope> evs;
  ASSERT_TRUE(store_.log->read_stream("file/" + m.id, 0, 10, evs).ok());
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(evs[1].type, "file_shared");
  EXPECT_EQ(evs[1].seq, 2u);
  EXPECT_EQ(json::parse(evs[1].data), (json{{"id", m.id}, {"visitor_id", "vi_other"}}));
}

TEST_F(FileStore, Names_AreSanitised) {
  EXPECT_EQ(file_store::sanitize_name("../../etc/passwd"), ".._.._etc_passwd");
  EXPECT_EQ(file_store::sanitize_name("C:\\Users\\me\\cv.docx"), "C:_Users_me_cv.docx");
  EXPECT_EQ(file_store::sanitize_name("a\r\nSet-Cookie: x"), "a__Set-Cookie: x");
  EXPECT_EQ(file_store::sanitize_name(std::string("nul\0byte", 8)), "nul_byte");
  EXPECT_EQ(file_store::sanitize_name("  Grüße.txt  "), "Grüße.txt");
  EXPECT_EQ(file_store::sanitize_name("broken \xE9.txt"), "broken _.txt");
  EXPECT_EQ(file_store::sanitize_name(""), "file");
  EXPECT_EQ(file_store::sanitize_name("   "), "file");
  EXPECT_EQ(file_store::sanitize_name(".."), "file");
  std::string euros;
  for (int i = 0; i < 100; ++i) euros += "\xE2\x82\xAC";  // 300 bytes
  auto cut = file_store::sanitize_name(euros);
  EXPECT_LE(cut.size(), 255u);
  EXPECT_EQ(cut.size() % 3, 0u);
  EXPECT_TRUE(valid_utf8(cut));
  auto r = put("../x\n.png", test::png_1x1());
  ASSERT_EQ(r.error.code, errc::ok);
  EXPECT_EQ(r.meta.name, ".._x_.png");
}

// events::event_log::stream_names, which the store's start-up relies on.
TEST_F(FileStore, LogStreamNames_ListsEachStreamWithThePrefixOnce) {
  std::promise<void> done;
  std::vector<events::envelope> evs;
  for (auto [stream, seq] : std::vector<std::pair<std::string, std::uint64_t>>{{"file/a", 1},
                                                                               {"file/a", 2},
                                                                               {"file/b", 1},
                                                                               {"fileX/c", 1},
                                                                               {"file", 1},
                                                                               {"workspace/w", 1}})
    evs.push_back({"e", 1, stream, seq, 0, 0, "{}"});
  ASSERT_TRUE(
      store_.writer->append(std::move(evs), [&](const events::append_result&) { done.set_value(); })
          .ok());
  done.get_future().get();
  std::vector<std::string> names;
  ASSERT_TRUE(store_.log->stream_names("file/", names).ok());
  EXPECT_EQ(names, (std::vector<std::string>{"file/a", "file/b"}));
  names.clear();
  ASSERT_TRUE(store_.log->stream_names("", names).ok());
  EXPECT_EQ(names,
            (std::vector<std::string>{"file", "file/a", "file/b", "fileX/c", "workspace/w"}));
  names.clear();
  ASSERT_TRUE(store_.log->stream_names("zzz", names).ok());
  EXPECT_TRUE(names.empty());
}

}  // namespace
}  // namespace sb::files
