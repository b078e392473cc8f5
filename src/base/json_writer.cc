#include "base/json_writer.h"

#include <charconv>

namespace ferry {

bool IsValidUtf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int extra = 0;
    uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;  // a continuation byte first, an overlong 0xC0/0xC1 lead, or past 0xF4
    }
    if (end - p <= extra) return false;
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    p += extra + 1;
  }
  return true;
}

void PrettyJsonWriter::Newline() {
  out_->push_back('\n');
  out_->append(2 * members_.size(), ' ');
}

void PrettyJsonWriter::BeginObject() {
  out_->push_back('{');
  members_.push_back(0);
}

void PrettyJsonWriter::EndObject() {
  const bool empty = members_.back() == 0;
  members_.pop_back();
  if (!empty) Newline();
  out_->push_back('}');
}

void PrettyJsonWriter::Key(std::string_view key) {
  if (members_.back()++ > 0) out_->push_back(',');
  Newline();
  Quoted(key);
  out_->append(": ");
}

void PrettyJsonWriter::String(std::string_view value) { Quoted(value); }

void PrettyJsonWriter::Uint(uint64_t value) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, value);
  out_->append(buf, r.ptr);
}

void PrettyJsonWriter::Int(int64_t value) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, value);
  out_->append(buf, r.ptr);
}

void PrettyJsonWriter::Bool(bool value) { out_->append(value ? "true" : "false"); }

void PrettyJsonWriter::StringMember(std::string_view key, std::string_view value) {
  Key(key);
  String(value);
}

void PrettyJsonWriter::UintMember(std::string_view key, uint64_t value) {
  Key(key);
  Uint(value);
}

void PrettyJsonWriter::IntMember(std::string_view key, int64_t value) {
  Key(key);
  Int(value);
}

void PrettyJsonWriter::BoolMember(std::string_view key, bool value) {
  Key(key);
  Bool(value);
}

void PrettyJsonWriter::RawPretty(std::string_view json_text) {
  // JSON strings never hold a raw newline, so every newline is a line break of the layout.
  const std::string indent(2 * members_.size(), ' ');
  size_t from = 0;
  while (true) {
    size_t nl = json_text.find('\n', from);
    out_->append(json_text.substr(from, nl == std::string_view::npos ? nl : nl - from));
    if (nl == std::string_view::npos) break;
    out_->push_back('\n');
    out_->append(indent);
    from = nl + 1;
  }
}

void PrettyJsonWriter::Quoted(std::string_view text) {
  // Most strings are plain printable ASCII (paths, ids, digests): copy those in one go.
  bool plain = true;
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    plain = plain && c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
  }
  if (plain) {
    out_->push_back('"');
    out_->append(text);
    out_->push_back('"');
    return;
  }
  if (valid_utf8_ && !IsValidUtf8(text)) valid_utf8_ = false;
  static constexpr char kHex[] = "0123456789abcdef";
  out_->push_back('"');
  size_t plain_from = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out_->append(text.substr(plain_from, i - plain_from));
    plain_from = i + 1;
    switch (c) {
      case '"':
        out_->append("\\\"");
        break;
      case '\\':
        out_->append("\\\\");
        break;
      case '\b':
        out_->append("\\b");
        break;
      case '\f':
        out_->append("\\f");
        break;
      case '\n':
        out_->append("\\n");
        break;
      case '\r':
        out_->append("\\r");
        break;
      case '\t':
        out_->append("\\t");
        break;
      default: {
        const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out_->append(esc, sizeof esc);
      }
    }
  }
  out_->append(text.substr(plain_from));
  out_->push_back('"');
}

}  // namespace ferry
