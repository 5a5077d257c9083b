// The plain HTTP side over real sockets: the page and widget from a temp web root, headers,
// ETag/304, gzip, no path escapes, /healthz, /metrics and what is not served.

#include <gtest/gtest.h>

#include "temp_dir.hpp"
#include "test_client.hpp"
#include "test_server.hpp"

namespace advisor::test {
namespace {

class http_test : public ::testing::Test {
 protected:
  void SetUp() override {
    site.write("index.html", "<!doctype html><title>chat</title>");
    site.write("widget.js", "// widget\n" + std::string(4000, '/') + "\n");
    secret.write("secret.txt", "top secret");
    std::filesystem::create_symlink(secret.path() / "secret.txt", site.path() / "escape.txt");
    auto cfg = test_config();
    cfg.web_root = site.path();
    server = std::make_unique<running_server>(cfg, h);
  }

  temp_dir site;
  temp_dir secret;
  echo_handler h;
  std::unique_ptr<running_server> server;
};

TEST_F(http_test, the_page_with_security_headers) {
  auto r = http_get(server->port(), "/");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, "<!doctype html><title>chat</title>");
  EXPECT_EQ(r.header(http::field::content_type), "text/html; charset=utf-8");
  EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(r.header("Referrer-Policy"), "no-referrer");
  EXPECT_NE(r.header("Content-Security-Policy").find("default-src 'self'"), std::string::npos);
  EXPECT_FALSE(r.header(http::field::etag).empty());
}

TEST_F(http_test, the_widget_gzipped_when_asked_and_304_when_unchanged) {
  auto plain = http_get(server->port(), "/widget.js");
  EXPECT_EQ(plain.status, 200u);
  EXPECT_EQ(plain.header(http::field::content_type), "application/javascript; charset=utf-8");
  EXPECT_TRUE(plain.header("Content-Security-Policy").empty());  // not a page
  EXPECT_EQ(plain.header(http::field::content_encoding), "");
  EXPECT_EQ(plain.header(http::field::vary), "Accept-Encoding");

  auto packed = http_get(server->port(), "/widget.js", {{http::field::accept_encoding, "gzip, deflate"}});
  EXPECT_EQ(packed.status, 200u);
  EXPECT_EQ(packed.header(http::field::content_encoding), "gzip");
  EXPECT_LT(packed.body.size(), plain.body.size());

  auto again = http_get(server->port(), "/widget.js", {{http::field::if_none_match, plain.header(http::field::etag)}});
  EXPECT_EQ(again.status, 304u);
  EXPECT_TRUE(again.body.empty());
}

TEST_F(http_test, head_has_the_length_but_no_body) {
  auto r = http_get(server->port(), "/widget.js", {}, http::verb::head);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.header(http::field::content_length), "4011");
  EXPECT_TRUE(r.body.empty());
}

TEST_F(http_test, no_path_leaves_the_web_root) {
  for (const char* target : {"/../secret.txt", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd",
                             "/%2E%2E%5C%2E%2E%5Cetc%5Cpasswd", "/escape.txt", "/.%2e/secret.txt"}) {
    auto r = http_get(server->port(), target);
    EXPECT_EQ(r.status, 404u) << target;
    EXPECT_EQ(r.body.find("secret"), std::string::npos) << target;
    EXPECT_EQ(r.body.find("root:"), std::string::npos) << target;
  }
  EXPECT_EQ(http_get(server->port(), "/%zz").status, 400u);
}

TEST_F(http_test, healthz_is_json_with_the_handlers_part) {
  auto r = http_get(server->port(), "/healthz");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.header(http::field::content_type), "application/json");
  auto j = json::parse(r.body);
  EXPECT_EQ(j["status"], "ok");
  EXPECT_TRUE(j["uptime_seconds"].is_number());
  EXPECT_EQ(j["knowledge"]["version"], "test-1");
}

TEST_F(http_test, metrics_in_prometheus_text_with_the_handlers_part) {
  {
    ws_client c;
    ASSERT_FALSE(c.connect(server->port()));
    ASSERT_TRUE(c.read());
    ASSERT_TRUE(c.ask("q", "hello"));
    ASSERT_FALSE(c.send_text("nope"));
    ASSERT_TRUE(c.read());
  }
  auto r = http_get(server->port(), "/metrics");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.header(http::field::content_type), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body.find("advisor_questions_total 1\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("advisor_errors_total{code=\"bad_json\"} 1\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("advisor_answer_latency_seconds_count 1\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("advisor_connections_open "), std::string::npos);
  EXPECT_NE(r.body.find("test_handler_metric 1\n"), std::string::npos);
}

TEST_F(http_test, what_is_not_served) {
  EXPECT_EQ(http_get(server->port(), "/missing.js").status, 404u);
  EXPECT_EQ(http_get(server->port(), "/chat").status, 426u);  // the WebSocket, asked for without an upgrade
  auto post = http_get(server->port(), "/", {}, http::verb::post);
  EXPECT_EQ(post.status, 405u);
  EXPECT_EQ(post.header(http::field::allow), "GET, HEAD");
}

TEST_F(http_test, keep_alive_serves_several_requests_on_one_connection) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server->port()));
  beast::flat_buffer buffer;
  for (const char* target : {"/", "/widget.js", "/healthz"}) {
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    http::write(stream, req);
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    EXPECT_EQ(res.result_int(), 200u) << target;
    EXPECT_TRUE(res.keep_alive());
  }
}

}  // namespace
}  // namespace advisor::test
