#pragma once
// What `advisor serve` runs: the engine handler's answers, each one recorded in the conversation
// log, and the owner's report page at GET /report when a token is set.
//
// Thread-safety: as transport::handler requires; the log's record() never blocks on the database.

#include <memory>
#include <string>

#include "advisor/store/conversation_log.hpp"
#include "advisor/transport/handler.hpp"
#include "engine_handler.hpp"

namespace advisor::app {

struct report_page_options {
  std::string db;     // where the log is (read by the page); "" serves no page
  std::string token;  // the owner's secret; "" serves no page (404)
};

class server_handler final : public transport::handler {
 public:
  // `log` may be null (no log kept). Both must outlive the handler.
  server_handler(engine_handler& answers, store::conversation_log* log, report_page_options report);

  nlohmann::json hello() override { return answers_.hello(); }
  std::string ask(const transport::question& q) override { return answers_.ask(q); }
  nlohmann::json health() override { return answers_.health(); }
  void write_metrics(std::string& out) override;
  std::optional<transport::page> get(const transport::page_request& r) override;

 private:
  engine_handler& answers_;
  store::conversation_log* log_;
  const report_page_options report_;
};

// Whether a request carries `token`, as "Authorization: Bearer TOKEN" or "?token=TOKEN" (for a
// browser's address bar). Compared in constant time, so timing tells nothing of the token.
bool carries_token(const transport::page_request& r, const std::string& token);

}  // namespace advisor::app
