// Tests for advisor/engine/session.hpp: working memory, matching, the agenda, truth maintenance,
// the firing limit and explanations. Each test states its knowledge in full, so it reads as an
// example of the behaviour it checks.

#include "advisor/engine/session.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "advisor/engine/knowledge.hpp"
#include "engine_test_support.hpp"

namespace advisor::engine {
namespace {

using test::compile;
using test::facts_of;
using test::outputs_of;
using test::run;
using test::sym;

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// --- working memory ---

TEST(session_test, starts_with_the_knowledge_initial_facts) {
  session s(compile(R"(
relation weather: season
fact weather season: summer
rule note
  when
    weather season: ?s
  then
    emit season ?s
)"));
  EXPECT_EQ(facts_of(s, "weather"), std::vector<std::string>{"weather season: summer"});
  EXPECT_TRUE(s.outputs().empty()) << "initial facts are asserted, but nothing runs before run()";
  EXPECT_EQ(run(s), std::vector<std::string>{"note"});
  EXPECT_EQ(outputs_of(s, "season"), std::vector<std::string>{"summer"});
}

TEST(session_test, assert_fact_leaves_unnamed_slots_nil) {
  session s(compile(R"(
relation concern: area, severity
rule r
  when
    concern area: ?a
  then
    emit area ?a
)"));
  auto id = s.assert_fact("concern", {{"area", sym("eyes")}});
  ASSERT_TRUE(id);
  auto f = s.fact(*id);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->relation, "concern");
  EXPECT_TRUE(f->stated);
  ASSERT_EQ(f->slots.size(), 2u);
  EXPECT_EQ(f->slots[0].first, "area");
  EXPECT_EQ(f->slots[1].first, "severity");
  EXPECT_EQ(*f->get("area"), sym("eyes"));
  EXPECT_EQ(*f->get("severity"), sym("nil"));
  EXPECT_EQ(f->get("colour"), nullptr);
  EXPECT_EQ(f->to_string(), "concern area: eyes") << "nil slots stay out of the text";
}

TEST(session_test, fact_to_string_writes_values_as_in_knowledge_files) {
  session s(compile(R"(
relation concern: area, severity, note
rule r
  when
    concern area: ?a
  then
    emit area ?a
)"));
  auto id = s.assert_fact("concern", {{"area", sym("eyes")}, {"severity", 2}, {"note", value::string("it \"stings\"")}});
  ASSERT_TRUE(id);
  EXPECT_EQ(s.fact(*id)->to_string(), R"(concern area: eyes severity: 2 note: "it \"stings\"")");
}

TEST(session_test, asserting_an_existing_fact_is_a_no_op_returning_the_same_id) {
  session s(compile(R"(
relation plant: name
rule greet
  when
    plant name: ?p
  then
    emit hello ?p
)"));
  auto first = s.assert_fact("plant", {{"name", sym("fern")}});
  auto again = s.assert_fact("plant", {{"name", sym("fern")}});
  ASSERT_TRUE(first);
  ASSERT_TRUE(again);
  EXPECT_EQ(*first, *again);
  EXPECT_EQ(s.facts("plant").size(), 1u);
  EXPECT_EQ(run(s), std::vector<std::string>{"greet"}) << "one fact, one activation";
}

TEST(session_test, symbols_strings_and_numbers_are_different_values) {
  session s(compile(R"(
relation tag: v
rule r
  when
    tag v: ?v
  then
    emit v ?v
)"));
  auto a = s.assert_fact("tag", {{"v", sym("2")}});
  auto b = s.assert_fact("tag", {{"v", value::string("2")}});
  auto c = s.assert_fact("tag", {{"v", 2}});
  auto d = s.assert_fact("tag", {{"v", 2.0}});
  ASSERT_TRUE(a && b && c && d);
  EXPECT_NE(*a, *b);
  EXPECT_NE(*b, *c);
  EXPECT_NE(*a, *c);
  EXPECT_EQ(*c, *d) << "2 and 2.0 are the same number";
  EXPECT_EQ(s.facts("tag").size(), 3u);
}

TEST(session_test, assert_fact_reports_an_unknown_relation_with_the_nearest_name) {
  session s(compile(R"(
relation concern: area
rule r
  when
    concern area: ?a
  then
    emit area ?a
)"));
  auto id = s.assert_fact("concen", {{"area", sym("eyes")}});
  ASSERT_FALSE(id);
  ASSERT_EQ(id.errors().size(), 1u);
  const auto& e = id.errors()[0];
  EXPECT_EQ(e.code, "knowledge.unknown_relation");
  EXPECT_EQ(e.message, "unknown relation 'concen'");
  EXPECT_EQ(e.hint, "did you mean 'concern'?");
  EXPECT_TRUE(s.facts().empty());
}

TEST(session_test, assert_fact_reports_an_unknown_slot_with_the_nearest_name) {
  session s(compile(R"(
relation concern: area
rule r
  when
    concern area: ?a
  then
    emit area ?a
)"));
  auto id = s.assert_fact("concern", {{"aera", sym("eyes")}});
  ASSERT_FALSE(id);
  EXPECT_EQ(id.errors()[0].code, "knowledge.unknown_slot");
  EXPECT_EQ(id.errors()[0].message, "relation 'concern' has no slot 'aera'");
  EXPECT_EQ(id.errors()[0].hint, "did you mean 'area'?");
  EXPECT_TRUE(s.facts().empty());
}

TEST(session_test, outputs_cannot_be_asserted_from_outside) {
  session s(compile(R"(
relation concern: area
rule r
  when
    concern area: ?a
  then
    emit area ?a
)"));
  auto id = s.assert_fact("output", {{"name", sym("topic")}, {"value", sym("x")}});
  ASSERT_FALSE(id);
  EXPECT_EQ(id.errors()[0].code, "engine.output_fact");
  EXPECT_EQ(id.errors()[0].message, "outputs come from rules (`emit`); they can't be asserted from outside");
}

TEST(session_test, retract_removes_a_live_fact_once) {
  session s(compile(R"(
relation plant: name
rule greet
  when
    plant name: ?p
  then
    emit hello ?p
)"));
  auto fern = s.assert_fact("plant", {{"name", sym("fern")}});
  ASSERT_TRUE(fern);
  EXPECT_TRUE(s.is_live(*fern));
  EXPECT_TRUE(s.retract(*fern));
  EXPECT_FALSE(s.is_live(*fern));
  EXPECT_FALSE(s.fact(*fern));
  EXPECT_FALSE(s.retract(*fern)) << "already gone";
  EXPECT_FALSE(s.retract(12345)) << "never existed";
  EXPECT_TRUE(run(s).empty()) << "its activation went with it";
}

TEST(session_test, retracted_then_reasserted_fact_gets_a_new_id) {
  session s(compile(R"(
relation plant: name
rule greet
  when
    plant name: ?p
  then
    emit hello ?p
)"));
  auto first = s.assert_fact("plant", {{"name", sym("fern")}});
  run(s);
  s.retract(*first);
  auto second = s.assert_fact("plant", {{"name", sym("fern")}});
  ASSERT_TRUE(second);
  EXPECT_NE(*first, *second);
  EXPECT_EQ(run(s), std::vector<std::string>{"greet"}) << "a new fact is a new match";
}

TEST(session_test, modify_replaces_the_fact_with_a_new_id) {
  session s(compile(R"(
relation plant: name, soil
rule water
  when
    plant name: ?p soil: dry
  then
    emit water ?p
)"));
  auto fern = s.assert_fact("plant", {{"name", sym("fern")}, {"soil", sym("dry")}});
  run(s);
  EXPECT_EQ(outputs_of(s, "water"), std::vector<std::string>{"fern"});

  auto wet = s.modify(*fern, {{"soil", sym("wet")}});
  ASSERT_TRUE(wet);
  EXPECT_NE(*wet, *fern);
  EXPECT_FALSE(s.is_live(*fern));
  EXPECT_EQ(s.fact(*wet)->to_string(), "plant name: fern soil: wet") << "unchanged slots are kept";
  EXPECT_TRUE(s.outputs().empty()) << "the output rested on the old fact";

  auto dry = s.modify(*wet, {{"soil", sym("dry")}});
  ASSERT_TRUE(dry);
  EXPECT_EQ(run(s), std::vector<std::string>{"water"});
  EXPECT_EQ(outputs_of(s, "water"), std::vector<std::string>{"fern"});
}

TEST(session_test, modify_reports_a_dead_fact_and_an_unknown_slot) {
  session s(compile(R"(
relation plant: name, soil
rule water
  when
    plant name: ?p soil: dry
  then
    emit water ?p
)"));
  auto fern = s.assert_fact("plant", {{"name", sym("fern")}, {"soil", sym("dry")}});

  auto bad_slot = s.modify(*fern, {{"soill", sym("wet")}});
  ASSERT_FALSE(bad_slot);
  EXPECT_EQ(bad_slot.errors()[0].code, "knowledge.unknown_slot");
  EXPECT_EQ(bad_slot.errors()[0].message, "relation 'plant' has no slot 'soill'");
  EXPECT_EQ(bad_slot.errors()[0].hint, "did you mean 'soil'?");
  EXPECT_TRUE(s.is_live(*fern)) << "a failed modify changes nothing";

  s.retract(*fern);
  auto dead = s.modify(*fern, {{"soil", sym("wet")}});
  ASSERT_FALSE(dead);
  EXPECT_EQ(dead.errors()[0].code, "engine.no_such_fact");
  EXPECT_EQ(dead.errors()[0].message, "fact " + std::to_string(*fern) + " is not in working memory");
}

TEST(session_test, find_looks_a_fact_up_by_its_values) {
  session s(compile(R"(
relation plant: name, soil
rule water
  when
    plant name: ?p soil: dry
  then
    emit water ?p
)"));
  auto fern = s.assert_fact("plant", {{"name", sym("fern")}, {"soil", sym("dry")}});
  EXPECT_EQ(s.find("plant", {{"name", sym("fern")}, {"soil", sym("dry")}}), *fern);
  EXPECT_FALSE(s.find("plant", {{"name", sym("fern")}})) << "soil: nil is another fact";
  EXPECT_FALSE(s.find("plant", {{"name", sym("cactus")}, {"soil", sym("dry")}}));
  EXPECT_FALSE(s.find("plant", {{"name", value::string("fern")}, {"soil", sym("dry")}}));
  EXPECT_FALSE(s.find("animal", {}));
  EXPECT_FALSE(s.find("plant", {{"colour", sym("green")}}));
}

TEST(session_test, facts_lists_live_facts_oldest_first) {
  session s(compile(R"(
relation plant: name
relation pot: size
rule water
  when
    plant name: ?p
    pot size: ?s
  then
    emit water ?p
)"));
  auto a = s.assert_fact("plant", {{"name", sym("fern")}});
  s.assert_fact("pot", {{"size", 3}});
  s.assert_fact("plant", {{"name", sym("ivy")}});
  s.retract(*a);
  std::vector<std::string> all;
  for (const auto& f : s.facts()) all.push_back(f.to_string());
  EXPECT_EQ(all, (std::vector<std::string>{"pot size: 3", "plant name: ivy"}));
  EXPECT_EQ(facts_of(s, "plant"), std::vector<std::string>{"plant name: ivy"});
  EXPECT_TRUE(s.facts("no-such-relation").empty());
}

// --- matching ---

constexpr const char* where_they_live = R"(
relation person: name, city
relation city: name, country
relation lives-in: person, country

rule where-they-live
  when
    person name: ?p city: ?c
    city name: ?c country: ?k
  then
    add lives-in person: ?p country: ?k
)";

TEST(session_test, join_on_a_shared_variable) {
  session s(compile(where_they_live));
  s.assert_fact("person", {{"name", sym("ana")}, {"city", sym("paris")}});
  s.assert_fact("person", {{"name", sym("bo")}, {"city", sym("rome")}});
  s.assert_fact("person", {{"name", sym("cy")}, {"city", sym("oslo")}});
  s.assert_fact("city", {{"name", sym("paris")}, {"country", sym("france")}});
  s.assert_fact("city", {{"name", sym("rome")}, {"country", sym("italy")}});
  s.assert_fact("city", {{"name", sym("lyon")}, {"country", sym("france")}});
  EXPECT_EQ(run(s).size(), 2u) << "only facts that agree on ?c join";
  EXPECT_EQ(sorted(facts_of(s, "lives-in")),
            (std::vector<std::string>{"lives-in person: ana country: france", "lives-in person: bo country: italy"}));

  // Incremental: a city asserted later joins the person already there.
  s.assert_fact("city", {{"name", sym("oslo")}, {"country", sym("norway")}});
  EXPECT_EQ(run(s), std::vector<std::string>{"where-they-live"});
  EXPECT_TRUE(s.find("lives-in", {{"person", sym("cy")}, {"country", sym("norway")}}));
}

TEST(session_test, join_does_not_depend_on_assertion_order) {
  auto base = compile(where_they_live);
  session people_first(base), cities_first(base);
  people_first.assert_fact("person", {{"name", sym("ana")}, {"city", sym("paris")}});
  people_first.assert_fact("city", {{"name", sym("paris")}, {"country", sym("france")}});
  cities_first.assert_fact("city", {{"name", sym("paris")}, {"country", sym("france")}});
  cities_first.assert_fact("person", {{"name", sym("ana")}, {"city", sym("paris")}});
  run(people_first);
  run(cities_first);
  EXPECT_EQ(facts_of(people_first, "lives-in"), facts_of(cities_first, "lives-in"));
  EXPECT_EQ(facts_of(people_first, "lives-in").size(), 1u);
}

TEST(session_test, a_variable_repeated_in_one_pattern_must_match_itself) {
  session s(compile(R"(
relation pair: a, b
rule twins
  when
    pair a: ?x b: ?x
  then
    emit twin ?x
)"));
  s.assert_fact("pair", {{"a", 1}, {"b", 1}});
  s.assert_fact("pair", {{"a", 1}, {"b", 2}});
  run(s);
  EXPECT_EQ(outputs_of(s, "twin"), std::vector<std::string>{"1"});
}

TEST(session_test, two_patterns_may_match_the_same_fact) {
  session s(compile(R"(
relation item: n
rule pairs
  when
    item n: ?a
    item n: ?b
  then
    add pair-of a: ?a b: ?b
relation pair-of: a, b
)"));
  s.assert_fact("item", {{"n", 1}});
  s.assert_fact("item", {{"n", 2}});
  run(s);
  EXPECT_EQ(s.facts("pair-of").size(), 4u) << "(1,1) (1,2) (2,1) (2,2), as in CLIPS";
}

constexpr const char* water_unless_warned = R"(
relation need: plant
relation warning: plant

rule water
  when
    need plant: ?p
    not warning plant: ?p
  then
    emit advice ?p
)";

TEST(session_test, negation_flips_when_the_fact_is_retracted_and_reasserted) {
  session s(compile(water_unless_warned));
  s.assert_fact("need", {{"plant", sym("fern")}});
  s.assert_fact("need", {{"plant", sym("cactus")}});
  run(s);
  EXPECT_EQ(sorted(outputs_of(s, "advice")), (std::vector<std::string>{"cactus", "fern"}));

  auto warning = s.assert_fact("warning", {{"plant", sym("fern")}});
  EXPECT_EQ(outputs_of(s, "advice"), std::vector<std::string>{"cactus"})
      << "the warning withdraws fern's advice at once, without a run";

  s.retract(*warning);
  EXPECT_EQ(run(s), std::vector<std::string>{"water"}) << "the `not` holds again: a new activation";
  EXPECT_EQ(sorted(outputs_of(s, "advice")), (std::vector<std::string>{"cactus", "fern"}));

  s.assert_fact("warning", {{"plant", sym("fern")}});
  EXPECT_EQ(outputs_of(s, "advice"), std::vector<std::string>{"cactus"});
  EXPECT_TRUE(run(s).empty());
}

TEST(session_test, negation_blocks_an_activation_before_it_fires) {
  session s(compile(water_unless_warned));
  s.assert_fact("need", {{"plant", sym("fern")}});
  s.assert_fact("warning", {{"plant", sym("fern")}});
  EXPECT_TRUE(run(s).empty());
  s.assert_fact("warning", {{"plant", sym("ivy")}});
  s.assert_fact("need", {{"plant", sym("cactus")}});
  EXPECT_EQ(run(s), std::vector<std::string>{"water"}) << "ivy's warning says nothing about cactus";
}

TEST(session_test, negation_stays_blocked_while_any_blocking_fact_is_left) {
  session s(compile(R"(
relation need: plant
relation warning: plant, why

rule water
  when
    need plant: ?p
    not warning plant: ?p
  then
    emit advice ?p
)"));
  s.assert_fact("need", {{"plant", sym("fern")}});
  auto w1 = s.assert_fact("warning", {{"plant", sym("fern")}, {"why", sym("wet")}});
  auto w2 = s.assert_fact("warning", {{"plant", sym("fern")}, {"why", sym("cold")}});
  s.retract(*w1);
  EXPECT_TRUE(run(s).empty());
  s.retract(*w2);
  EXPECT_EQ(run(s), std::vector<std::string>{"water"});
}

TEST(session_test, negation_on_a_joined_variable_holds_in_any_assertion_order) {
  auto base = compile(R"(
relation person: name, city
relation city: name, country
relation closed: country

rule can-travel
  when
    person name: ?p city: ?c
    not closed country: ?k
    city name: ?c country: ?k
  then
    emit travel ?p
)");
  enum step { person, city_fr, city_it, closed_fr };
  std::vector<step> order{person, city_fr, city_it, closed_fr};
  std::sort(order.begin(), order.end());
  do {
    session s(base);
    for (step st : order) {
      switch (st) {
        case person:
          s.assert_fact("person", {{"name", sym("ana")}, {"city", sym("paris")}});
          s.assert_fact("person", {{"name", sym("bo")}, {"city", sym("rome")}});
          break;
        case city_fr: s.assert_fact("city", {{"name", sym("paris")}, {"country", sym("france")}}); break;
        case city_it: s.assert_fact("city", {{"name", sym("rome")}, {"country", sym("italy")}}); break;
        case closed_fr: s.assert_fact("closed", {{"country", sym("france")}}); break;
      }
      run(s);  // run between steps, so some outputs come and then go
    }
    EXPECT_EQ(outputs_of(s, "travel"), std::vector<std::string>{"bo"})
        << "order " << order[0] << order[1] << order[2] << order[3];
  } while (std::next_permutation(order.begin(), order.end()));
}

TEST(session_test, a_rule_with_only_negations_fires_on_an_empty_memory) {
  session s(compile(R"(
relation alarm: level
rule calm
  when
    not alarm level: high
  then
    emit status calm
)"));
  EXPECT_EQ(run(s), std::vector<std::string>{"calm"});
  EXPECT_EQ(outputs_of(s, "status"), std::vector<std::string>{"calm"});

  s.assert_fact("alarm", {{"level", sym("low")}});
  EXPECT_EQ(outputs_of(s, "status"), std::vector<std::string>{"calm"}) << "a low alarm does not match";
  auto high = s.assert_fact("alarm", {{"level", sym("high")}});
  EXPECT_TRUE(s.outputs().empty());
  s.retract(*high);
  EXPECT_EQ(run(s), std::vector<std::string>{"calm"});
  EXPECT_EQ(outputs_of(s, "status"), std::vector<std::string>{"calm"});
}

TEST(session_test, a_rule_with_no_conditions_fires_once) {
  session s(compile(R"(
rule hello
  when
  then
    emit greeting hello
)"));
  EXPECT_EQ(run(s), std::vector<std::string>{"hello"});
  EXPECT_TRUE(run(s).empty());
  EXPECT_EQ(outputs_of(s, "greeting"), std::vector<std::string>{"hello"});
}

// --- tests ---

constexpr const char* comparisons = R"(
relation reading: v

rule eq
  when
    reading v: ?v
    ?v = 2
  then
    emit eq ?v

rule ne
  when
    reading v: ?v
    ?v != 2
  then
    emit ne ?v

rule lt
  when
    reading v: ?v
    ?v < 2
  then
    emit lt ?v

rule gt
  when
    reading v: ?v
    ?v > 2
  then
    emit gt ?v

rule le
  when
    reading v: ?v
    ?v <= 2
  then
    emit le ?v

rule ge
  when
    reading v: ?v
    ?v >= 2
  then
    emit ge ?v

rule in
  when
    reading v: ?v
    ?v in (1, 3, eyes)
  then
    emit in ?v

rule not-in
  when
    reading v: ?v
    ?v not in (1, 3, eyes)
  then
    emit not-in ?v
)";

TEST(session_test, tests_compare_with_every_operator) {
  session s(compile(comparisons));
  for (const value& v : {value(1), value(2), value(3), sym("eyes"), value::string("2")})
    ASSERT_TRUE(s.assert_fact("reading", {{"v", v}}));
  run(s);
  using list = std::vector<std::string>;
  EXPECT_EQ(sorted(outputs_of(s, "eq")), list{"2"}) << "the text \"2\" is not the number 2";
  EXPECT_EQ(sorted(outputs_of(s, "ne")), (list{"\"2\"", "1", "3", "eyes"}));
  EXPECT_EQ(sorted(outputs_of(s, "lt")), list{"1"}) << "only numbers have an order";
  EXPECT_EQ(sorted(outputs_of(s, "gt")), list{"3"});
  EXPECT_EQ(sorted(outputs_of(s, "le")), (list{"1", "2"}));
  EXPECT_EQ(sorted(outputs_of(s, "ge")), (list{"2", "3"}));
  EXPECT_EQ(sorted(outputs_of(s, "in")), (list{"1", "3", "eyes"}));
  EXPECT_EQ(sorted(outputs_of(s, "not-in")), (list{"\"2\"", "2"}));
}

TEST(session_test, tests_compare_two_variables) {
  session s(compile(R"(
relation pair: a, b
rule same
  when
    pair a: ?a b: ?b
    ?a = ?b
  then
    emit same ?a
rule differ
  when
    pair a: ?a b: ?b
    ?a != ?b
  then
    emit differ ?a
rule before
  when
    pair a: ?a b: ?b
    ?a < ?b
  then
    emit before ?a
)"));
  s.assert_fact("pair", {{"a", 1}, {"b", 1}});
  s.assert_fact("pair", {{"a", 2}, {"b", 5}});
  s.assert_fact("pair", {{"a", sym("x")}, {"b", sym("y")}});
  run(s);
  EXPECT_EQ(outputs_of(s, "same"), std::vector<std::string>{"1"});
  EXPECT_EQ(sorted(outputs_of(s, "differ")), (std::vector<std::string>{"2", "x"}));
  EXPECT_EQ(outputs_of(s, "before"), std::vector<std::string>{"2"});
}

TEST(session_test, tests_across_a_join) {
  session s(compile(R"(
relation reading: sensor, v
relation limit: sensor, max
rule too-high
  when
    reading sensor: ?s v: ?v
    limit sensor: ?s max: ?m
    ?v > ?m
  then
    emit alert ?s
)"));
  s.assert_fact("limit", {{"sensor", sym("a")}, {"max", 10}});
  s.assert_fact("limit", {{"sensor", sym("b")}, {"max", 10}});
  s.assert_fact("reading", {{"sensor", sym("a")}, {"v", 12.5}});
  s.assert_fact("reading", {{"sensor", sym("b")}, {"v", 9}});
  s.assert_fact("reading", {{"sensor", sym("c")}, {"v", 3}});  // its limit comes after it
  s.assert_fact("limit", {{"sensor", sym("c")}, {"max", 2}});
  run(s);
  EXPECT_EQ(sorted(outputs_of(s, "alert")), (std::vector<std::string>{"a", "c"}));
}

// --- agenda ---

TEST(session_test, higher_salience_fires_first) {
  session s(compile(R"(
relation go: x
rule low
  priority -5
  when
    go x: ?x
  then
    emit order low
rule mid
  when
    go x: ?x
  then
    emit order mid
rule high
  salience 10
  when
    go x: ?x
  then
    emit order high
)"));
  s.assert_fact("go", {{"x", 1}});
  EXPECT_EQ(run(s), (std::vector<std::string>{"high", "mid", "low"}));
  EXPECT_EQ(outputs_of(s, "order"), (std::vector<std::string>{"high", "mid", "low"}));
}

TEST(session_test, salience_beats_recency) {
  session s(compile(R"(
relation first: x
relation second: x
rule important
  priority 5
  when
    first x: ?x
  then
    emit seen important
rule recent
  when
    second x: ?x
  then
    emit seen recent
)"));
  s.assert_fact("first", {{"x", 1}});
  s.assert_fact("second", {{"x", 1}});
  EXPECT_EQ(run(s), (std::vector<std::string>{"important", "recent"}));
}

TEST(session_test, among_equal_salience_the_most_recent_activation_fires_first) {
  session s(compile(R"(
relation event: name
rule on-a
  when
    event name: a
  then
    emit seen a
rule on-b
  when
    event name: b
  then
    emit seen b
rule on-c
  when
    event name: c
  then
    emit seen c
)"));
  s.assert_fact("event", {{"name", sym("b")}});
  s.assert_fact("event", {{"name", sym("a")}});
  s.assert_fact("event", {{"name", sym("c")}});
  EXPECT_EQ(run(s), (std::vector<std::string>{"on-c", "on-a", "on-b"}));
}

TEST(session_test, recency_makes_the_agenda_depth_first) {
  session s(compile(R"(
relation start: x
relation kick: x
relation middle: x
rule sibling
  when
    start x: ?x
  then
    emit seen sibling
rule begin
  when
    kick x: ?x
  then
    add middle x: ?x
rule deeper
  when
    middle x: ?x
  then
    emit seen deeper
)"));
  s.assert_fact("start", {{"x", 1}});
  s.assert_fact("kick", {{"x", 1}});
  EXPECT_EQ(run(s), (std::vector<std::string>{"begin", "deeper", "sibling"}))
      << "what `begin` adds is newer than the older `sibling` activation";
}

TEST(session_test, refraction_fires_a_rule_once_per_set_of_facts) {
  session s(compile(R"(
relation plant: name
rule greet
  when
    plant name: ?p
  then
    emit hello ?p
)"));
  s.assert_fact("plant", {{"name", sym("fern")}});
  EXPECT_EQ(run(s), std::vector<std::string>{"greet"});
  EXPECT_TRUE(run(s).empty()) << "the same match never fires twice";
  s.assert_fact("plant", {{"name", sym("fern")}});
  EXPECT_TRUE(run(s).empty()) << "asserting it again changes nothing";
  s.assert_fact("plant", {{"name", sym("cactus")}});
  EXPECT_EQ(run(s), std::vector<std::string>{"greet"}) << "a new fact: a new match";
  EXPECT_EQ(outputs_of(s, "hello"), (std::vector<std::string>{"fern", "cactus"}));
}

TEST(session_test, refraction_in_a_join_counts_each_combination) {
  session s(compile(where_they_live));
  s.assert_fact("person", {{"name", sym("ana")}, {"city", sym("paris")}});
  s.assert_fact("city", {{"name", sym("paris")}, {"country", sym("france")}});
  EXPECT_EQ(run(s).size(), 1u);
  s.assert_fact("person", {{"name", sym("bo")}, {"city", sym("paris")}});
  EXPECT_EQ(run(s).size(), 1u) << "only (bo, paris) is new; (ana, paris) already fired";
  EXPECT_EQ(s.facts("lives-in").size(), 2u);
}

// --- firing limit ---

TEST(session_test, a_loop_stops_at_the_firing_limit_naming_its_rules) {
  session s(compile(R"(
relation light: state
fact light state: off

rule switch-on
  when
    light state: off as ?l
  then
    change ?l state: on

rule switch-off
  when
    light state: on as ?l
  then
    change ?l state: off
)",
                    "lights.rules"));
  auto report = s.run(100);
  ASSERT_FALSE(report);
  ASSERT_EQ(report.errors().size(), 1u);
  const auto& e = report.errors()[0];
  EXPECT_EQ(e.code, "engine.firing_limit");
  EXPECT_EQ(e.message,
            "stopped after 100 rule firings: rules still firing in a loop: "
            "'switch-off' (32 of the last 64), 'switch-on' (32 of the last 64)");
  EXPECT_EQ(e.hint, "a rule that adds or changes a fact it also matches can keep firing; add a condition that stops it");
  EXPECT_EQ(test::where(e), "lights.rules:11:6") << "points at the first rule named";
}

TEST(session_test, the_default_firing_limit_is_ten_thousand) {
  EXPECT_EQ(session::default_firing_limit, 10'000u);
  session s(compile(R"(
relation light: state
fact light state: off
rule switch-on
  when
    light state: off as ?l
  then
    change ?l state: on
rule switch-off
  when
    light state: on as ?l
  then
    change ?l state: off
)"));
  auto report = s.run();
  ASSERT_FALSE(report);
  EXPECT_EQ(report.errors()[0].message.substr(0, 34), "stopped after 10000 rule firings: ");
}

TEST(session_test, a_self_defeating_negation_loops_through_truth_maintenance) {
  // `add on` removes the reason for adding it; the fact goes, the rule matches again, and so on.
  session s(compile(R"(
relation on: x
rule flip
  when
    not on x: 1
  then
    add on x: 1
)"));
  auto report = s.run(50);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.errors()[0].code, "engine.firing_limit");
  EXPECT_EQ(report.errors()[0].message,
            "stopped after 50 rule firings: rules still firing in a loop: 'flip' (50 of the last 50)");
}

TEST(session_test, a_run_cut_short_by_the_limit_can_be_resumed) {
  session s(compile(R"(
relation plant: name
rule greet
  when
    plant name: ?p
  then
    emit hello ?p
)"));
  for (const char* p : {"fern", "ivy", "moss"}) s.assert_fact("plant", {{"name", sym(p)}});
  auto cut = s.run(2);
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.errors()[0].code, "engine.firing_limit");
  EXPECT_EQ(s.outputs().size(), 2u);
  EXPECT_EQ(run(s), std::vector<std::string>{"greet"}) << "the third activation was kept";
  EXPECT_EQ(sorted(outputs_of(s, "hello")), (std::vector<std::string>{"fern", "ivy", "moss"}));
}

TEST(session_test, a_run_that_needs_exactly_the_limit_succeeds) {
  session s(compile(R"(
relation plant: name
rule greet
  when
    plant name: ?p
  then
    emit hello ?p
)"));
  for (const char* p : {"fern", "ivy", "moss"}) s.assert_fact("plant", {{"name", sym(p)}});
  auto report = s.run(3);
  ASSERT_TRUE(report) << to_string(report.errors());
  EXPECT_EQ(report->fired, 3u);
  EXPECT_EQ(report->rules_fired.size(), 3u);
}

TEST(session_test, a_zero_firing_limit_still_names_the_waiting_rule) {
  session s(compile(R"(
relation plant: name
rule greet
  when
    plant name: ?p
  then
    emit hello ?p
)"));
  s.assert_fact("plant", {{"name", sym("fern")}});
  auto report = s.run(0);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.errors()[0].message,
            "stopped after 0 rule firings: rules still firing in a loop: 'greet' (next to fire)");
  EXPECT_EQ(test::where(report.errors()[0]), "test.rules:3:6");
}

// --- actions and truth maintenance ---

constexpr const char* chain = R"(
relation a: x
relation b: x
relation c: x
relation d: x

rule a-to-b
  when
    a x: ?v
  then
    add b x: ?v

rule b-to-c
  when
    b x: ?v
  then
    add c x: ?v

rule c-to-d
  when
    c x: ?v
  then
    add d x: ?v
    emit reached ?v
)";

TEST(session_test, truth_maintenance_cascades_three_rules_deep) {
  session s(compile(chain));
  auto base_fact = s.assert_fact("a", {{"x", 1}});
  EXPECT_EQ(run(s), (std::vector<std::string>{"a-to-b", "b-to-c", "c-to-d"}));
  EXPECT_EQ(s.facts().size(), 5u) << "a, b, c, d and the output";
  EXPECT_FALSE(s.fact(*s.find("b", {{"x", 1}}))->stated) << "b rests on a rule, it was not stated";

  s.retract(*base_fact);
  EXPECT_TRUE(s.facts().empty()) << "b, c, d and the output all rested on a";
  EXPECT_TRUE(s.outputs().empty());
  EXPECT_TRUE(run(s).empty());
}

TEST(session_test, truth_maintenance_keeps_a_fact_while_any_support_is_left) {
  session s(compile(R"(
relation wet: plant
relation rain: day
relation hose: on
relation soaked: plant

rule rained
  when
    wet plant: ?p
    rain day: ?d
  then
    add soaked plant: ?p

rule hosed
  when
    wet plant: ?p
    hose on: yes
  then
    add soaked plant: ?p
)"));
  s.assert_fact("wet", {{"plant", sym("fern")}});
  auto rain = s.assert_fact("rain", {{"day", sym("monday")}});
  auto hose = s.assert_fact("hose", {{"on", sym("yes")}});
  run(s);
  auto soaked = s.find("soaked", {{"plant", sym("fern")}});
  ASSERT_TRUE(soaked);
  s.retract(*rain);
  EXPECT_TRUE(s.is_live(*soaked)) << "the hose still supports it";
  s.retract(*hose);
  EXPECT_FALSE(s.is_live(*soaked));
}

TEST(session_test, remember_is_unconditional) {
  session s(compile(R"(
relation visit: who
relation seen: who
rule note-visit
  when
    visit who: ?w
  then
    remember seen who: ?w
)"));
  auto visit = s.assert_fact("visit", {{"who", sym("ana")}});
  run(s);
  auto seen = s.find("seen", {{"who", sym("ana")}});
  ASSERT_TRUE(seen);
  EXPECT_TRUE(s.fact(*seen)->stated);
  s.retract(*visit);
  EXPECT_TRUE(s.is_live(*seen)) << "remembered facts outlive what made the rule fire";
}

TEST(session_test, a_stated_fact_does_not_go_when_its_rule_support_goes) {
  session s(compile(chain));
  auto a = s.assert_fact("a", {{"x", 1}});
  run(s);
  auto b = s.assert_fact("b", {{"x", 1}});
  EXPECT_EQ(*b, *s.find("b", {{"x", 1}})) << "the derived fact, now also stated";
  s.retract(*a);
  EXPECT_TRUE(s.is_live(*b));
  EXPECT_EQ(outputs_of(s, "reached"), std::vector<std::string>{"1"}) << "c and d still rest on b";
}

TEST(session_test, remove_retracts_the_named_fact) {
  session s(compile(R"(
relation request: what
relation done: what
rule handle
  when
    request what: ?w as ?r
  then
    remember done what: ?w
    remove ?r
)"));
  auto request = s.assert_fact("request", {{"what", sym("water")}});
  EXPECT_EQ(run(s), std::vector<std::string>{"handle"});
  EXPECT_FALSE(s.is_live(*request));
  EXPECT_EQ(facts_of(s, "done"), std::vector<std::string>{"done what: water"});
}

TEST(session_test, add_after_removing_the_match_own_fact_adds_nothing) {
  // `add` is logical: once `remove ?r` took the match's own fact away, nothing supports the new
  // fact, so it is not added (use `remember` for a fact that must outlive its reason).
  session s(compile(R"(
relation request: what
relation done: what
rule handle
  when
    request what: ?w as ?r
  then
    remove ?r
    add done what: ?w
)"));
  s.assert_fact("request", {{"what", sym("water")}});
  run(s);
  EXPECT_TRUE(s.facts().empty());
}

TEST(session_test, change_replaces_slots_of_the_named_fact) {
  session s(compile(R"(
relation plant: name, soil
relation rain: day
rule soak
  when
    rain day: ?d
    plant name: ?p soil: dry as ?plant
  then
    change ?plant soil: wet
)"));
  auto rain = s.assert_fact("rain", {{"day", sym("monday")}});
  s.assert_fact("plant", {{"name", sym("fern")}, {"soil", sym("dry")}});
  EXPECT_EQ(run(s), std::vector<std::string>{"soak"});
  EXPECT_EQ(facts_of(s, "plant"), std::vector<std::string>{"plant name: fern soil: wet"});
  s.retract(*rain);
  EXPECT_EQ(facts_of(s, "plant"), std::vector<std::string>{"plant name: fern soil: wet"})
      << "a changed fact is stated, as in CLIPS";
}

TEST(session_test, emit_outputs_in_order_and_withdraws_them_with_their_support) {
  session s(compile(R"(
relation plant: name, soil
rule dry
  when
    plant name: ?p soil: dry
  then
    emit subject watering
    emit plant ?p
rule wet
  when
    plant name: ?p soil: wet
  then
    emit subject drainage
)"));
  auto fern = s.assert_fact("plant", {{"name", sym("fern")}, {"soil", sym("dry")}});
  s.assert_fact("plant", {{"name", sym("ivy")}, {"soil", sym("wet")}});
  run(s);
  std::vector<std::string> all;
  for (const auto& o : s.outputs()) all.push_back(o.name + "=" + o.val.to_string());
  EXPECT_EQ(all, (std::vector<std::string>{"subject=drainage", "subject=watering", "plant=fern"}))
      << "ivy's activation is the most recent, so it fired first";
  EXPECT_EQ(outputs_of(s, "subject"), (std::vector<std::string>{"drainage", "watering"}));
  EXPECT_TRUE(s.outputs("nothing").empty());

  s.retract(*fern);
  EXPECT_EQ(outputs_of(s, "subject"), std::vector<std::string>{"drainage"});
  EXPECT_TRUE(outputs_of(s, "plant").empty());
}

TEST(session_test, an_output_emitted_twice_is_one_output_with_two_supports) {
  session s(compile(R"(
relation plant: name
relation pest: name
rule from-plant
  when
    plant name: ?p
  then
    emit subject care
rule from-pest
  when
    pest name: ?p
  then
    emit subject care
)"));
  auto plant = s.assert_fact("plant", {{"name", sym("fern")}});
  s.assert_fact("pest", {{"name", sym("aphid")}});
  run(s);
  EXPECT_EQ(outputs_of(s, "subject"), std::vector<std::string>{"care"});
  s.retract(*plant);
  EXPECT_EQ(outputs_of(s, "subject"), std::vector<std::string>{"care"}) << "the pest still supports it";
}

TEST(session_test, a_rule_with_many_patterns_tells_its_matches_apart) {
  // 65 patterns: more than any fixed-size buffer of 64 would hold.
  std::string text = "relation item: n\nrelation tail: n\nrule big\n  when\n";
  for (int i = 1; i <= 64; ++i) text += "    item n: " + std::to_string(i) + "\n";
  text += "    tail n: ?t\n  then\n    emit tail ?t\n";
  session s(compile(text));
  for (int i = 1; i <= 64; ++i) s.assert_fact("item", {{"n", i}});
  s.assert_fact("tail", {{"n", sym("a")}});
  s.assert_fact("tail", {{"n", sym("b")}});
  EXPECT_EQ(run(s).size(), 2u) << "two tails, two matches";
  EXPECT_EQ(sorted(outputs_of(s, "tail")), (std::vector<std::string>{"a", "b"}));
}

// --- why ---

TEST(session_test, why_follows_the_chain_down_to_stated_facts) {
  session s(compile(chain));
  s.assert_fact("a", {{"x", 1}});
  run(s);
  auto d = s.find("d", {{"x", 1}});
  ASSERT_TRUE(d);
  auto why = s.why(*d);
  ASSERT_TRUE(why);
  EXPECT_EQ(why->fact.to_string(), "d x: 1");
  ASSERT_EQ(why->because.size(), 1u);
  EXPECT_EQ(why->because[0].rule, "c-to-d");
  ASSERT_EQ(why->because[0].matched.size(), 1u);
  const auto& c = why->because[0].matched[0];
  EXPECT_EQ(c.fact.to_string(), "c x: 1");
  ASSERT_EQ(c.because.size(), 1u);
  EXPECT_EQ(c.because[0].rule, "b-to-c");
  const auto& b = c.because[0].matched.at(0);
  EXPECT_EQ(b.because.at(0).rule, "a-to-b");
  const auto& a = b.because[0].matched.at(0);
  EXPECT_EQ(a.fact.to_string(), "a x: 1");
  EXPECT_TRUE(a.fact.stated);
  EXPECT_TRUE(a.because.empty());

  EXPECT_EQ(why->to_string(),
            "d x: 1\n"
            "  because rule 'c-to-d' matched:\n"
            "    c x: 1\n"
            "      because rule 'b-to-c' matched:\n"
            "        b x: 1\n"
            "          because rule 'a-to-b' matched:\n"
            "            a x: 1  (given)\n");
}

TEST(session_test, why_explains_an_output_with_every_fact_its_rule_matched) {
  session s(compile(R"(
relation person: name, city
relation city: name, country
rule greet-locals
  when
    person name: ?p city: ?c
    city name: ?c country: france
  then
    emit greet ?p
)"));
  s.assert_fact("person", {{"name", sym("ana")}, {"city", sym("paris")}});
  s.assert_fact("city", {{"name", sym("paris")}, {"country", sym("france")}});
  run(s);
  auto out = s.outputs("greet");
  ASSERT_EQ(out.size(), 1u);
  auto why = s.why(out[0].id);
  ASSERT_TRUE(why);
  EXPECT_EQ(why->to_string(),
            "output name: greet value: ana\n"
            "  because rule 'greet-locals' matched:\n"
            "    person name: ana city: paris  (given)\n"
            "    city name: paris country: france  (given)\n");
}

TEST(session_test, why_lists_every_rule_that_supports_a_fact) {
  session s(compile(R"(
relation plant: name
relation pest: name
rule from-plant
  when
    plant name: ?p
  then
    emit subject care
rule from-pest
  when
    pest name: ?p
  then
    emit subject care
)"));
  s.assert_fact("plant", {{"name", sym("fern")}});
  s.assert_fact("pest", {{"name", sym("aphid")}});
  run(s);
  auto why = s.why(s.outputs("subject").at(0).id);
  ASSERT_TRUE(why);
  ASSERT_EQ(why->because.size(), 2u);
  EXPECT_EQ(why->because[0].rule, "from-pest") << "oldest support first: pest's activation fired first";
  EXPECT_EQ(why->because[1].rule, "from-plant");
}

TEST(session_test, why_of_a_rule_with_only_negations_matched_nothing) {
  session s(compile(R"(
relation alarm: level
rule calm
  when
    not alarm level: high
  then
    emit status calm
)"));
  run(s);
  auto why = s.why(s.outputs().at(0).id);
  ASSERT_TRUE(why);
  EXPECT_EQ(why->to_string(),
            "output name: status value: calm\n"
            "  because rule 'calm' matched:\n");
}

TEST(session_test, why_of_a_stated_fact_is_that_it_was_given) {
  session s(compile(chain));
  auto a = s.assert_fact("a", {{"x", 1}});
  auto why = s.why(*a);
  ASSERT_TRUE(why);
  EXPECT_TRUE(why->because.empty());
  EXPECT_EQ(why->to_string(), "a x: 1  (given)\n");
  s.retract(*a);
  EXPECT_FALSE(s.why(*a)) << "nothing to explain about a fact that is gone";
}

TEST(session_test, a_long_chain_is_explained_and_withdrawn) {
  // 3000 derivations in a row, each resting on the one before: why() and the cascade on
  // retraction must cope with chains as long as the firing limit allows.
  session s(compile(R"(
relation step: n
relation next: from, to
rule walk
  when
    step n: ?a
    next from: ?a to: ?b
  then
    add step n: ?b
)"));
  constexpr int length = 3000;
  for (int i = 0; i < length; ++i) s.assert_fact("next", {{"from", i}, {"to", i + 1}});
  auto start = s.assert_fact("step", {{"n", 0}});
  EXPECT_EQ(run(s).size(), static_cast<std::size_t>(length));
  auto last = s.find("step", {{"n", length}});
  ASSERT_TRUE(last);
  auto why = s.why(*last);
  ASSERT_TRUE(why);
  int depth = 0;
  for (const explanation* e = &*why; !e->because.empty(); e = &e->because[0].matched.at(0)) ++depth;
  EXPECT_EQ(depth, length);
  EXPECT_FALSE(why->to_string().empty());

  s.retract(*start);
  EXPECT_TRUE(s.facts("step").empty()) << "the whole chain rested on step 0";
}

// --- reset, prepared facts, moves ---

TEST(session_test, reset_returns_to_the_initial_facts) {
  session s(compile(R"(
relation weather: season
relation plant: name
fact weather season: summer
rule water
  when
    weather season: summer
    plant name: ?p
  then
    emit water ?p
)"));
  s.assert_fact("plant", {{"name", sym("fern")}});
  s.assert_fact("plant", {{"name", sym("a-name-the-knowledge-never-mentions")}});
  run(s);
  EXPECT_EQ(s.outputs().size(), 2u);

  s.reset();
  std::vector<std::string> all;
  for (const auto& f : s.facts()) all.push_back(f.to_string());
  EXPECT_EQ(all, std::vector<std::string>{"weather season: summer"});
  EXPECT_TRUE(s.outputs().empty());
  EXPECT_FALSE(s.find("plant", {{"name", sym("a-name-the-knowledge-never-mentions")}}));

  s.assert_fact("plant", {{"name", sym("fern")}});
  EXPECT_EQ(run(s), std::vector<std::string>{"water"}) << "refraction starts over too";
  EXPECT_EQ(outputs_of(s, "water"), std::vector<std::string>{"fern"});
}

TEST(session_test, reset_behaves_like_a_new_session) {
  auto base = compile(chain);
  session used(base);
  for (int round = 0; round < 3; ++round) {
    used.assert_fact("a", {{"x", round}});
    run(used);
    used.reset();
  }
  session fresh(base);
  used.assert_fact("a", {{"x", 7}});
  fresh.assert_fact("a", {{"x", 7}});
  EXPECT_EQ(run(used), run(fresh));
  std::vector<std::string> u, f;
  for (const auto& x : used.facts()) u.push_back(std::to_string(x.id) + " " + x.to_string());
  for (const auto& x : fresh.facts()) f.push_back(std::to_string(x.id) + " " + x.to_string());
  EXPECT_EQ(u, f) << "even the ids start over";
}

TEST(session_test, prepared_fact_asserts_like_assert_fact) {
  auto base = compile(R"(
relation plant: name, soil
rule water
  when
    plant name: ?p soil: dry
  then
    emit water ?p
)");
  auto fern = prepared_fact::make(*base, "plant", {{"name", sym("fern")}, {"soil", sym("dry")}});
  auto unknown = prepared_fact::make(*base, "plant", {{"name", sym("zamioculcas")}, {"soil", sym("dry")}});
  ASSERT_TRUE(fern);
  ASSERT_TRUE(unknown) << "values the knowledge never mentions are fine";

  session s(base);
  fact_id id = s.assert_fact(*fern);
  EXPECT_EQ(s.assert_fact(*fern), id) << "asserting it again is a no-op";
  EXPECT_EQ(*s.assert_fact("plant", {{"name", sym("fern")}, {"soil", sym("dry")}}), id);
  fact_id z = s.assert_fact(*unknown);
  EXPECT_EQ(s.fact(z)->to_string(), "plant name: zamioculcas soil: dry");
  run(s);
  EXPECT_EQ(sorted(outputs_of(s, "water")), (std::vector<std::string>{"fern", "zamioculcas"}));

  // One prepared fact serves any number of sessions of its rule base, and survives reset.
  session other(base);
  other.assert_fact(*unknown);
  other.reset();
  other.assert_fact(*unknown);
  run(other);
  EXPECT_EQ(outputs_of(other, "water"), std::vector<std::string>{"zamioculcas"});
}

TEST(session_test, prepared_fact_reports_unknown_names_like_assert_fact) {
  auto base = compile(R"(
relation plant: name, soil
rule water
  when
    plant name: ?p soil: dry
  then
    emit water ?p
)");
  auto bad_relation = prepared_fact::make(*base, "plnat", {});
  ASSERT_FALSE(bad_relation);
  EXPECT_EQ(bad_relation.errors()[0].code, "knowledge.unknown_relation");
  EXPECT_EQ(bad_relation.errors()[0].message, "unknown relation 'plnat'");
  EXPECT_EQ(bad_relation.errors()[0].hint, "did you mean 'plant'?");

  auto bad_slot = prepared_fact::make(*base, "plant", {{"soul", sym("dry")}});
  ASSERT_FALSE(bad_slot);
  EXPECT_EQ(bad_slot.errors()[0].code, "knowledge.unknown_slot");
  EXPECT_EQ(bad_slot.errors()[0].message, "relation 'plant' has no slot 'soul'");
  EXPECT_EQ(bad_slot.errors()[0].hint, "did you mean 'soil'?");

  auto output = prepared_fact::make(*base, "output", {{"name", sym("water")}, {"value", sym("x")}});
  ASSERT_FALSE(output) << "what assert_fact refuses, prepared_fact refuses too";
  EXPECT_EQ(output.errors()[0].code, "engine.output_fact");
}

TEST(session_test, modify_refuses_to_change_an_output) {
  session s(compile(R"(
relation plant: name
rule greet
  when
    plant name: ?p
  then
    emit hello ?p
)"));
  s.assert_fact("plant", {{"name", sym("fern")}});
  run(s);
  auto hello = s.outputs("hello").at(0).id;
  auto changed = s.modify(hello, {{"value", sym("ivy")}});
  ASSERT_FALSE(changed);
  EXPECT_EQ(changed.errors()[0].code, "engine.output_fact");
  EXPECT_EQ(outputs_of(s, "hello"), std::vector<std::string>{"fern"});
}

TEST(session_test, prepared_fact_belongs_to_its_rule_base) {
  auto base = compile(R"(
relation plant: name
rule greet
  when
    plant name: ?p
  then
    emit hello ?p
)");
  auto other = compile(R"(
relation pest: name, kind, count
rule spray
  when
    pest name: ?p
  then
    emit spray ?p
)");
  auto fern = prepared_fact::make(*base, "plant", {{"name", sym("fern")}});
  ASSERT_TRUE(fern);
  session s(other);
  EXPECT_THROW(s.assert_fact(*fern), std::invalid_argument)
      << "a broken precondition, not bad input: the ids inside mean nothing to another rule base";
  EXPECT_TRUE(s.facts().empty());
}

TEST(session_test, a_session_can_be_moved) {
  session a(compile(chain));
  a.assert_fact("a", {{"x", 1}});
  session b(std::move(a));
  EXPECT_EQ(run(b).size(), 3u);
  session c(compile(water_unless_warned));
  c = std::move(b);
  EXPECT_EQ(outputs_of(c, "reached"), std::vector<std::string>{"1"});
  EXPECT_EQ(c.base().rule_count(), 3u);
}

// --- threads ---

// One conversation's worth of work: the same script always gives the same transcript.
std::vector<std::string> converse(const std::shared_ptr<const rule_base>& base, int rounds) {
  std::vector<std::string> transcript;
  session s(base);
  for (int round = 0; round < rounds; ++round) {
    auto fern = s.assert_fact("need", {{"plant", sym("fern")}});
    s.assert_fact("need", {{"plant", sym("plant-" + std::to_string(round % 7))}});
    auto warn = s.assert_fact("warning", {{"plant", sym("fern")}});
    for (const auto& r : run(s)) transcript.push_back(r);
    s.retract(*warn);
    for (const auto& r : run(s)) transcript.push_back(r);
    for (const auto& o : s.outputs()) transcript.push_back(o.name + "=" + o.val.to_string());
    s.retract(*fern);
    if (round % 5 == 4) s.reset();
  }
  return transcript;
}

TEST(session_test, sessions_on_several_threads_share_one_rule_base) {
  auto base = compile(water_unless_warned);
  const auto expected = converse(base, 50);
  ASSERT_FALSE(expected.empty());

  constexpr int thread_count = 8;
  std::vector<std::vector<std::string>> got(thread_count);
  std::vector<std::thread> threads;
  for (int t = 0; t < thread_count; ++t)
    threads.emplace_back([&base, &got, t] { got[static_cast<std::size_t>(t)] = converse(base, 50); });
  for (auto& t : threads) t.join();
  for (int t = 0; t < thread_count; ++t) EXPECT_EQ(got[static_cast<std::size_t>(t)], expected) << "thread " << t;
}

}  // namespace
}  // namespace advisor::engine
