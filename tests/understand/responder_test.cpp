#include "advisor/engine/responder.hpp"

#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "advisor/engine/knowledge.hpp"
#include "garden.hpp"

namespace advisor::engine {
namespace {

using test::garden;

TEST(Responder, AnswersAQuestionWithTopicsRulesTextAndSuggestions) {
  responder r(garden());
  auto a = r.ask("How often should I water my plants?");
  ASSERT_EQ(a.topics, std::vector<std::string>{"watering"});
  EXPECT_EQ(a.rules, std::vector<std::string>{"watering"});
  EXPECT_NE(a.text.find("top of the soil is dry"), std::string::npos);
  EXPECT_GE(a.suggestions.size(), 2u);
  EXPECT_GT(a.confidence, 0.9);
}

TEST(Responder, CorrectsSpellingAgainstTheKnowledgesOwnWords) {
  responder r(garden());
  auto a = r.ask("how oftn shuld I watr my plnts", {}, true);
  EXPECT_EQ(a.topics.front(), "watering");
  EXPECT_FALSE(a.trace.corrections.empty());
}

TEST(Responder, RulesOrderTopicsBySalienceSoSafetyComesFirst) {
  responder r(garden());
  auto a = r.ask("my cat chewed a leaf, how often should I water my plants");
  ASSERT_GE(a.topics.size(), 2u);
  EXPECT_EQ(a.topics[0], "pets");
  EXPECT_EQ(a.topics[1], "watering");
}

TEST(Responder, NegatedConceptsAreMarkedAsSuch) {
  responder r(garden());
  auto a = r.ask("I don't want to prune it, when should I water?", {}, true);
  EXPECT_NE(std::find(a.trace.concepts.begin(), a.trace.concepts.end(), "not cut"), a.trace.concepts.end());
  EXPECT_EQ(std::find(a.topics.begin(), a.topics.end(), "pruning"), a.topics.end());
}

TEST(Responder, FallsBackBelowTheConfidenceFloor) {
  responder r(garden());
  auto a = r.ask("who won the football game last night?");
  EXPECT_EQ(a.topics, std::vector<std::string>{"fallback"});
  EXPECT_LT(a.confidence, 0.5);
  EXPECT_NE(a.text.find("Green Thumb Nursery"), std::string::npos) << "placeholders are filled from facts";
  EXPECT_NE(a.text.find("555-0100"), std::string::npos);
}

TEST(Responder, AFollowUpIsReadAgainstThePreviousTurn) {
  responder r(garden());
  auto first = r.ask("how often should I water my plants");
  auto second = r.ask("what about outdoors?", first.context);
  EXPECT_EQ(second.topics, std::vector<std::string>{"watering"});
  auto alone = r.ask("what about outdoors?");
  EXPECT_EQ(alone.topics, std::vector<std::string>{"fallback"}) << "without context there is nothing to follow";
}

TEST(Responder, EntitiesAreRememberedForAFewTurns) {
  responder r(garden());
  auto a = r.ask("my kitten is sniffing the plants");
  EXPECT_EQ(a.topics.front(), "pets");
  auto b = r.ask("how often should I water?", a.context);
  EXPECT_EQ(b.topics.front(), "pets") << "the cat is still in the conversation";
  conversation_context c = b.context;
  for (int i = 0; i < 4; ++i) c = r.ask("how often should I water?", c).context;
  EXPECT_EQ(r.ask("how often should I water?", c).topics.front(), "watering") << "and forgotten after a while";
}

TEST(Responder, TheDisclaimerIsShownOncePerConversation) {
  responder r(garden());
  auto a = r.ask("how often should I water my plants");
  EXPECT_NE(a.text.find("General gardening tips only."), std::string::npos);
  auto b = r.ask("should I use fertilizer", a.context);
  EXPECT_EQ(b.text.find("General gardening tips only."), std::string::npos);
}

TEST(Responder, ContextSurvivesAJsonRoundTrip) {
  responder r(garden());
  auto a = r.ask("my cat likes the windowsill plants");
  auto back = conversation_context::from_json(nlohmann::json::parse(a.context.to_json().dump()));
  EXPECT_EQ(back.to_json(), a.context.to_json());
}

TEST(Responder, AForgedContextIsReadDefensively) {
  responder r(garden());
  auto forged = nlohmann::json::parse(R"({"turn": -4, "intent": 17, "topics": "x",
      "entities": [{"type": "who", "value": "nonexistent"}, 5, {"type": []}], "disclaimed": "yes"})");
  auto c = conversation_context::from_json(forged);
  EXPECT_EQ(c.turn, 0u);
  EXPECT_TRUE(c.intent.empty());
  EXPECT_TRUE(c.topics.empty());
  EXPECT_EQ(c.entities.size(), 1u);
  EXPECT_FALSE(c.disclaimed);
  auto a = r.ask("how often should I water?", c);
  EXPECT_EQ(a.topics.front(), "watering") << "an entity this knowledge doesn't know is dropped";
  nlohmann::json huge = {{"topics", std::vector<std::string>(10000, "watering")}};
  EXPECT_LE(conversation_context::from_json(huge).topics.size(), 16u);
}

TEST(Responder, AContextIsReadFromJsonTextAsFromAJsonValue) {
  responder r(garden());
  auto a = r.ask("how often should I water my plants", conversation_context::parse(R"({"conversation":"c-1"})"));
  EXPECT_EQ(a.context.conversation, "c-1") << "the application's id is carried along";
  const auto text = a.context.to_json().dump();
  EXPECT_EQ(conversation_context::parse(text).to_json(), a.context.to_json());
  EXPECT_EQ(conversation_context::parse(text).to_json(),
            conversation_context::from_json(nlohmann::json::parse(text)).to_json());
  // Anything but an object's text gives an empty context, never an exception.
  for (const char* bad : {"", "null", "[1,2]", "\"turn\"", "{\"turn\":", "{\"turn\": 1}}", "\xff\xfe",
                          "{\"intent\": \"\\ud800\"}"}) {
    const auto c = conversation_context::parse(bad);
    EXPECT_EQ(c.turn, 0u) << bad;
    EXPECT_TRUE(c.topics.empty()) << bad;
  }
  std::string deep(100000, '[');
  EXPECT_EQ(conversation_context::parse("{\"topics\": " + deep).turn, 0u);
  EXPECT_LE(conversation_context::parse("{\"topics\": [" + std::string(20000 * 4, ' ') + "\"a\"" +
                                        [] {
                                          std::string more;
                                          for (int i = 0; i < 1000; ++i) more += ",\"a\"";
                                          return more;
                                        }() + "]}")
                .topics.size(),
            16u);
}

TEST(Responder, GreetsAndThanks) {
  responder r(garden());
  EXPECT_EQ(r.ask("hi there!").topics.front(), "hello");
  EXPECT_EQ(r.ask("thank you, bye").topics.front(), "thanks");
  auto hello = r.hello();
  EXPECT_EQ(hello.text, "Welcome to the garden helper.");
  EXPECT_EQ(hello.suggestions.size(), 2u);
}

// Bad input never crashes and gets a sensible reply.
TEST(Responder, HandlesHostileAndOddInput) {
  responder r(garden());
  const std::vector<std::string> inputs = {
      "", "   ", std::string(100 * 1024, 'a'), "\xff\xfe\xc3(", std::string("nul\0byte", 8), "\x01\x02\x1b[31m",
      "\xf0\x9f\x8c\xb5\xf0\x9f\x8c\xb5", "?!?!...,,,", "<script>alert(1)</script> how often should I water?",
  };
  for (const auto& input : inputs) {
    auto a = r.ask(input);
    EXPECT_FALSE(a.topics.empty());
    EXPECT_FALSE(a.text.empty());
    EXPECT_NO_THROW((void)a.to_json().dump());
  }
  EXPECT_EQ(r.ask("<script>alert(1)</script> how often should I water?").topics.front(), "watering");
}

TEST(Responder, SurvivesRandomBytes) {
  responder r(garden());
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string s(rng() % 200, '\0');
    for (auto& c : s) c = static_cast<char>(rng() % 256);
    auto a = r.ask(s);
    ASSERT_FALSE(a.topics.empty());
  }
}

TEST(Responder, IsSafeToShareBetweenThreads) {
  responder r(garden());
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i)
        if (r.ask("how often should I water my plants?").topics.front() != "watering") ++wrong;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(Responder, AsksWhichWasMeantWhenTwoReadingsTie) {
  auto base = compile_knowledge("tie.rules", R"(
concept filler: the, a, i
intent north
  ask: Going north?
  example: travel north road
intent south
  ask: Going south?
  example: travel south road
rule n
  when
    intent name: north
  then
    emit topic north
rule s
  when
    intent name: south
  then
    emit topic south
answer north
  text: North it is.
answer south
  text: South it is.
answer fallback
  text: No idea.
setting clarify: Did you mean one of these?
)");
  ASSERT_TRUE(base) << to_string(base.errors());
  responder r(*base);
  auto a = r.ask("travel road");
  EXPECT_TRUE(a.clarifying);
  EXPECT_EQ(a.text, "Did you mean one of these?");
  EXPECT_EQ(a.suggestions.size(), 2u);
  EXPECT_EQ(a.topics.size(), 2u) << "the reply carries both readings";
}

}  // namespace
}  // namespace advisor::engine

namespace advisor::engine {
namespace {

// Regression: a concept referenced after other words in a term ("white ~bump") never matched,
// because words were marked left to right.
TEST(Responder, ConceptsInsideATermMatchWhereverTheyStand) {
  auto base = compile_knowledge("k.rules", R"(concept bump: bump, dot
concept milia: white ~bump, ~bump cluster
intent what
  example: what is milia
rule r
  when
    mention concept: milia
  then
    emit topic what
answer what
  text: Milia.
)");
  ASSERT_TRUE(base) << to_string(base.errors());
  responder r(*base);
  EXPECT_EQ(r.ask("a tiny white bump").topics, std::vector<std::string>{"what"});
  EXPECT_EQ(r.ask("a dot cluster").topics, std::vector<std::string>{"what"});
}

}  // namespace
}  // namespace advisor::engine

namespace advisor::engine {
namespace {

TEST(Responder, HelloCarriesTheContactWithPlaceholdersFilled) {
  auto base = compile_knowledge("k.rules", R"(relation shop: name, phone
fact shop name: "Green Thumb" phone: "555-0100"
setting hello: Welcome to {shop.name}!
setting contact-phone: {shop.phone}
setting contact-name: {shop.name}
)");
  ASSERT_TRUE(base) << to_string(base.errors());
  auto g = responder(*base).hello();
  EXPECT_EQ(g.text, "Welcome to Green Thumb!");
  using pair = std::pair<std::string, std::string>;
  EXPECT_EQ(g.contact, (std::vector<pair>{{"name", "Green Thumb"}, {"phone", "555-0100"}}));
}

}  // namespace
}  // namespace advisor::engine
