// Any bytes as the text of a knowledge file: compile_knowledge() must return a rule base or
// diagnostics, never crash, hang or leak. Knowledge that compiles is asked one question (the
// input's last line, so the fuzzer can aim it at its own vocabulary) and its greeting.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "advisor/engine/knowledge.hpp"
#include "advisor/engine/responder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace advisor::engine;
  std::string text(reinterpret_cast<const char*>(data), size);
  auto base = compile_knowledge("fuzz.rules", text);
  if (!base) {
    // Formatting every diagnostic runs the caret/line code on whatever broke the parse.
    (void)to_string(base.errors());
    return 0;
  }
  for (const auto& w : (*base)->warnings()) (void)w.to_string();

  std::string_view question(text);
  if (auto nl = question.find_last_of('\n', question.size() > 1 ? question.size() - 2 : 0);
      nl != std::string_view::npos)
    question.remove_prefix(nl + 1);
  const responder r(*base);
  const auto a = r.ask(question, {}, true);
  (void)a.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  (void)r.ask(question, a.context);
  (void)r.hello();
  return 0;
}
