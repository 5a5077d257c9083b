#pragma once
// Reads a knowledge folder from disk and compiles it. The engine itself reads no files; this is
// the one place that does.

#include <filesystem>
#include <memory>
#include <vector>

#include "advisor/engine/knowledge.hpp"

namespace advisor::loader {

// Files a knowledge folder is made of: every *.rules file (the knowledge language) and *.words
// file (word lists) under `dir`, sorted by path, except under tests/ (conversation tests are read
// separately).
std::vector<std::filesystem::path> knowledge_files(const std::filesystem::path& dir);

// Reads every knowledge file (each at most max_file_bytes) and compiles them together.
// Errors: loader.not_a_directory, loader.unreadable, loader.too_large, loader.empty, and every
// compile error.
engine::result<std::shared_ptr<const engine::rule_base>> load_knowledge_dir(
    const std::filesystem::path& dir, std::uintmax_t max_file_bytes = 8u << 20);

// The sources alone, for callers that compile them with more (e.g. tests adding a file).
engine::result<std::vector<engine::knowledge_source>> read_knowledge_dir(
    const std::filesystem::path& dir, std::uintmax_t max_file_bytes = 8u << 20);

}  // namespace advisor::loader
