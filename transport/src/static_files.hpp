#pragma once
// Serves files from one folder (the web root) and nothing outside it: request paths are
// percent-decoded and checked segment by segment (no "..", no hidden files, no NUL or backslash),
// and the resolved file must still lie under the root once symlinks are followed. Answers carry a
// content type from the extension and a strong ETag (304 on If-None-Match); compressible files are
// sent gzipped when the client accepts it, from a fresh `NAME.gz` beside the file if there is one,
// else compressed once and cached.
//
// Thread-safety: lookup() may be called from any thread; the cache is guarded by a mutex.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace advisor::transport {

class static_files {
 public:
  struct response {
    unsigned status = 404;  // 200, 304, 400 or 404
    std::shared_ptr<const std::string> body;  // null unless 200
    std::string content_type;
    std::string etag;
    bool gzip = false;  // body is gzip-compressed (Content-Encoding: gzip)
    bool html = false;  // an HTML page: gets the Content-Security-Policy
  };

  static constexpr std::uintmax_t max_file_bytes = 16u << 20;

  // An empty root serves nothing (every lookup is 404).
  explicit static_files(std::filesystem::path root);

  // `target` is the request target as sent ("/widget.js?v=2"), the other two the request's
  // Accept-Encoding and If-None-Match headers (empty when absent). Never throws for a bad target:
  // 400 for one that can't be decoded, 404 for one that is missing, hidden or outside the root.
  response lookup(std::string_view target, std::string_view accept_encoding, std::string_view if_none_match);

  // The file `target` names under the root, or nothing when it is unsafe or can't be decoded.
  // Does not look at the file system except to follow symlinks of existing paths.
  std::optional<std::filesystem::path> resolve(std::string_view target) const;

  static std::string_view mime_type(const std::filesystem::path& file);
  static bool accepts_gzip(std::string_view accept_encoding);
  static bool etag_matches(std::string_view if_none_match, std::string_view etag);
  // gzip (RFC 1952) of `data`; empty on failure.
  static std::string gzip(std::string_view data);

 private:
  struct entry {
    std::filesystem::file_time_type mtime;
    std::uintmax_t size = 0;
    std::shared_ptr<const std::string> content;
    std::shared_ptr<const std::string> gzipped;  // null until first asked; may stay null (not worth it)
    bool gzip_tried = false;
    std::string etag;
  };

  bool inside_root(const std::filesystem::path& p) const;

  std::filesystem::path root_;  // canonical, or empty
  std::mutex mutex_;
  std::map<std::string, entry> cache_;
  std::uintmax_t cache_bytes_ = 0;
};

}  // namespace advisor::transport
