// The `advisor` binary: the composition root that wires the engine to the command line (and, in
// `serve`, to the transport).

#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "commands.hpp"

namespace {

constexpr const char* usage = R"(usage: advisor COMMAND [options]

commands:
  ask TEXT   answer one question as a visitor would see it
               --explain   add the facts understood and the rule chain behind each topic
               --json      print the answer object
               --context JSON   the previous answer's context, for a follow-up
  chat       talk in the terminal (/reset starts over, /quit ends)
               --json      read {"session": "ID", "text": "..."} lines, write one answer object per line
  test       run the conversation tests in the knowledge's tests/ folder (--tests DIR for others)
  serve      the chat server: the page, the widget and the /chat WebSocket on one port
               --host ADDR --port N --web-root DIR --allowed-origins A,B --threads N ...
               (advisor serve --help lists every option and its environment variable)
  report     what visitors asked, from the conversation log advisor serve writes
               --db PATH|URL   the log (default advisor.db)   --days N   --json
               --as-tests [FILE]   the unanswered questions as conversation tests to fill in
  check   validate the knowledge: errors with file:line:column, then warnings
  run     assert facts, run the rules, print facts and outputs
            --fact "relation slot: value ..."   (repeatable)
            --explain                            show why each output holds
            --limit N                            firing limit (default 10000)

every command takes --knowledge DIR (default: the bundled knowledge)
)";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << usage;
    return args.empty() ? 2 : 0;
  }
  std::string command = args[0];
  args.erase(args.begin());
  try {
    if (command == "check") return advisor::app::run_check(args);
    if (command == "run") return advisor::app::run_facts(args);
    if (command == "ask") return advisor::app::run_ask(args);
    if (command == "chat") return advisor::app::run_chat(args);
    if (command == "test") return advisor::app::run_test(args);
    if (command == "serve") return advisor::app::run_serve(args);
    if (command == "report") return advisor::app::run_report(args);
    if (command == "--version") {
      std::cout << "advisor " << ADVISOR_VERSION << "\n";
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "advisor " << command << ": " << e.what() << "\n";
    return 2;
  }
  std::cerr << "advisor: unknown command '" << command << "'\n" << usage;
  return 2;
}
