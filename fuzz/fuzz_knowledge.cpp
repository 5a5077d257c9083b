// Any bytes as knowledge text: compile_knowledge() must return a rule base or diagnostics, never
// crash, hang or leak. A line "@@ NAME" starts another source file named NAME, so one input can
// hold several files (declarations in one, rules in another) and word lists (NAME ending in
// .words); the text before the first such line is "fuzz.rules". Knowledge that compiles is asked
// one question (the input's last line, so the fuzzer can aim it at its own vocabulary), then the
// same again with the answer's context, and its greeting.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "advisor/engine/knowledge.hpp"
#include "advisor/engine/responder.hpp"

namespace {

using namespace advisor::engine;

std::vector<knowledge_source> split_sources(std::string_view input) {
  std::vector<knowledge_source> sources{{"fuzz.rules", {}}};
  while (!input.empty()) {
    const auto nl = input.find('\n');
    const std::string_view line = input.substr(0, nl == std::string_view::npos ? input.size() : nl + 1);
    input.remove_prefix(line.size());
    if (line.starts_with("@@ ")) {
      std::string_view name = line.substr(3);
      if (name.ends_with('\n')) name.remove_suffix(1);
      sources.push_back({std::string(name), {}});
    } else {
      sources.back().text += line;
    }
  }
  return sources;
}

std::string_view last_line(std::string_view text) {
  if (text.ends_with('\n')) text.remove_suffix(1);
  const auto nl = text.find_last_of('\n');
  return nl == std::string_view::npos ? text : text.substr(nl + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto base = compile_knowledge(split_sources(input));
  if (!base) {
    // Formatting every diagnostic runs the caret/line code on whatever broke the parse.
    (void)to_string(base.errors());
    return 0;
  }
  for (const auto& w : (*base)->warnings()) (void)w.to_string();

  const responder r(*base);
  const std::string_view question = last_line(input);
  const auto a = r.ask(question, {}, true);
  (void)a.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  (void)r.ask(question, a.context);
  (void)r.hello();
  return 0;
}
