#pragma once
// sniff: decides an upload's type from its bytes alone, against a short allowlist. The declared
// Content-Type and the file name never take part, so a forged header or extension is caught.
//
// Allowed: image/png, image/jpeg, image/gif, image/webp, application/pdf, text/plain, and
// docx/xlsx (zip containers holding "[Content_Types].xml" plus "word/" resp. "xl/" entries).
// Each format's structure is walked far enough to refuse truncated files (PNG chunks up to
// IEND, JPEG segments up to EOI, GIF blocks up to the trailer, the RIFF size of WebP, "%%EOF" near
// the end of a PDF, the zip central directory). Bytes after a complete image are tolerated
// (some phones append trailers); we serve files with their sniffed type and nosniff anyway.
// Text is UTF-8 without NUL or control characters other than \t \r \n \f, and is refused when it
// looks like markup or a script: starting (after a BOM and whitespace) with '<' or with "#!".
//
// Pure and thread-safe; cost is linear in the size (text is validated in full).
#include <string>
#include <string_view>

namespace sb::files {

struct sniff_result {
  std::string content_type;  // empty: refused
  std::string reason;        // why it was refused (for the error message), else empty
  bool ok() const { return !content_type.empty(); }
};

inline constexpr std::string_view kDocxType =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
inline constexpr std::string_view kXlsxType =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

sniff_result sniff(std::string_view bytes);

// True for valid UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
bool valid_utf8(std::string_view s);

}  // namespace sb::files
