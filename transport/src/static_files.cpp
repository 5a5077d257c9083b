#include "static_files.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

namespace advisor::transport {
namespace fs = std::filesystem;

namespace {

// Past this, the cache starts over: the web root is a handful of small files, so this only guards
// against a folder that is not what we think.
constexpr std::uintmax_t max_cache_bytes = 64u << 20;
constexpr std::size_t min_gzip_bytes = 256;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool compressible(std::string_view type) {
  return type.starts_with("text/") || type.starts_with("application/javascript") ||
         type.starts_with("application/json") || type.starts_with("image/svg+xml") ||
         type.starts_with("application/xml") || type.starts_with("application/manifest+json");
}

std::string fnv1a_etag(std::string_view data) {
  std::uint64_t h = 14695981039346656037ull;
  for (char c : data) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string out = "\"";
  for (int shift = 60; shift >= 0; shift -= 4) out += digits[(h >> shift) & 0xFu];
  out += '"';
  return out;
}

std::optional<std::string> read_file(const fs::path& p, std::uintmax_t limit) {
  std::error_code ec;
  const auto size = fs::file_size(p, ec);
  if (ec || size > limit) return std::nullopt;
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return std::move(text).str();
}

}  // namespace

static_files::static_files(fs::path root) {
  if (root.empty()) return;
  std::error_code ec;
  root_ = fs::canonical(root, ec);
  if (ec) root_.clear();
}

bool static_files::inside_root(const fs::path& p) const {
  auto [root_end, p_end] = std::mismatch(root_.begin(), root_.end(), p.begin(), p.end());
  return root_end == root_.end();
}

std::optional<fs::path> static_files::resolve(std::string_view target) const {
  if (root_.empty() || target.empty() || target.front() != '/') return std::nullopt;
  target = target.substr(0, target.find_first_of("?#"));
  auto decoded = percent_decode(target);
  if (!decoded) return std::nullopt;
  fs::path p = root_;
  std::string_view rest = *decoded;
  bool directory = rest.back() == '/';
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (segment.empty() || segment == ".") continue;
    // "..", hidden files (.git, .env) and anything a Windows-minded client might sneak in.
    if (segment.front() == '.' || segment.find('\0') != std::string_view::npos ||
        segment.find('\\') != std::string_view::npos)
      return std::nullopt;
    p /= segment;
  }
  std::error_code ec;
  if (directory || fs::is_directory(p, ec)) p /= "index.html";
  // Symlinks are followed, and the real file must still be under the root.
  auto real = fs::weakly_canonical(p, ec);
  if (ec || !inside_root(real)) return std::nullopt;
  return real;
}

std::string_view static_files::mime_type(const fs::path& file) {
  static const std::array<std::pair<std::string_view, std::string_view>, 21> types = {{
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".js", "application/javascript; charset=utf-8"},
      {".mjs", "application/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".txt", "text/plain; charset=utf-8"},
      {".xml", "application/xml"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".avif", "image/avif"},
      {".ico", "image/vnd.microsoft.icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".wasm", "application/wasm"},
  }};
  const std::string ext = lower(file.extension().string());
  for (const auto& [e, type] : types)
    if (e == ext) return type;
  return "application/octet-stream";
}

bool static_files::accepts_gzip(std::string_view accept_encoding) {
  while (!accept_encoding.empty()) {
    const auto comma = accept_encoding.find(',');
    std::string_view item = trim(accept_encoding.substr(0, comma));
    accept_encoding = comma == std::string_view::npos ? std::string_view{} : accept_encoding.substr(comma + 1);
    const auto semi = item.find(';');
    const std::string coding = lower(trim(item.substr(0, semi)));
    if (coding != "gzip" && coding != "*") continue;
    if (semi == std::string_view::npos) return true;
    // "gzip;q=0" refuses it; any other weight accepts it.
    std::string params = lower(item.substr(semi + 1));
    params.erase(std::remove(params.begin(), params.end(), ' '), params.end());
    if (params.rfind("q=", 0) == 0) {
      const std::string q = params.substr(2);
      if (q.find_first_not_of("0.") == std::string::npos) return false;
    }
    return true;
  }
  return false;
}

bool static_files::etag_matches(std::string_view if_none_match, std::string_view etag) {
  while (!if_none_match.empty()) {
    const auto comma = if_none_match.find(',');
    std::string_view tag = trim(if_none_match.substr(0, comma));
    if_none_match = comma == std::string_view::npos ? std::string_view{} : if_none_match.substr(comma + 1);
    if (tag == "*") return true;
    if (tag.starts_with("W/")) tag.remove_prefix(2);  // If-None-Match compares weakly
    if (tag == etag) return true;
  }
  return false;
}

std::string static_files::gzip(std::string_view data) {
  z_stream zs{};
  // 15 window bits + 16: a gzip header and trailer rather than zlib's.
  if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  const auto written = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return {};
  out.resize(written);
  return out;
}

static_files::response static_files::lookup(std::string_view target, std::string_view accept_encoding,
                                            std::string_view if_none_match) {
  response r;
  if (root_.empty()) return r;
  {
    auto path = target.substr(0, target.find_first_of("?#"));
    if (path.find('%') != std::string_view::npos && !percent_decode(path)) {
      r.status = 400;
      return r;
    }
  }
  auto file = resolve(target);
  if (!file) return r;
  std::error_code ec;
  const auto status = fs::status(*file, ec);
  if (ec || !fs::is_regular_file(status)) return r;
  const auto mtime = fs::last_write_time(*file, ec);
  if (ec) return r;
  const auto size = fs::file_size(*file, ec);
  if (ec || size > max_file_bytes) return r;

  r.content_type = std::string(mime_type(*file));
  r.html = r.content_type.starts_with("text/html");
  const bool want_gzip = accepts_gzip(accept_encoding) && compressible(r.content_type);

  std::lock_guard lock(mutex_);
  auto& e = cache_[file->string()];
  if (!e.content || e.mtime != mtime || e.size != size) {
    auto text = read_file(*file, max_file_bytes);
    if (!text) {
      cache_.erase(file->string());
      return r;
    }
    if (e.content) cache_bytes_ -= e.content->size() + (e.gzipped ? e.gzipped->size() : 0);
    if (cache_bytes_ > max_cache_bytes) {
      cache_.clear();
      cache_bytes_ = 0;
    }
    auto& fresh = cache_[file->string()];
    fresh = entry{};
    fresh.mtime = mtime;
    fresh.size = size;
    fresh.etag = fnv1a_etag(*text);
    fresh.content = std::make_shared<const std::string>(std::move(*text));
    cache_bytes_ += fresh.content->size();
  }
  auto& cached = cache_[file->string()];
  if (want_gzip && !cached.gzip_tried && cached.content->size() >= min_gzip_bytes) {
    cached.gzip_tried = true;
    // A precompressed NAME.gz, if it is at least as new as the file, wins over compressing here.
    fs::path gz = *file;
    gz += ".gz";
    std::optional<std::string> packed;
    if (fs::is_regular_file(gz, ec) && fs::last_write_time(gz, ec) >= mtime && !ec &&
        inside_root(fs::weakly_canonical(gz, ec)))
      packed = read_file(gz, max_file_bytes);
    if (!packed) packed = gzip(*cached.content);
    if (!packed->empty() && packed->size() < cached.content->size()) {
      cached.gzipped = std::make_shared<const std::string>(std::move(*packed));
      cache_bytes_ += cached.gzipped->size();
    }
  }
  r.gzip = want_gzip && cached.gzipped != nullptr;
  // One representation, one tag: the gzipped body has its own.
  r.etag = r.gzip ? cached.etag.substr(0, cached.etag.size() - 1) + "-gz\"" : cached.etag;
  if (!if_none_match.empty() && etag_matches(if_none_match, r.etag)) {
    r.status = 304;
    return r;
  }
  r.status = 200;
  r.body = r.gzip ? cached.gzipped : cached.content;
  return r;
}

}  // namespace advisor::transport
