#pragma once
// Real, minimal files of every type the upload allowlist accepts, built byte by byte (with
// correct CRCs and checksums, so image viewers, `file` and `unzip -t` accept them too), plus a
// stored-only zip writer for building documents and non-documents.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sb::test {

inline std::uint32_t crc32(const std::string& s) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : s) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

inline void put_be32(std::string& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xFF));
}
inline void put_le16(std::string& out, std::uint32_t v) {
  out.push_back(static_cast<char>(v & 0xFF));
  out.push_back(static_cast<char>((v >> 8) & 0xFF));
}
inline void put_le32(std::string& out, std::uint32_t v) {
  put_le16(out, v & 0xFFFF);
  put_le16(out, v >> 16);
}

inline std::string png_chunk(const std::string& type, const std::string& data) {
  std::string out;
  put_be32(out, static_cast<std::uint32_t>(data.size()));
  out += type + data;
  put_be32(out, crc32(type + data));
  return out;
}

// A 1x1 RGBA PNG; `pixel` picks its colour so tests can make distinct contents.
inline std::string png_1x1(std::uint8_t pixel = 0) {
  std::string ihdr;
  put_be32(ihdr, 1);
  put_be32(ihdr, 1);
  ihdr += std::string("\x08\x06\x00\x00\x00", 5);  // 8 bits, RGBA, deflate, no filter, no interlace
  std::string raw{'\0', static_cast<char>(pixel), '\0', '\0', '\xFF'};  // filter byte + RGBA
  // zlib stream with one stored deflate block, then the Adler-32 of the raw bytes
  std::string z{"\x78\x01\x01", 3};
  put_le16(z, static_cast<std::uint32_t>(raw.size()));
  put_le16(z, ~static_cast<std::uint32_t>(raw.size()) & 0xFFFF);
  z += raw;
  std::uint32_t a = 1, b = 0;
  for (unsigned char ch : raw) a = (a + ch) % 65521, b = (b + a) % 65521;
  put_be32(z, (b << 16) | a);
  return std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr) + png_chunk("IDAT", z) +
         png_chunk("IEND", "");
}

// An 8x8 greyscale baseline JPEG: one quantisation table, two one-code Huffman tables, one
// block whose DC difference is 0 followed by end-of-block (bits "00", padded with ones).
inline std::string jpeg_8x8() {
  std::string j{"\xFF\xD8", 2};
  j += std::string("\xFF\xDB\x00\x43\x00", 5) + std::string(64, '\x01');
  j += std::string("\xFF\xC0\x00\x0B\x08\x00\x08\x00\x08\x01\x01\x11\x00", 13);
  std::string counts(16, '\0');
  counts[0] = 1;  // one code of length 1, for symbol 0
  j += std::string("\xFF\xC4\x00\x14\x00", 5) + counts + std::string(1, '\0');  // DC table 0
  j += std::string("\xFF\xC4\x00\x14\x10", 5) + counts + std::string(1, '\0');  // AC table 0
  j += std::string("\xFF\xDA\x00\x08\x01\x01\x00\x00\x3F\x00", 10);
  j += std::string("\x3F", 1);  // entropy-coded data
  j += std::string("\xFF\xD9", 2);
  return j;
}

// The classic 1x1 transparent GIF89a.
inline std::string gif_1x1() {
  return std::string(
      "GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xFF\xFF\xFF"
      "\x21\xF9\x04\x01\x00\x00\x00\x00"
      "\x2C\x00\x00\x00\x00\x01\x00\x01\x00\x00"
      "\x02\x02\x44\x01\x00\x3B",
      43);
}

// A 1x1 lossless WebP (RIFF, VP8L chunk of 13 bytes plus its pad byte).
inline std::string webp_1x1() {
  return std::string(
      "RIFF\x1A\x00\x00\x00WEBPVP8L\x0D\x00\x00\x00"
      "\x2F\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xFE\x07\x00",
      34);
}

// A one-page PDF with a correct cross-reference table.
inline std::string pdf_minimal() {
  std::vector<std::string> objects = {
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
  };
  std::string pdf = "%PDF-1.4\n";
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  auto xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (auto off : offsets) {
    auto digits = std::to_string(off);
    pdf += std::string(10 - digits.size(), '0') + digits + " 00000 n \n";
  }
  pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) + " /Root 1 0 R >>\n";
  pdf += "startxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

// A zip archive whose entries are stored (not compressed), with local headers, a central
// directory and its end record.
inline std::string zip_stored(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out, central;
  for (auto& [name, data] : entries) {
    auto offset = static_cast<std::uint32_t>(out.size());
    auto crc = crc32(data);
    auto size = static_cast<std::uint32_t>(data.size());
    auto header = [&](std::string& h, bool local) {
      if (!local) put_le16(h, 20);  // version made by
      put_le16(h, 20);              // version needed
      put_le16(h, 0);               // flags
      put_le16(h, 0);               // stored
      put_le16(h, 0);               // time
      put_le16(h, 0x21);            // date: 1980-01-01
      put_le32(h, crc);
      put_le32(h, size);
      put_le32(h, size);
      put_le16(h, static_cast<std::uint32_t>(name.size()));
      put_le16(h, 0);  // extra
    };
    out += "PK\x03\x04";
    header(out, true);
    out += name + data;
    central += "PK\x01\x02";
    header(central, false);
    put_le16(central, 0);  // comment
    put_le16(central, 0);  // disk
    put_le16(central, 0);  // internal attributes
    put_le32(central, 0);  // external attributes
    put_le32(central, offset);
    central += name;
  }
  auto cd_offset = static_cast<std::uint32_t>(out.size());
  out += central;
  out += "PK\x05\x06";
  put_le16(out, 0);
  put_le16(out, 0);
  put_le16(out, static_cast<std::uint32_t>(entries.size()));
  put_le16(out, static_cast<std::uint32_t>(entries.size()));
  put_le32(out, static_cast<std::uint32_t>(central.size()));
  put_le32(out, cd_offset);
  put_le16(out, 0);
  return out;
}

inline std::string docx_minimal() {
  return zip_stored({
      {"[Content_Types].xml",
       "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types "
       "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default "
       "Extension=\"xml\" ContentType=\"application/xml\"/><Override "
       "PartName=\"/word/document.xml\" "
       "ContentType=\"application/"
       "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>"},
      {"word/document.xml",
       "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document "
       "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body><w:p><w:r>"
       "<w:t>Hello</w:t></w:r></w:p></w:body></w:document>"},
  });
}

inline std::string xlsx_minimal() {
  return zip_stored({
      {"[Content_Types].xml",
       "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types "
       "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Override "
       "PartName=\"/xl/workbook.xml\" ContentType=\"application/"
       "vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/></Types>"},
      {"xl/workbook.xml",
       "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook "
       "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheets/></workbook>"},
  });
}

}  // namespace sb::test
