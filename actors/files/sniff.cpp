#include "actors/files/sniff.hpp"

#include <cstdint>

namespace sb::files {
namespace {

using bytes_view = std::string_view;

std::uint8_t u8(bytes_view b, std::size_t i) { return static_cast<std::uint8_t>(b[i]); }
std::uint32_t be16(bytes_view b, std::size_t i) { return (u8(b, i) << 8) | u8(b, i + 1); }
std::uint32_t be32(bytes_view b, std::size_t i) {
  return (std::uint32_t{u8(b, i)} << 24) | (u8(b, i + 1) << 16) | (u8(b, i + 2) << 8) |
         u8(b, i + 3);
}
std::uint32_t le16(bytes_view b, std::size_t i) { return u8(b, i) | (u8(b, i + 1) << 8); }
std::uint32_t le32(bytes_view b, std::size_t i) {
  return u8(b, i) | (u8(b, i + 1) << 8) | (u8(b, i + 2) << 16) |
         (std::uint32_t{u8(b, i + 3)} << 24);
}
bool starts_with(bytes_view b, bytes_view prefix) { return b.substr(0, prefix.size()) == prefix; }

sniff_result accept(std::string_view type) { return {std::string(type), {}}; }
sniff_result refuse(std::string reason) { return {{}, std::move(reason)}; }

// PNG: signature, IHDR first, then whole chunks up to IEND with at least one IDAT.
sniff_result png(bytes_view b) {
  std::size_t pos = 8;
  bool first = true, data = false;
  for (;;) {
    if (pos + 12 > b.size()) return refuse("truncated PNG");
    std::uint32_t len = be32(b, pos);
    auto type = b.substr(pos + 4, 4);
    for (char c : type)
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return refuse("corrupt PNG chunk");
    if (len > 0x7fffffffu) return refuse("corrupt PNG chunk");
    if (first && (type != "IHDR" || len != 13)) return refuse("PNG without IHDR");
    first = false;
    if (pos + 12 + std::size_t{len} > b.size()) return refuse("truncated PNG");
    if (type == "IDAT") data = true;
    if (type == "IEND") return data ? accept("image/png") : refuse("PNG without image data");
    pos += 12 + std::size_t{len};
  }
}

// JPEG: marker segments up to the end-of-image marker, skipping entropy-coded scans.
sniff_result jpeg(bytes_view b) {
  std::size_t pos = 2;
  bool scan = false;
  for (;;) {
    if (pos >= b.size()) return refuse("truncated JPEG");
    if (u8(b, pos) != 0xFF) return refuse("corrupt JPEG");
    while (pos < b.size() && u8(b, pos) == 0xFF) ++pos;  // fill bytes
    if (pos >= b.size()) return refuse("truncated JPEG");
    auto marker = u8(b, pos++);
    if (marker == 0xD9) return scan ? accept("image/jpeg") : refuse("JPEG without image data");
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no length
    if (marker == 0x00 || marker == 0xD8) return refuse("corrupt JPEG");
    if (pos + 2 > b.size()) return refuse("truncated JPEG");
    auto len = be16(b, pos);
    if (len < 2) return refuse("corrupt JPEG");
    if (pos + len > b.size()) return refuse("truncated JPEG");
    pos += len;
    if (marker != 0xDA) continue;
    scan = true;
    // Entropy-coded data: FF 00 is a stuffed byte, FF D0..D7 a restart marker; any other
    // FF xx starts the next segment.
    for (;;) {
      if (pos + 1 >= b.size()) return refuse("truncated JPEG");
      if (u8(b, pos) == 0xFF) {
        auto next = u8(b, pos + 1);
        if (next != 0x00 && next != 0xFF && !(next >= 0xD0 && next <= 0xD7)) break;
      }
      ++pos;
    }
  }
}

// GIF: header, optional global colour table, then blocks up to the trailer.
sniff_result gif(bytes_view b) {
  if (b.size() < 13) return refuse("truncated GIF");
  std::size_t pos = 13;
  auto table = [](std::uint8_t flags) -> std::size_t {
    return (flags & 0x80) ? 3u * (1u << ((flags & 7) + 1)) : 0u;
  };
  pos += table(u8(b, 10));
  auto sub_blocks = [&]() {
    for (;;) {
      if (pos >= b.size()) return false;
      auto n = u8(b, pos++);
      if (n == 0) return true;
      pos += n;
    }
  };
  bool image = false;
  for (;;) {
    if (pos >= b.size()) return refuse("truncated GIF");
    auto block = u8(b, pos++);
    if (block == 0x3B) return image ? accept("image/gif") : refuse("GIF without an image");
    if (block == 0x21) {  // extension: label, then data sub-blocks
      ++pos;
      if (!sub_blocks()) return refuse("truncated GIF");
    } else if (block == 0x2C) {  // image descriptor, local colour table, LZW code size, data
      if (pos + 9 > b.size()) return refuse("truncated GIF");
      pos += 9 + table(u8(b, pos + 8));
      ++pos;
      if (!sub_blocks()) return refuse("truncated GIF");
      image = true;
    } else {
      return refuse("corrupt GIF");
    }
  }
}

// WebP: a RIFF container whose chunks fit its declared size; the first is VP8, VP8L or VP8X.
sniff_result webp(bytes_view b) {
  if (b.size() < 20) return refuse("truncated WebP");
  std::size_t end = 8 + std::size_t{le32(b, 4)};
  if (end > b.size()) return refuse("truncated WebP");
  std::size_t pos = 12;
  bool first = true;
  while (pos < end) {
    if (pos + 8 > end) return refuse("truncated WebP");
    auto fourcc = b.substr(pos, 4);
    std::size_t len = le32(b, pos + 4);
    if (pos + 8 + len > end) return refuse("truncated WebP");
    if (first) {
      auto data = b.substr(pos + 8, len);
      bool ok = (fourcc == "VP8 " && len >= 10 && data.substr(3, 3) == "\x9d\x01\x2a") ||
                (fourcc == "VP8L" && len >= 5 && u8(data, 0) == 0x2f) ||
                (fourcc == "VP8X" && len >= 10);
      if (!ok) return refuse("corrupt WebP");
      first = false;
    }
    pos += 8 + len + (len & 1);
  }
  if (first) return refuse("WebP without image data");
  return accept("image/webp");
}

// PDF: the header at the start and an end-of-file marker near the end.
sniff_result pdf(bytes_view b) {
  if (b.size() < 8 || b[5] < '1' || b[5] > '9') return refuse("corrupt PDF header");
  auto tail = b.substr(b.size() > 1024 ? b.size() - 1024 : 0);
  if (tail.find("%%EOF") == std::string_view::npos) return refuse("truncated PDF (no %%EOF)");
  return accept("application/pdf");
}

// Office Open XML: a zip whose central directory lists [Content_Types].xml and word/ or xl/
// parts. Each central entry must point at a matching local header whose data fits before the
// central directory, so a truncated or spliced archive is refused. Zip64 is not needed for
// uploads of a few MiB and is refused.
sniff_result zip(bytes_view b) {
  if (b.size() < 22) return refuse("truncated zip");
  std::size_t eocd = std::string_view::npos;
  std::size_t lowest = b.size() > 22 + 65535 ? b.size() - 22 - 65535 : 0;
  for (std::size_t p = b.size() - 22 + 1; p-- > lowest;) {
    if (b.substr(p, 4) == "PK\x05\x06" && p + 22 + le16(b, p + 20) == b.size()) {
      eocd = p;
      break;
    }
  }
  if (eocd == std::string_view::npos) return refuse("truncated zip (no end of central directory)");
  auto entries = le16(b, eocd + 10);
  std::size_t cd_size = le32(b, eocd + 12), cd_offset = le32(b, eocd + 16);
  if (le16(b, eocd + 4) != 0 || le16(b, eocd + 6) != 0 || le16(b, eocd + 8) != entries)
    return refuse("multi-part zip");
  if (entries == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_offset == 0xFFFFFFFFu)
    return refuse("zip64 is not supported");
  if (cd_offset + cd_size > eocd) return refuse("corrupt zip central directory");
  bool content_types = false, word = false, xl = false;
  std::size_t p = cd_offset, cd_end = cd_offset + cd_size;
  for (std::uint32_t i = 0; i < entries; ++i) {
    if (p + 46 > cd_end || b.substr(p, 4) != "PK\x01\x02")
      return refuse("corrupt zip central directory");
    std::size_t csize = le32(b, p + 20), name_len = le16(b, p + 28), extra = le16(b, p + 30),
                comment = le16(b, p + 32), local = le32(b, p + 42);
    if (p + 46 + name_len + extra + comment > cd_end)
      return refuse("corrupt zip central directory");
    auto name = b.substr(p + 46, name_len);
    p += 46 + name_len + extra + comment;
    if (local + 30 > cd_offset || b.substr(local, 4) != "PK\x03\x04")
      return refuse("corrupt zip entry");
    std::size_t lname = le16(b, local + 26), lextra = le16(b, local + 28);
    if (local + 30 + lname + lextra + csize > cd_offset || b.substr(local + 30, lname) != name)
      return refuse("corrupt zip entry");
    if (name == "[Content_Types].xml") content_types = true;
    if (starts_with(name, "word/")) word = true;
    if (starts_with(name, "xl/")) xl = true;
  }
  if (content_types && word && !xl) return accept(kDocxType);
  if (content_types && xl && !word) return accept(kXlsxType);
  return refuse("a zip archive that is not a Word (.docx) or Excel (.xlsx) document");
}

// Plain text: valid UTF-8, no NUL or other control characters than \t \r \n \f, not markup.
sniff_result text(bytes_view b) {
  if (!valid_utf8(b)) return refuse("not an allowed file type (binary data)");
  for (std::size_t i = 0; i < b.size(); ++i) {
    auto c = u8(b, i);
    if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n' && c != '\f') || c == 0x7F)
      return refuse("not an allowed file type (binary data)");
    if (c == 0xC2 && i + 1 < b.size() && u8(b, i + 1) < 0xA0)  // C1 controls U+0080..U+009F
      return refuse("not an allowed file type (binary data)");
  }
  auto rest = b;
  if (starts_with(rest, "\xEF\xBB\xBF")) rest.remove_prefix(3);
  auto first = rest.find_first_not_of(" \t\r\n\f");
  if (first != std::string_view::npos) {
    rest.remove_prefix(first);
    if (rest.front() == '<') return refuse("HTML, SVG and XML files are not allowed");
  }
  if (starts_with(b, "#!")) return refuse("scripts are not allowed");
  return accept("text/plain");
}

}  // namespace

bool valid_utf8(std::string_view s) {
  std::size_t i = 0, n = s.size();
  while (i < n) {
    auto c = u8(s, i);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF)
      len = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
      len = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
      len = 4, cp = c & 0x07;
    else
      return false;
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      auto cc = u8(s, i + k);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

sniff_result sniff(std::string_view b) {
  if (b.empty()) return refuse("empty file");
  // A matching signature decides the format: if its structure is broken the file is refused,
  // never reconsidered as something else.
  if (starts_with(b, "\x89PNG\r\n\x1a\n")) return png(b);
  if (starts_with(b, "\xFF\xD8\xFF")) return jpeg(b);
  if (starts_with(b, "GIF87a") || starts_with(b, "GIF89a")) return gif(b);
  if (starts_with(b, "RIFF") && b.size() >= 12 && b.substr(8, 4) == "WEBP") return webp(b);
  if (starts_with(b, "%PDF-")) return pdf(b);
  if (starts_with(b, "PK\x03\x04")) return zip(b);
  return text(b);
}

}  // namespace sb::files
