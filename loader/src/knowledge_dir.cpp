#include "advisor/loader/knowledge_dir.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace advisor::loader {
namespace fs = std::filesystem;
using engine::diagnostic;

namespace {
diagnostic error(std::string code, std::string message, const fs::path& file, std::string hint = {}) {
  diagnostic d;
  d.code = std::move(code);
  d.message = std::move(message);
  d.file = file.string();
  d.hint = std::move(hint);
  return d;
}
}  // namespace

std::vector<fs::path> knowledge_files(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory() && it->path().filename() == "tests") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && (it->path().extension() == ".rules" || it->path().extension() == ".words"))
      files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

engine::result<std::vector<engine::knowledge_source>> read_knowledge_dir(const fs::path& dir,
                                                                        std::uintmax_t max_file_bytes) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return error("loader.not_a_directory", "knowledge folder not found", dir,
                 "pass the folder that holds the .rules files with --knowledge");
  }
  std::vector<diagnostic> errors;
  std::vector<engine::knowledge_source> sources;
  for (const auto& path : knowledge_files(dir)) {
    auto size = fs::file_size(path, ec);
    if (ec) {
      errors.push_back(error("loader.unreadable", "can't read this file: " + ec.message(), path));
      continue;
    }
    if (size > max_file_bytes) {
      errors.push_back(error("loader.too_large",
                             "file is " + std::to_string(size) + " bytes, over the limit of " +
                                 std::to_string(max_file_bytes),
                             path, "knowledge files are plain text; split it or check it is the right file"));
      continue;
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in && !in.eof()) {
      errors.push_back(error("loader.unreadable", "can't read this file", path));
      continue;
    }
    sources.push_back({path.string(), text.str()});
  }
  if (!errors.empty()) return errors;
  if (sources.empty()) {
    return error("loader.empty", "no .rules files in the knowledge folder", dir);
  }
  return sources;
}

engine::result<std::shared_ptr<const engine::rule_base>> load_knowledge_dir(const fs::path& dir,
                                                                           std::uintmax_t max_file_bytes) {
  auto sources = read_knowledge_dir(dir, max_file_bytes);
  if (!sources) return sources.errors();
  return engine::compile_knowledge(*sources);
}

}  // namespace advisor::loader
