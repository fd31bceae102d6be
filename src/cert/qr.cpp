// QR codes of sticker texts (libqrencode), written as PNG (our own minimal encoder over
// zlib) and as SVG.
#include <qrencode.h>
#include <zlib.h>

#include <memory>
#include <smartkampung/cert.hpp>

#include "cert/codec.hpp"

namespace smartkampung::cert {

namespace {

constexpr int kQuiet = 4;  // modules of white border the QR specification asks for

struct QrDeleter {
  void operator()(QRcode* q) const noexcept { QRcode_free(q); }
};

std::unique_ptr<QRcode, QrDeleter> encode(std::string_view text) {
  const std::string s(text);
  if (s.find('\0') != std::string::npos)
    throw Error(ErrorCode::kInvalidArgument, "QR: the text holds a NUL byte");
  // Version 0: the smallest that fits; 8-bit hint with case kept, so that libqrencode
  // itself picks alphanumeric segments for base45 text.
  QRcode* q = QRcode_encodeString(s.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  if (q == nullptr) throw Error(ErrorCode::kLimit, "QR: the text is too long for a QR code");
  return std::unique_ptr<QRcode, QrDeleter>(q);
}

void put32(std::string& out, std::uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void chunk(std::string& out, const char* type, std::string_view data) {
  put32(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t start = out.size();
  out.append(type, 4);
  out.append(data);
  const uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(out.data() + start),
                          static_cast<uInt>(out.size() - start));
  put32(out, static_cast<std::uint32_t>(crc));
}

std::string xml_escape(std::string_view t) {
  std::string out;
  for (char c : t) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::string qr_png(std::string_view text, int scale) {
  if (scale < 1 || scale > 64)
    throw Error(ErrorCode::kInvalidArgument, "QR: scale must be 1 to 64");
  const auto q = encode(text);
  const int modules = q->width + 2 * kQuiet;
  const int size = modules * scale;
  // 8-bit greyscale rows, each with filter byte 0.
  std::string raw;
  raw.reserve(static_cast<std::size_t>(size) * (size + 1));
  for (int y = 0; y < size; ++y) {
    raw.push_back('\0');
    const int my = y / scale - kQuiet;
    for (int x = 0; x < size; ++x) {
      const int mx = x / scale - kQuiet;
      const bool dark =
          my >= 0 && my < q->width && mx >= 0 && mx < q->width && (q->data[my * q->width + mx] & 1);
      raw.push_back(dark ? '\0' : static_cast<char>(0xff));
    }
  }
  std::string png("\x89PNG\r\n\x1a\n", 8);
  std::string ihdr;
  put32(ihdr, static_cast<std::uint32_t>(size));
  put32(ihdr, static_cast<std::uint32_t>(size));
  ihdr +=
      std::string("\x08\x00\x00\x00\x00", 5);  // 8-bit, greyscale, deflate, no filter, no interlace
  chunk(png, "IHDR", ihdr);
  chunk(png, "IDAT", detail::zlib_compress(raw));
  chunk(png, "IEND", "");
  return png;
}

std::string qr_svg(std::string_view text, const std::vector<std::string>& caption) {
  const auto q = encode(text);
  const int modules = q->width + 2 * kQuiet;
  const int caption_height = static_cast<int>(caption.size()) * 4;
  std::string path;
  for (int y = 0; y < q->width; ++y) {
    for (int x = 0; x < q->width; ++x) {
      if (q->data[y * q->width + x] & 1) {
        path += "M" + std::to_string(x + kQuiet) + " " + std::to_string(y + kQuiet) + "h1v1h-1z";
      }
    }
  }
  std::string svg =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
      "viewBox=\"0 0 " +
      std::to_string(modules) + " " + std::to_string(modules + caption_height) +
      "\" shape-rendering=\"crispEdges\">\n<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n"
      "<path fill=\"#000\" d=\"" +
      path + "\"/>\n";
  for (std::size_t i = 0; i < caption.size(); ++i) {
    svg += "<text x=\"" + std::to_string(modules / 2) + "\" y=\"" +
           std::to_string(modules + 3 + 4 * static_cast<int>(i)) +
           "\" font-family=\"sans-serif\" font-size=\"2.6\" text-anchor=\"middle\">" +
           xml_escape(caption[i]) + "</text>\n";
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace smartkampung::cert
