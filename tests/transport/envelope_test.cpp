// The chat envelope, byte by byte: what check_envelope() accepts and every error it names.

#include "envelope.hpp"

#include <gtest/gtest.h>

namespace advisor::transport {
namespace {

TEST(envelope, accepts_a_well_formed_ask) {
  auto e = check_envelope(R"({"type":"ask","id":"q1","text":"can I pop them?","context":{"turn":1}})", true, 4096);
  ASSERT_TRUE(e.ok()) << e.code << ": " << e.message;
  EXPECT_EQ(e.id, "q1");
  EXPECT_EQ(e.text, "can I pop them?");
}

TEST(envelope, context_may_be_absent_or_null) {
  EXPECT_TRUE(check_envelope(R"({"type":"ask","id":"a","text":"x"})", true, 4096).ok());
  EXPECT_TRUE(check_envelope(R"({"type":"ask","id":"a","text":"x","context":null})", true, 4096).ok());
}

struct bad_case {
  const char* payload;
  bool text;
  const char* code;
  const char* message;
};

// Test names and failure messages show the case's code, not its bytes.
void PrintTo(const bad_case& c, std::ostream* os) { *os << c.code; }

class envelope_errors : public ::testing::TestWithParam<bad_case> {};

TEST_P(envelope_errors, names_the_problem) {
  const auto& c = GetParam();
  auto e = check_envelope(c.payload, c.text, 64);
  EXPECT_EQ(e.code, c.code);
  EXPECT_EQ(e.message, c.message);
}

INSTANTIATE_TEST_SUITE_P(
    cases, envelope_errors,
    ::testing::Values(
        bad_case{R"({"type":"ask","id":"a","text":"x"})", false, "not_text",
                 "binary frames are not accepted: send JSON as text"},
        bad_case{R"({"type":"ask","id":"a","text":"this text is far too long for a limit of sixty-four"})", true,
                 "too_long", "message is 84 bytes, the limit is 64"},
        bad_case{"{\"text\":\"\xC3\x28\"}", true, "bad_utf8", "message is not valid UTF-8"},
        bad_case{"{\"type\":", true, "bad_json", "message is not valid JSON"},
        bad_case{"[1,2]", true, "bad_json", "message must be a JSON object"},
        bad_case{R"({"type":"ask","text":"x"})", true, "bad_id", "\"id\" must be a string of 1 to 64 bytes"},
        bad_case{R"({"type":"ask","id":7,"text":"x"})", true, "bad_id", "\"id\" must be a string of 1 to 64 bytes"},
        bad_case{R"({"type":"ask","id":"","text":"x"})", true, "bad_id", "\"id\" must be a string of 1 to 64 bytes"},
        bad_case{R"({"type":"tell","id":"a","text":"x"})", true, "bad_type", "\"type\" must be \"ask\""},
        bad_case{R"({"id":"a","text":"x"})", true, "bad_type", "\"type\" must be \"ask\""},
        bad_case{R"({"type":"ask","id":"a","text":""})", true, "bad_text", "\"text\" must be a non-empty string"},
        bad_case{R"({"type":"ask","id":"a","text":5})", true, "bad_text", "\"text\" must be a non-empty string"},
        bad_case{R"({"type":"ask","id":"a","text":"x","context":[1]})", true, "bad_context",
                 "\"context\" must be an object: the previous answer's context"}),
    [](const ::testing::TestParamInfo<bad_case>& param_info) {
      return std::string(param_info.param.code) + "_" + std::to_string(param_info.index);
    });

TEST(envelope, an_empty_frame_is_not_json) {
  EXPECT_EQ(check_envelope(std::string_view(), true, 4096).code, "bad_json");
  EXPECT_EQ(check_envelope("", true, 4096).code, "bad_json");
}

TEST(envelope, errors_after_the_id_carry_it) {
  auto e = check_envelope(R"({"type":"nope","id":"q9"})", true, 4096);
  EXPECT_EQ(e.code, "bad_type");
  EXPECT_EQ(e.id, "q9");
  EXPECT_TRUE(check_envelope("{", true, 4096).id.is_null());
}

TEST(answer_frame, puts_type_and_id_in_front_of_the_handlers_members) {
  const auto frame = nlohmann::json::parse(answer_frame(R"("q1")", R"({"text":"hi","topics":["a"]})"));
  EXPECT_EQ(frame, nlohmann::json({{"type", "answer"}, {"id", "q1"}, {"text", "hi"}, {"topics", {"a"}}}));
  EXPECT_EQ(nlohmann::json::parse(answer_frame(R"("q2")", "{}")), nlohmann::json({{"type", "answer"}, {"id", "q2"}}));
  EXPECT_EQ(nlohmann::json::parse(answer_frame(R"("q3")", "{ \n }")), nlohmann::json({{"type", "answer"}, {"id", "q3"}}));
}

TEST(envelope, accepts_every_well_formed_utf8_form) {
  for (const char* text : {"plain ascii", "caf\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF"}) {
    const auto e = check_envelope(std::string(R"({"type":"ask","id":"a","text":")") + text + "\"}", true, 4096);
    EXPECT_TRUE(e.ok()) << e.code;
    EXPECT_EQ(e.text, text);
  }
}

TEST(envelope, rejects_malformed_overlong_surrogate_and_out_of_range_utf8) {
  for (const char* bytes : {"\x80",              // continuation first
                            "\xC3",              // truncated
                            "\xC0\xAF",          // overlong '/'
                            "\xE0\x80\xAF",      // overlong, three bytes
                            "\xED\xA0\x80",      // surrogate U+D800
                            "\xF4\x90\x80\x80",  // U+110000
                            "\xFF"}) {
    EXPECT_EQ(check_envelope(std::string(R"({"type":"ask","id":"a","text":")") + bytes + "\"}", true, 4096).code,
              "bad_utf8");
    // Outside a string too, and cut off at the very end.
    EXPECT_EQ(check_envelope(std::string(R"({"type":"ask","id":"a","text":"x"})") + bytes, true, 4096).code, "bad_utf8");
  }
}

TEST(envelope, hands_the_context_on_as_the_client_wrote_it) {
  const auto e = check_envelope(R"({ "context" : { "turn": 2, "topics": ["a", "b"] } , "type":"ask","id":"q1","text":"x"})",
                                true, 4096);
  ASSERT_TRUE(e.ok()) << e.code;
  EXPECT_EQ(e.context, R"({ "turn": 2, "topics": ["a", "b"] })");
  EXPECT_EQ(e.id_json, R"("q1")");
}

TEST(envelope, reads_the_context_past_strings_that_look_like_json) {
  const auto e = check_envelope(
      R"({"type":"ask","text":"} \" { ] ,\"context\":1","id":"q\"2","context":{"intent":"a}\\","n":[{},[]]},"context":7})",
      true, 4096);
  ASSERT_TRUE(e.ok()) << e.code;
  EXPECT_EQ(e.context, R"({"intent":"a}\\","n":[{},[]]})");
  EXPECT_EQ(e.id_json, R"("q\"2")");
  EXPECT_EQ(e.id, "q\"2");
}

TEST(envelope, a_key_written_with_escapes_still_finds_its_member) {
  // "\u0069d" is "id" and "cont\u0065xt" is "context": as a JSON parser reads them.
  const auto e = check_envelope(R"({"type":"ask","\u0069d":"q3","text":"x","cont\u0065xt":{ "turn": 1 }})", true, 4096);
  ASSERT_TRUE(e.ok()) << e.code;
  EXPECT_EQ(nlohmann::json::parse(e.context), nlohmann::json({{"turn", 1}}));
  EXPECT_EQ(nlohmann::json::parse(e.id_json), "q3");
}

TEST(envelope, a_missing_or_null_context_is_null) {
  EXPECT_EQ(check_envelope(R"({"type":"ask","id":"a","text":"x"})", true, 4096).context, "null");
  EXPECT_EQ(check_envelope(R"({"type":"ask","id":"a","text":"x","context":null})", true, 4096).context, "null");
}

}  // namespace
}  // namespace advisor::transport
