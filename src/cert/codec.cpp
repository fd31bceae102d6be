#include "cert/codec.hpp"

#include <zlib.h>

#include <cstring>

namespace smartkampung::cert::detail {

namespace {

void head(std::string& out, int major, std::uint64_t v) {
  const auto m = static_cast<char>(major << 5);
  if (v < 24) {
    out.push_back(static_cast<char>(m | static_cast<char>(v)));
    return;
  }
  int bytes = v <= 0xff ? 1 : v <= 0xffff ? 2 : v <= 0xffffffffULL ? 4 : 8;
  const int info = bytes == 1 ? 24 : bytes == 2 ? 25 : bytes == 4 ? 26 : 27;
  out.push_back(static_cast<char>(m | static_cast<char>(info)));
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

constexpr int kMaxDepth = 8;
constexpr std::size_t kMaxItems = 1u << 16;

struct Reader {
  std::string_view in;
  std::size_t pos = 0;
  std::size_t items = 0;

  bool read_head(int& major, std::uint64_t& v) {
    if (pos >= in.size()) return false;
    const auto b = static_cast<std::uint8_t>(in[pos++]);
    major = b >> 5;
    const int info = b & 31;
    if (info < 24) {
      v = static_cast<std::uint64_t>(info);
      return true;
    }
    if (info > 27) return false;  // no indefinite lengths, no reserved values
    const int bytes = 1 << (info - 24);
    if (in.size() - pos < static_cast<std::size_t>(bytes)) return false;
    v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<std::uint8_t>(in[pos++]);
    return true;
  }

  bool item(CborItem& out, int depth) {
    if (depth > kMaxDepth || ++items > kMaxItems) return false;
    int major = 0;
    std::uint64_t v = 0;
    if (!read_head(major, v)) return false;
    switch (major) {
      case 0:
        if (v > static_cast<std::uint64_t>(INT64_MAX)) return false;
        out.kind = CborItem::Kind::kInt;
        out.integer = static_cast<std::int64_t>(v);
        return true;
      case 1:
        if (v > static_cast<std::uint64_t>(INT64_MAX)) return false;
        out.kind = CborItem::Kind::kInt;
        out.integer = -1 - static_cast<std::int64_t>(v);
        return true;
      case 2:
      case 3:
        if (v > in.size() - pos) return false;
        out.kind = major == 2 ? CborItem::Kind::kBytes : CborItem::Kind::kText;
        out.data.assign(in.substr(pos, static_cast<std::size_t>(v)));
        pos += static_cast<std::size_t>(v);
        return true;
      case 4:
      case 5: {
        const std::uint64_t n = major == 5 ? v * 2 : v;
        if (v > in.size() - pos || n > in.size() - pos) return false;  // every item takes a byte
        out.kind = major == 4 ? CborItem::Kind::kArray : CborItem::Kind::kMap;
        out.items.resize(static_cast<std::size_t>(n));
        for (CborItem& child : out.items) {
          if (!item(child, depth + 1)) return false;
        }
        return true;
      }
      case 6:
        if (v > static_cast<std::uint64_t>(INT64_MAX)) return false;
        out.kind = CborItem::Kind::kTag;
        out.integer = static_cast<std::int64_t>(v);
        out.items.resize(1);
        return item(out.items[0], depth + 1);
      default:
        if (v > 23) return false;  // floats are not used
        out.kind = CborItem::Kind::kSimple;
        out.integer = static_cast<std::int64_t>(v);
        return true;
    }
  }
};

std::string protected_header(const std::string& key_id_hex) {
  std::string kid;
  bytes_of_hex(key_id_hex, kid, 8);
  std::string h;
  cbor_map(h, 2);
  cbor_int(h, 1);   // alg
  cbor_int(h, -8);  // EdDSA
  cbor_int(h, 4);   // kid
  cbor_bytes(h, kid);
  return h;
}

std::string sig_structure(std::string_view protected_bytes, std::string_view payload) {
  std::string s;
  cbor_array(s, 4);
  cbor_text(s, "Signature1");
  cbor_bytes(s, protected_bytes);
  cbor_bytes(s, "");
  cbor_bytes(s, payload);
  return s;
}

constexpr char kBase45[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

int base45_value(char c) {
  const char* p = std::strchr(kBase45, c);
  return c == '\0' || p == nullptr ? -1 : static_cast<int>(p - kBase45);
}

}  // namespace

void cbor_uint(std::string& out, std::uint64_t v) { head(out, 0, v); }
void cbor_int(std::string& out, std::int64_t v) {
  if (v >= 0) {
    head(out, 0, static_cast<std::uint64_t>(v));
  } else {
    head(out, 1, static_cast<std::uint64_t>(-(v + 1)));
  }
}
void cbor_bytes(std::string& out, std::string_view b) {
  head(out, 2, b.size());
  out.append(b);
}
void cbor_text(std::string& out, std::string_view t) {
  head(out, 3, t.size());
  out.append(t);
}
void cbor_array(std::string& out, std::size_t n) { head(out, 4, n); }
void cbor_map(std::string& out, std::size_t n) { head(out, 5, n); }
void cbor_tag(std::string& out, std::uint64_t tag) { head(out, 6, tag); }

std::string cbor_claims(std::initializer_list<CborClaim> claims) {
  std::string out;
  cbor_map(out, claims.size());
  for (const CborClaim& c : claims) {
    cbor_int(out, c.key);
    switch (c.kind) {
      case CborClaim::Kind::kInt:
        cbor_int(out, c.integer);
        break;
      case CborClaim::Kind::kText:
        cbor_text(out, c.data);
        break;
      case CborClaim::Kind::kBytes:
        cbor_bytes(out, c.data);
        break;
    }
  }
  return out;
}

const CborItem* CborItem::at(std::int64_t key) const noexcept {
  if (kind != Kind::kMap) return nullptr;
  for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
    if (items[i].kind == Kind::kInt && items[i].integer == key) return &items[i + 1];
  }
  return nullptr;
}

bool cbor_decode(std::string_view bytes, CborItem& out) {
  Reader r{bytes};
  return r.item(out, 0) && r.pos == bytes.size();
}

std::string cose_sign1(std::string_view payload, const SigningKey& key) {
  const std::string prot = protected_header(key.key_id());
  const std::string signature = key.sign(sig_structure(prot, payload));
  std::string out;
  cbor_tag(out, 18);
  cbor_array(out, 4);
  cbor_bytes(out, prot);
  cbor_map(out, 0);
  cbor_bytes(out, payload);
  cbor_bytes(out, signature);
  return out;
}

bool cose_parse(std::string_view bytes, std::string& key_id_hex, std::string& payload,
                std::string& to_be_signed, std::string& signature) {
  CborItem root;
  if (!cbor_decode(bytes, root)) return false;
  const CborItem* arr = &root;
  if (root.kind == CborItem::Kind::kTag) {
    if (root.integer != 18) return false;
    arr = &root.items[0];
  }
  if (arr->kind != CborItem::Kind::kArray || arr->items.size() != 4) return false;
  const CborItem& prot = arr->items[0];
  const CborItem& pay = arr->items[2];
  const CborItem& sig = arr->items[3];
  if (prot.kind != CborItem::Kind::kBytes || arr->items[1].kind != CborItem::Kind::kMap ||
      pay.kind != CborItem::Kind::kBytes || sig.kind != CborItem::Kind::kBytes ||
      sig.data.size() != 64) {
    return false;
  }
  CborItem header;
  if (!cbor_decode(prot.data, header)) return false;
  const CborItem* alg = header.at(1);
  const CborItem* kid = header.at(4);
  if (alg == nullptr || alg->kind != CborItem::Kind::kInt || alg->integer != -8 || kid == nullptr ||
      kid->kind != CborItem::Kind::kBytes || kid->data.size() != 8) {
    return false;
  }
  key_id_hex = hex_of(kid->data);
  payload = pay.data;
  signature = sig.data;
  to_be_signed = sig_structure(prot.data, pay.data);
  return true;
}

std::string zlib_compress(std::string_view data) {
  uLongf size = compressBound(static_cast<uLong>(data.size()));
  std::string out(size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(out.data()), &size,
                reinterpret_cast<const Bytef*>(data.data()), static_cast<uLong>(data.size()),
                Z_BEST_COMPRESSION) != Z_OK) {
    throw Error(ErrorCode::kInternal, "compression failed");
  }
  out.resize(size);
  return out;
}

bool zlib_decompress(std::string_view data, std::size_t max_size, std::string& out) {
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) return false;
  out.clear();
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  char buf[4096];
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(buf, sizeof buf - zs.avail_out);
    if (out.size() > max_size) {
      rc = Z_BUF_ERROR;
      break;
    }
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
      rc = Z_DATA_ERROR;  // truncated stream
    }
  }
  const bool ok = rc == Z_STREAM_END && zs.avail_in == 0;
  inflateEnd(&zs);
  return ok;
}

std::string base45_encode(std::string_view data) {
  std::string out;
  out.reserve(data.size() / 2 * 3 + 2);
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2) {
    unsigned n = static_cast<std::uint8_t>(data[i]) * 256u + static_cast<std::uint8_t>(data[i + 1]);
    out.push_back(kBase45[n % 45]);
    n /= 45;
    out.push_back(kBase45[n % 45]);
    out.push_back(kBase45[n / 45]);
  }
  if (i < data.size()) {
    const unsigned n = static_cast<std::uint8_t>(data[i]);
    out.push_back(kBase45[n % 45]);
    out.push_back(kBase45[n / 45]);
  }
  return out;
}

bool base45_decode(std::string_view text, std::string& out) {
  out.clear();
  if (text.size() % 3 == 1) return false;
  std::size_t i = 0;
  for (; i + 2 < text.size(); i += 3) {
    const int c = base45_value(text[i]);
    const int d = base45_value(text[i + 1]);
    const int e = base45_value(text[i + 2]);
    if (c < 0 || d < 0 || e < 0) return false;
    const long n = c + d * 45L + e * 2025L;
    if (n > 0xffff) return false;
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xff));
  }
  if (i < text.size()) {
    const int c = base45_value(text[i]);
    const int d = base45_value(text[i + 1]);
    if (c < 0 || d < 0) return false;
    const long n = c + d * 45L;
    if (n > 0xff) return false;
    out.push_back(static_cast<char>(n));
  }
  return true;
}

}  // namespace smartkampung::cert::detail
