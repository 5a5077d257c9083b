#pragma once
// The advisor's subcommands. Each takes its arguments (after the subcommand's name) and returns
// the process exit code: 0 success, 1 a failed check or test, 2 a usage or load error.

#include <string>
#include <vector>

namespace advisor::app {

using args = std::vector<std::string>;

int run_check(const args& a);  // validate the knowledge, list errors and warnings
int run_facts(const args& a);  // assert facts given on the command line, run, print outputs and why
int run_ask(const args& a);    // one question, answered as a visitor would see it
int run_chat(const args& a);   // a conversation in the terminal, or JSON lines with --json
int run_test(const args& a);   // the knowledge's conversation tests
int run_serve(const args& a);  // the chat server (WebSocket, chat page, /healthz, /metrics)
int run_report(const args& a);  // what visitors asked, from the conversation log

std::string default_knowledge_dir();

}  // namespace advisor::app
