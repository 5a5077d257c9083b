// Tests for advisor/loader/knowledge_dir.hpp: reading a knowledge folder from disk, its errors, and
// the plants knowledge (tests/engine/data/plants/), which has nothing to do with skin care and so
// shows the engine knows no domain of its own.

#include "advisor/loader/knowledge_dir.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "advisor/engine/session.hpp"
#include "engine_test_support.hpp"

namespace advisor::loader {
namespace {

namespace fs = std::filesystem;
using engine::session;
using engine::test::facts_of;
using engine::test::outputs_of;
using engine::test::run;
using engine::test::sym;

const fs::path plants_dir = fs::path(ADVISOR_TEST_DATA) / "engine" / "data" / "plants";

// --- the plants knowledge ---

std::shared_ptr<const engine::rule_base> load_plants() {
  auto base = load_knowledge_dir(plants_dir);
  if (!base) throw std::runtime_error(engine::to_string(base.errors()));
  return *base;
}

TEST(plants_test, loads_through_the_loader_without_warnings) {
  auto base = load_knowledge_dir(plants_dir);
  ASSERT_TRUE(base) << engine::to_string(base.errors());
  EXPECT_EQ((*base)->rule_names(),
            (std::vector<std::string>{"thirsty-succulent", "never-water-wet-soil", "water-if-needed"}));
  EXPECT_TRUE((*base)->warnings().empty()) << engine::to_string((*base)->warnings());
}

TEST(plants_test, a_dry_succulent_in_summer_needs_weekly_water) {
  session s(load_plants());
  s.assert_fact("plant", {{"name", sym("aloe")}, {"kind", sym("succulent")}, {"soil", sym("dry")}});
  EXPECT_EQ(run(s), (std::vector<std::string>{"thirsty-succulent", "water-if-needed"}));
  EXPECT_EQ(facts_of(s, "needs"), std::vector<std::string>{"needs name: aloe what: water"});
  EXPECT_EQ(outputs_of(s, "advice"), std::vector<std::string>{"water-weekly"});

  auto why = s.why(s.outputs("advice").at(0).id);
  ASSERT_TRUE(why);
  EXPECT_EQ(why->to_string(),
            "output name: advice value: water-weekly\n"
            "  because rule 'water-if-needed' matched:\n"
            "    needs name: aloe what: water\n"
            "      because rule 'thirsty-succulent' matched:\n"
            "        plant name: aloe kind: succulent soil: dry  (given)\n"
            "        weather season: summer  (given)\n");
}

TEST(plants_test, wet_soil_warns_first_and_the_warning_blocks_watering) {
  session s(load_plants());
  // The same aloe reported both dry and wet: the priority-10 warning fires first and its `not`
  // keeps water-if-needed from ever firing.
  s.assert_fact("plant", {{"name", sym("aloe")}, {"kind", sym("succulent")}, {"soil", sym("dry")}});
  s.assert_fact("plant", {{"name", sym("aloe")}, {"kind", sym("succulent")}, {"soil", sym("wet")}});
  EXPECT_EQ(run(s), (std::vector<std::string>{"never-water-wet-soil", "thirsty-succulent"}));
  EXPECT_EQ(outputs_of(s, "advice"), std::vector<std::string>{"overwatering"});
}

TEST(plants_test, the_season_changing_withdraws_the_advice) {
  session s(load_plants());
  s.assert_fact("plant", {{"name", sym("aloe")}, {"kind", sym("succulent")}, {"soil", sym("dry")}});
  run(s);
  auto summer = s.find("weather", {{"season", sym("summer")}});
  ASSERT_TRUE(summer) << "the knowledge's initial fact";
  ASSERT_TRUE(s.modify(*summer, {{"season", sym("winter")}}));
  EXPECT_TRUE(s.facts("needs").empty());
  EXPECT_TRUE(s.outputs().empty());
  EXPECT_TRUE(run(s).empty());
}

TEST(plants_test, plants_that_are_not_succulents_get_no_advice) {
  session s(load_plants());
  s.assert_fact("plant", {{"name", sym("fern")}, {"kind", sym("fern")}, {"soil", sym("dry")}});
  EXPECT_TRUE(run(s).empty());
  EXPECT_TRUE(s.outputs().empty());
}

// --- the loader ---

// Each test gets its own empty folder, removed afterwards.
class loader_test : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("advisor-loader-test-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  fs::path write(const fs::path& relative, std::string_view text) {
    fs::path path = dir_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  fs::path dir_;
};

constexpr std::string_view schema = "relation plant: name\n";
constexpr std::string_view greet = "rule greet\n  when\n    plant name: ?p\n  then\n    emit hello ?p\n";

TEST_F(loader_test, knowledge_files_are_every_rules_file_sorted_except_under_tests) {
  write("b.rules", schema);
  write("a.rules", greet);
  write("more/c.rules", "");
  write("tests/conversation.rules", "not knowledge");
  write("more/tests/deep.rules", "not knowledge either");
  write("notes.txt", "not a .rules file");
  write("a.rules.bak", "nor this");
  EXPECT_EQ(knowledge_files(dir_),
            (std::vector<fs::path>{dir_ / "a.rules", dir_ / "b.rules", dir_ / "more" / "c.rules"}));
}

TEST_F(loader_test, reads_and_compiles_every_file_together) {
  write("schema/plants.rules", schema);
  write("rules/greet.rules", greet);
  auto sources = read_knowledge_dir(dir_);
  ASSERT_TRUE(sources) << engine::to_string(sources.errors());
  ASSERT_EQ(sources->size(), 2u);
  EXPECT_EQ((*sources)[0].name, (dir_ / "rules" / "greet.rules").string());
  EXPECT_EQ((*sources)[0].text, greet);
  EXPECT_EQ((*sources)[1].name, (dir_ / "schema" / "plants.rules").string());

  auto base = load_knowledge_dir(dir_);
  ASSERT_TRUE(base) << engine::to_string(base.errors());
  session s(*base);
  s.assert_fact("plant", {{"name", sym("fern")}});
  EXPECT_EQ(run(s), std::vector<std::string>{"greet"});
}

TEST_F(loader_test, compile_errors_name_the_file_they_are_in) {
  write("schema.rules", schema);
  auto bad = write("greet.rules", "rule greet\n  when\n    plnt name: ?p\n  then\n    emit hello x\n");
  auto base = load_knowledge_dir(dir_);
  ASSERT_FALSE(base);
  ASSERT_FALSE(base.errors().empty());
  const auto& e = base.errors()[0];  // sorted by file: greet.rules before schema.rules
  EXPECT_EQ(e.level, engine::severity::error);
  EXPECT_EQ(e.code, "knowledge.unknown_relation");
  EXPECT_EQ(e.file, bad.string());
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.column, 5);
  EXPECT_EQ(e.hint, "did you mean 'plant'?");
}

TEST_F(loader_test, a_missing_folder) {
  auto missing = dir_ / "nowhere";
  auto base = load_knowledge_dir(missing);
  ASSERT_FALSE(base);
  ASSERT_EQ(base.errors().size(), 1u);
  const auto& e = base.errors()[0];
  EXPECT_EQ(e.code, "loader.not_a_directory");
  EXPECT_EQ(e.message, "knowledge folder not found");
  EXPECT_EQ(e.file, missing.string());
  EXPECT_EQ(e.hint, "pass the folder that holds the .rules files with --knowledge");
  EXPECT_EQ(e.to_string(), missing.string() +
                               ": error: knowledge folder not found [loader.not_a_directory]\n"
                               "  hint: pass the folder that holds the .rules files with --knowledge\n");
}

TEST_F(loader_test, a_file_is_not_a_folder) {
  auto file = write("plants.rules", schema);
  auto base = load_knowledge_dir(file);
  ASSERT_FALSE(base);
  EXPECT_EQ(base.errors()[0].code, "loader.not_a_directory");
}

TEST_F(loader_test, a_folder_with_no_rules_files) {
  write("README.md", "# knowledge\n");
  write("tests/conversation.rules", "only tests");
  auto base = load_knowledge_dir(dir_);
  ASSERT_FALSE(base);
  ASSERT_EQ(base.errors().size(), 1u);
  const auto& e = base.errors()[0];
  EXPECT_EQ(e.code, "loader.empty");
  EXPECT_EQ(e.message, "no .rules files in the knowledge folder");
  EXPECT_EQ(e.file, dir_.string());
}

TEST_F(loader_test, every_file_over_the_size_limit_is_reported) {
  write("a.rules", std::string(100, '#'));
  write("b.rules", "# small\n");
  write("c.rules", std::string(64, '#'));
  auto base = load_knowledge_dir(dir_, 50);
  ASSERT_FALSE(base);
  ASSERT_EQ(base.errors().size(), 2u);
  const auto& e = base.errors()[0];
  EXPECT_EQ(e.code, "loader.too_large");
  EXPECT_EQ(e.message, "file is 100 bytes, over the limit of 50");
  EXPECT_EQ(e.file, (dir_ / "a.rules").string());
  EXPECT_EQ(e.hint, "knowledge files are plain text; split it or check it is the right file");
  EXPECT_EQ(base.errors()[1].message, "file is 64 bytes, over the limit of 50");
  EXPECT_EQ(base.errors()[1].file, (dir_ / "c.rules").string());
}

TEST_F(loader_test, a_file_exactly_at_the_limit_is_fine) {
  write("a.rules", schema);
  EXPECT_TRUE(load_knowledge_dir(dir_, schema.size()));
}

TEST_F(loader_test, an_unreadable_file) {
  auto path = write("secret.rules", schema);
  fs::permissions(path, fs::perms::none);
  if (std::ifstream(path).good()) GTEST_SKIP() << "running with permission to read anything (root)";
  auto base = load_knowledge_dir(dir_);
  ASSERT_FALSE(base);
  EXPECT_EQ(base.errors()[0].code, "loader.unreadable");
  EXPECT_EQ(base.errors()[0].file, path.string());
}

}  // namespace
}  // namespace advisor::loader
