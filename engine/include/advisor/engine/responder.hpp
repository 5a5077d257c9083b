#pragma once
// Answers a visitor's message: reads it against the knowledge's vocabulary and intents, runs the
// rules on what it understood, and composes the reply from the answer texts.
//
// Thread-safety: a responder is immutable and may be used from any number of threads at once;
// each ask() works in its own session. Cost: one message is read once (normalize, correct,
// stem, mark concepts) and only intents sharing a feature with it are scored.
//
// Example:
//   responder r(base);
//   auto a = r.ask("can I pop them?");
//   auto b = r.ask("even on my eyelids?", a.context);

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "advisor/engine/answer.hpp"
#include "advisor/engine/rule_base.hpp"

namespace advisor::engine {

struct greeting {
  std::string text;
  std::vector<std::string> suggestions;
  // How to reach a person, from the knowledge's `contact-NAME` settings (e.g. contact-phone):
  // (NAME, value) pairs in name order, placeholders filled.
  std::vector<std::pair<std::string, std::string>> contact;
};

class responder {
 public:
  static constexpr std::size_t max_message_bytes = 4096;

  explicit responder(std::shared_ptr<const rule_base> base);

  // Never throws on any input text or context. `explain` fills answer::trace.
  answer ask(std::string_view text, const conversation_context& context = {}, bool explain = false) const;

  // What the chat shows when it opens (the knowledge's `hello` settings).
  greeting hello() const;

  const rule_base& base() const { return *base_; }
  const std::shared_ptr<const rule_base>& base_ptr() const { return base_; }

 private:
  std::shared_ptr<const rule_base> base_;
};

}  // namespace advisor::engine
