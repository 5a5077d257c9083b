// Any bytes as the text frames of one WebSocket connection (NUL bytes separate frames), down the
// path websocket_session::handle() takes, without a socket or the rate limit: the envelope check,
// the app's engine_handler on the bundled knowledge, then the answer or error frame.
//
// Checked besides crashes, leaks and UB:
//   - every reply is a JSON object with "type" "answer" or "error" and the message's "id" (null
//     when none could be read), and an answer's context carries the next turn and a conversation
//     id of 16 hex digits;
//   - the context handed to the handler is the one sent, and the reply's id the one sent;
//   - the handler never throws on a well-formed question (the visitor would get `internal`);
//   - the answer cache changes nothing: each frame is also asked of a handler without a cache,
//     and the two replies must be the same but for the random conversation id. The cached
//     handler lives for the whole run, so earlier inputs' answers are in its cache.

#include <simdjson.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

#include "advisor/transport/config.hpp"
#include "engine_handler.hpp"
#include "envelope.hpp"

namespace {

using namespace advisor;
using nlohmann::json;

constexpr std::size_t max_frames = 8;

std::unique_ptr<app::engine_handler> make_handler(std::size_t cache_entries) {
  auto log = std::make_shared<spdlog::logger>("fuzz", std::make_shared<spdlog::sinks::null_sink_mt>());
  auto h = std::make_unique<app::engine_handler>(ADVISOR_FUZZ_KNOWLEDGE, log,
                                                 app::engine_handler_options{cache_entries});
  if (!h->reload().empty()) {
    std::fprintf(stderr, "fuzz_ws_message: the bundled knowledge does not load\n");
    std::abort();
  }
  return h;
}

app::engine_handler& cached() {
  static const auto h = make_handler(app::engine_handler_options{}.answer_cache_entries);
  return *h;
}

app::engine_handler& uncached() {
  static const auto h = make_handler(0);
  return *h;
}

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "fuzz_ws_message: %s\n%.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// As websocket_session.cpp serializes its frames.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// What the session sends back for one text frame.
std::string reply_to(app::engine_handler& handler, const transport::envelope& message) {
  if (!message.ok())
    return dump({{"type", "error"}, {"id", message.id}, {"code", message.code}, {"message", message.message}});
  const transport::question q{message.id.get_ref<const std::string&>(), message.text, message.context};
  std::string members;
  try {
    members = handler.ask(q);
  } catch (const std::exception& e) {
    fail("the handler threw on a well-formed question", e.what());
  }
  if (members.size() < 2 || members.front() != '{' || members.back() != '}')
    fail("the handler's answer is not a JSON object", members);
  return transport::answer_frame(message.id_json, members);
}

// The reply parsed, its envelope checked, and the conversation id taken out (it is random).
json checked(const std::string& frame, const json& id) {
  json reply = json::parse(frame, nullptr, false);
  if (reply.is_discarded() || !reply.is_object()) fail("the reply frame is not a JSON object", frame);
  const auto type = reply.find("type");
  if (type == reply.end() || (*type != "answer" && *type != "error")) fail("the reply frame has no type", frame);
  const auto reply_id = reply.find("id");
  if (reply_id == reply.end() || *reply_id != id) fail("the reply frame does not carry the message's id", frame);
  if (*type == "answer") {
    auto& context = reply["context"];
    if (!context.is_object() || !context["turn"].is_number_unsigned() || !context["conversation"].is_string() ||
        context["conversation"].get_ref<const std::string&>().size() != 16)
      fail("the answer's context lacks its turn or conversation id", frame);
    context.erase("conversation");
  }
  return reply;
}

// The envelope hands the context on as the client wrote it (not serialized again): it must be the
// same JSON value as the message's first "context" member, read by a parser of its own.
void check_context_as_sent(std::string_view payload, const transport::envelope& message) {
  simdjson::dom::parser parser;
  simdjson::dom::object whole;
  if (parser.parse(payload.data(), payload.size(), true).get(whole)) fail("a valid ask does not parse", payload);
  simdjson::dom::element sent;
  const std::string expected = whole["context"].get(sent) ? "null" : simdjson::minify(sent);
  simdjson::dom::parser again;
  simdjson::dom::element passed;
  if (again.parse(message.context).get(passed)) fail("the context handed on is not JSON", message.context);
  if (simdjson::minify(passed) != expected) fail("the context handed on is not the one sent", payload);
}

void one_frame(std::string_view payload) {
  const transport::config cfg;
  const auto message = transport::check_envelope(payload, true, cfg.max_message_bytes);
  if (message.ok()) check_context_as_sent(payload, message);
  const json with_cache = checked(reply_to(cached(), message), message.id);
  const json without_cache = checked(reply_to(uncached(), message), message.id);
  if (with_cache != without_cache)
    fail("the cached answer differs from a fresh one", dump(with_cache) + "\n" + dump(without_cache));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)cached();
  (void)uncached();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  for (std::size_t frames = 0; frames < max_frames; ++frames) {
    const auto nul = input.find('\0');
    one_frame(input.substr(0, nul));
    if (nul == std::string_view::npos) break;
    input.remove_prefix(nul + 1);
  }
  return 0;
}
