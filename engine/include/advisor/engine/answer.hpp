#pragma once
// What the assistant says back, and the small conversation context a caller keeps between turns.
// The JSON forms are the wire format shared by `advisor chat --json` and the WebSocket server:
//   {"text": ..., "topics": [...], "rules": [...], "suggestions": [...], "confidence": 0.87,
//    "context": {...}}
// Plain values; copy freely.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace advisor::engine {

// Everything the assistant needs to read the next turn against this one. A stateless server
// hands it to the client and takes it back with the next question, so it is untrusted input:
// from_json() keeps only well-formed, bounded parts and never throws.
struct conversation_context {
  struct entity {
    std::string type;
    std::string value;
    std::uint32_t age = 0;  // turns since it was last mentioned
  };
  std::uint32_t turn = 0;
  std::string intent;               // the previous turn's top intent
  std::vector<std::string> topics;  // the previous answer's topics
  std::vector<entity> entities;
  bool disclaimed = false;  // the disclaimer has been shown in this conversation
  // An id the application gives the conversation (at most 64 bytes), carried along unread.
  std::string conversation;

  nlohmann::json to_json() const;
  static conversation_context from_json(const nlohmann::json& j);
  // The same from JSON text; anything but an object's text gives an empty context.
  static conversation_context parse(std::string_view json);
};

// How a message was read, for `--explain` and the owner's tools.
struct understanding_trace {
  std::string normalized;
  std::vector<std::string> corrections;                   // "wattering -> watering"
  std::vector<std::string> concepts;                      // "extract", "not extract"
  std::vector<std::pair<std::string, double>> intents;    // best first
  std::vector<std::string> facts;                         // asserted for the rules
  std::vector<std::string> chains;                        // per topic: the rule chain behind it
};

struct answer {
  std::string text;
  std::vector<std::string> topics;  // most relevant first
  std::vector<std::string> rules;   // the rule behind each topic, same order
  std::vector<std::string> rules_fired;  // every rule that fired, in order (not sent on the wire)
  std::string normalized;  // the message as it was read (not sent on the wire: it is the visitor's words)
  std::vector<std::string> suggestions;
  double confidence = 0;
  bool clarifying = false;  // asks which of two readings was meant
  conversation_context context;
  understanding_trace trace;  // filled when asked to explain

  nlohmann::json to_json() const;  // the wire object (without the trace)
};

}  // namespace advisor::engine
