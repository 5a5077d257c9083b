#pragma once
// Conversation tests: readable transcripts of visitor lines with the topics each answer must
// carry, kept beside the knowledge and run offline.
//
//   conversation popping then forehead
//     visitor: my cousin squeezes hers, should I?
//     expect: extraction-risk
//     visitor: even on my forehead?
//     expect: extraction-risk
//     not: routine
//
// `expect: a, b`: the first topic is a and b is there too; `expect only: a, b`: exactly these,
// in this order; `not: x, y`: none of these.

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "advisor/engine/responder.hpp"
#include "advisor/engine/status.hpp"

namespace advisor::engine {

struct conversation_turn {
  std::string visitor;
  std::vector<std::string> expect;
  bool exact = false;
  std::vector<std::string> must_not;
  int line = 0;
};

struct conversation {
  std::string name;
  std::string file;
  int line = 0;
  std::vector<conversation_turn> turns;
};

// Every conversation in the text, or every error (file:line:col) in it.
result<std::vector<conversation>> parse_conversations(const std::string& file, std::string_view text);

struct conversation_report {
  std::size_t passed = 0;  // turns
  std::size_t failed = 0;
  std::vector<std::string> failures;        // one readable diff per failed turn
  std::set<std::string> rules_fired;        // by any turn
  std::set<std::string> topics_seen;
};

conversation_report run_conversations(const responder& r, const std::vector<conversation>& conversations);

}  // namespace advisor::engine
