#pragma once
// Knowledge text -> AST. Reports every syntax error it finds (recovering at the next line or
// block), never throws, never crashes on any input.

#include <string_view>
#include <vector>

#include "advisor/engine/status.hpp"
#include "lang/ast.hpp"

namespace advisor::engine::detail {

// `file` is the index diagnostics' positions refer to; `file_name` and `text` fill them in.
ast_file parse(std::uint32_t file, std::string_view file_name, std::string_view text,
               std::vector<diagnostic>& diagnostics);

// Block keywords: a line starting with one begins a new block.
bool is_block_keyword(std::string_view word);

}  // namespace advisor::engine::detail
