// handle_request() without sockets: each response is written to a beast::test::stream and read
// back as a client would.

#include "http_session.hpp"

#include <gtest/gtest.h>

#include <boost/beast/_experimental/test/stream.hpp>

#include "temp_dir.hpp"

namespace advisor::transport {
namespace {

class quiet_handler : public handler {
 public:
  nlohmann::json hello() override { return nlohmann::json::object(); }
  std::string ask(const question&) override { return "{}"; }
  nlohmann::json health() override { return {{"knowledge", {{"version", "v1"}}}}; }
};

http::response<http::string_body> respond(shared_state& state, http::verb method, std::string target) {
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, "localhost");
  net::io_context ioc;
  beast::test::stream client(ioc), server(ioc);
  server.connect(client);
  beast::write(server, handle_request(state, req));
  server.close();
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.skip(method == http::verb::head);
  http::read(client, buffer, parser);
  return parser.release();
}

TEST(handle_request, healthz_says_stopping_with_503_once_shutdown_began) {
  quiet_handler h;
  auto state = std::make_shared<shared_state>(config{}, h);
  auto ok = respond(*state, http::verb::get, "/healthz");
  EXPECT_EQ(ok.result(), http::status::ok);
  EXPECT_EQ(nlohmann::json::parse(ok.body())["status"], "ok");
  EXPECT_EQ(nlohmann::json::parse(ok.body())["knowledge"]["version"], "v1");
  EXPECT_EQ(ok[http::field::cache_control], "no-store");

  state->shutdown_all();
  auto stopping = respond(*state, http::verb::get, "/healthz");
  EXPECT_EQ(stopping.result(), http::status::service_unavailable);
  EXPECT_EQ(nlohmann::json::parse(stopping.body())["status"], "stopping");
}

TEST(handle_request, every_response_carries_the_security_headers) {
  quiet_handler h;
  test::temp_dir site;
  site.write("index.html", "<p>hi</p>");
  config cfg;
  cfg.web_root = site.path();
  cfg.content_security_policy = "default-src 'none'";
  auto state = std::make_shared<shared_state>(cfg, h);
  for (const char* target : {"/", "/missing", "/metrics", "/healthz", "/chat"}) {
    auto res = respond(*state, http::verb::get, target);
    EXPECT_EQ(res["X-Content-Type-Options"], "nosniff") << target;
    EXPECT_EQ(res["Referrer-Policy"], "no-referrer") << target;
  }
  EXPECT_EQ(respond(*state, http::verb::get, "/")["Content-Security-Policy"], "default-src 'none'");
  EXPECT_EQ(respond(*state, http::verb::delete_, "/").result(), http::status::method_not_allowed);
  auto head = respond(*state, http::verb::head, "/");
  EXPECT_EQ(head.result(), http::status::ok);
  EXPECT_EQ(head[http::field::content_length], "9");
}

}  // namespace
}  // namespace advisor::transport
