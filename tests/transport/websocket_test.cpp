// The /chat WebSocket over real loopback sockets, with a real Beast client and a test handler:
// the protocol, every envelope error, origins, limits, timeouts and shutdown.

#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

#include "test_client.hpp"
#include "test_server.hpp"

namespace advisor::test {
namespace {

// Connects and reads the hello, failing the test if either goes wrong.
std::unique_ptr<ws_client> connected(std::uint16_t port) {
  auto c = std::make_unique<ws_client>();
  EXPECT_FALSE(c->connect(port)) << "connect";
  auto hello = c->read();
  EXPECT_TRUE(hello && (*hello)["type"] == "hello");
  return c;
}

TEST(websocket, hello_then_ask_and_answer) {
  echo_handler h;
  running_server s(test_config(), h);
  ws_client c;
  ASSERT_FALSE(c.connect(s.port()));
  EXPECT_EQ(c.status(), 101u);
  auto hello = c.read();
  ASSERT_TRUE(hello);
  EXPECT_EQ((*hello)["type"], "hello");
  EXPECT_EQ((*hello)["version"], "test-1");
  EXPECT_EQ((*hello)["suggestions"], json::array({"Say something"}));

  auto a = c.ask("q1", "hi there");
  ASSERT_TRUE(a);
  EXPECT_EQ((*a)["type"], "answer");
  EXPECT_EQ((*a)["id"], "q1");
  EXPECT_EQ((*a)["text"], "you said: hi there");
  EXPECT_EQ((*a)["topics"], json::array({"echo"}));
  EXPECT_FALSE(c.close());
}

TEST(websocket, a_follow_up_carries_the_context_back) {
  echo_handler h;
  running_server s(test_config(), h);
  auto c = connected(s.port());
  auto first = c->ask("q1", "first");
  ASSERT_TRUE(first);
  EXPECT_EQ((*first)["context"]["turn"], 1);
  auto second = c->ask("q2", "second", (*first)["context"]);
  ASSERT_TRUE(second);
  EXPECT_EQ((*second)["id"], "q2");
  EXPECT_EQ((*second)["context"]["turn"], 2);
}

TEST(websocket, bad_json_gets_an_error_and_the_connection_stays_open) {
  echo_handler h;
  running_server s(test_config(), h);
  auto c = connected(s.port());
  ASSERT_FALSE(c->send_text("{\"type\": \"ask\", "));
  auto e = c->read();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["type"], "error");
  EXPECT_EQ((*e)["code"], "bad_json");
  EXPECT_EQ((*e)["message"], "message is not valid JSON");
  EXPECT_TRUE((*e)["id"].is_null());
  auto a = c->ask("after", "still there?");
  ASSERT_TRUE(a);
  EXPECT_EQ((*a)["id"], "after");
}

TEST(websocket, envelope_errors_name_the_message_they_are_about) {
  echo_handler h;
  running_server s(test_config(), h);
  auto c = connected(s.port());
  ASSERT_FALSE(c->send({{"type", "shout"}, {"id", "q7"}, {"text", "x"}}));
  auto e = c->read();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["code"], "bad_type");
  EXPECT_EQ((*e)["id"], "q7");
  ASSERT_FALSE(c->send({{"type", "ask"}, {"id", "q8"}}));
  e = c->read();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["code"], "bad_text");
  EXPECT_EQ((*e)["id"], "q8");
  EXPECT_EQ(h.asked.load(), 0u);
}

TEST(websocket, a_message_over_the_limit_gets_too_long_and_far_over_it_closes) {
  echo_handler h;
  auto cfg = test_config();
  cfg.max_message_bytes = 4096;
  running_server s(cfg, h);
  auto c = connected(s.port());
  ASSERT_FALSE(c->send({{"type", "ask"}, {"id", "big"}, {"text", std::string(5000, 'a')}}));
  auto e = c->read();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["code"], "too_long");
  EXPECT_EQ((*e)["message"], "message is 5035 bytes, the limit is 4096");
  auto a = c->ask("small", "fine");
  ASSERT_TRUE(a);
  EXPECT_EQ((*a)["id"], "small");

  // Sixteen times the limit is abuse: the server closes (1009, "message too big") as soon as it
  // reads the frame header, so the client may not even finish sending.
  (void)c->send({{"type", "ask"}, {"id", "huge"}, {"text", std::string(70000, 'a')}});
  EXPECT_FALSE(c->read());
  EXPECT_TRUE(running_server::eventually([&] { return s.stats().websockets_open == 0; }));
  EXPECT_NE(http_get(s.port(), "/metrics").body.find("advisor_errors_total{code=\"too_big\"} 1\n"), std::string::npos);
}

TEST(websocket, a_binary_frame_is_refused_and_the_connection_stays_open) {
  echo_handler h;
  running_server s(test_config(), h);
  auto c = connected(s.port());
  ASSERT_FALSE(c->send_binary(R"({"type":"ask","id":"b","text":"binary"})"));
  auto e = c->read();
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["code"], "not_text");
  EXPECT_TRUE(c->ask("t", "text works"));
}

TEST(websocket, invalid_utf8_in_a_text_frame_fails_the_connection_with_1007) {
  // RFC 6455 section 8.1: a text frame that is not UTF-8 fails the connection. Beast does that
  // itself, with close code 1007 (invalid frame payload data).
  echo_handler h;
  running_server s(test_config(), h);
  auto c = connected(s.port());
  ASSERT_FALSE(c->send_text("{\"type\":\"ask\",\"id\":\"u\",\"text\":\"\xC3\x28\"}"));
  EXPECT_FALSE(c->read());
  EXPECT_EQ(c->last_error(), websocket::error::closed);
  EXPECT_EQ(c->close_reason().code, websocket::close_code::bad_payload);
  EXPECT_EQ(h.asked.load(), 0u);
}

TEST(websocket, a_wrong_origin_gets_403_and_allowed_ones_get_in) {
  echo_handler h;
  auto cfg = test_config();
  cfg.allowed_origins = {"https://studio.example"};
  running_server s(cfg, h);
  {
    ws_client evil;
    EXPECT_TRUE(evil.connect(s.port(), "https://evil.example"));
    EXPECT_EQ(evil.status(), 403u);
  }
  {
    ws_client listed;
    EXPECT_FALSE(listed.connect(s.port(), "https://studio.example"));
    EXPECT_EQ(listed.status(), 101u);
  }
  {
    ws_client own;  // the page the server itself serves
    EXPECT_FALSE(own.connect(s.port(), "http://127.0.0.1:" + std::to_string(s.port())));
  }
  {
    ws_client elsewhere;
    EXPECT_TRUE(elsewhere.connect(s.port(), {}, "/not-chat"));
    EXPECT_EQ(elsewhere.status(), 404u);
  }
}

TEST(websocket, the_rate_limit_refuses_with_an_error_then_closes_an_abusive_client) {
  echo_handler h;
  auto cfg = test_config();
  cfg.questions_per_second = 0.5;
  cfg.question_burst = 3;
  cfg.max_strikes = 4;
  running_server s(cfg, h);
  auto c = connected(s.port());
  for (int i = 0; i < 5; ++i) ASSERT_FALSE(c->send({{"type", "ask"}, {"id", "r" + std::to_string(i)}, {"text", "hi"}}));
  std::vector<std::string> codes;
  for (int i = 0; i < 5; ++i) {
    auto m = c->read();
    ASSERT_TRUE(m);
    EXPECT_EQ((*m)["id"], "r" + std::to_string(i));
    codes.push_back((*m)["type"] == "answer" ? "answer" : (*m)["code"].get<std::string>());
  }
  EXPECT_EQ(codes, (std::vector<std::string>{"answer", "answer", "answer", "rate_limited", "rate_limited"}));

  // Two more strikes are tolerated (4 in a row), the fifth in a row closes with "policy violation".
  for (int i = 0; i < 3; ++i) ASSERT_FALSE(c->send({{"type", "ask"}, {"id", "x"}, {"text", "hi"}}));
  for (int i = 0; i < 3; ++i) {
    auto m = c->read();
    ASSERT_TRUE(m);
    EXPECT_EQ((*m)["code"], "rate_limited");
  }
  EXPECT_FALSE(c->read());
  EXPECT_EQ(c->last_error(), websocket::error::closed);
  EXPECT_EQ(c->close_reason().code, websocket::close_code::policy_error);
}

TEST(websocket, a_handler_exception_becomes_an_internal_error_for_that_message) {
  echo_handler h;
  running_server s(test_config(), h);
  auto c = connected(s.port());
  auto e = c->ask("boom", "throw");
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)["type"], "error");
  EXPECT_EQ((*e)["code"], "internal");
  EXPECT_EQ((*e)["id"], "boom");
  EXPECT_TRUE(c->ask("ok", "and then"));
  // A handler's reply that is not an object's text is not sent as if it were one.
  auto bad = c->ask("odd", "not an object");
  ASSERT_TRUE(bad);
  EXPECT_EQ((*bad)["code"], "internal");
}

TEST(websocket, a_socket_killed_mid_read_frees_its_session) {
  echo_handler h;
  running_server s(test_config(), h);
  auto c = connected(s.port());
  ASSERT_TRUE(running_server::eventually([&] { return s.stats().websockets_open == 1; }));
  const auto destroyed = s.stats().sessions_destroyed;
  beast::error_code ignored;
  beast::get_lowest_layer(c->stream()).socket().close(ignored);  // no close frame
  EXPECT_TRUE(running_server::eventually([&] { return s.stats().sessions_destroyed == destroyed + 1; }));
  EXPECT_EQ(s.stats().websockets_open, 0u);
  EXPECT_EQ(s.stats().connections_open, 0u);
}

TEST(websocket, a_client_that_does_not_read_is_dropped) {
  echo_handler h;
  h.answer_padding = 256 * 1024;
  auto cfg = test_config();
  cfg.write_queue_limit = 4;
  running_server s(cfg, h);
  auto c = connected(s.port());
  // Megabytes of answers nobody reads: the socket buffers fill, then the queue, then we're out.
  for (int i = 0; i < 200; ++i)
    if (c->send({{"type", "ask"}, {"id", std::to_string(i)}, {"text", "flood"}})) break;
  EXPECT_TRUE(running_server::eventually([&] { return s.stats().websockets_open == 0; }, std::chrono::seconds(10)));
  const auto metrics = http_get(s.port(), "/metrics").body;
  EXPECT_NE(metrics.find("advisor_clients_dropped_total 1\n"), std::string::npos) << metrics;
}

TEST(websocket, an_idle_connection_is_closed_and_a_silent_one_is_pinged) {
  echo_handler h;
  auto cfg = test_config();
  cfg.idle_timeout = std::chrono::milliseconds(600);
  cfg.ping_interval = std::chrono::milliseconds(150);
  running_server s(cfg, h);
  auto c = connected(s.port());
  int pings = 0;
  c->stream().control_callback([&](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::ping) ++pings;
  });
  // The client answers pings while it reads, so only the idle timeout ends this connection.
  EXPECT_FALSE(c->read(std::chrono::seconds(3)));
  EXPECT_EQ(c->last_error(), websocket::error::closed);
  EXPECT_EQ(c->close_reason().code, websocket::close_code::going_away);
  EXPECT_EQ(c->close_reason().reason, "idle");
  EXPECT_GE(pings, 1);
}

TEST(websocket, a_peer_that_never_answers_a_ping_is_dropped) {
  echo_handler h;
  auto cfg = test_config();
  cfg.ping_interval = std::chrono::milliseconds(100);
  running_server s(cfg, h);
  auto c = connected(s.port());
  // Connected but never reading, so the client's Beast stream never answers the server's pings.
  EXPECT_TRUE(running_server::eventually([&] { return s.stats().websockets_open == 0; }, std::chrono::seconds(5)));
  const auto metrics = http_get(s.port(), "/metrics").body;
  EXPECT_NE(metrics.find("advisor_clients_dropped_total 1\n"), std::string::npos) << metrics;
}

TEST(websocket, connection_limits_per_ip_and_in_total) {
  echo_handler h;
  auto cfg = test_config();
  cfg.max_connections_per_ip = 2;
  running_server s(cfg, h);
  auto a = connected(s.port());
  auto b = connected(s.port());
  ws_client third;
  EXPECT_TRUE(third.connect(s.port()));
  a.reset();  // closes its socket
  EXPECT_TRUE(running_server::eventually([&] { return s.stats().connections_open == 1; }));
  ws_client fourth;
  EXPECT_FALSE(fourth.connect(s.port()));
}

TEST(websocket, shutdown_sends_going_away_to_every_client_and_returns_quickly) {
  echo_handler h;
  running_server s(test_config(), h);
  std::vector<std::unique_ptr<ws_client>> clients;
  for (int i = 0; i < 20; ++i) clients.push_back(connected(s.port()));
  ASSERT_TRUE(clients.back()->ask("last", "before the end"));
  // Stopping waits for the clients' side of the close handshake, so they read meanwhile.
  std::chrono::steady_clock::duration took{};
  std::thread stopper([&] { took = s.stop(); });
  for (auto& c : clients) {
    EXPECT_FALSE(c->read());
    EXPECT_EQ(c->last_error(), websocket::error::closed);
    EXPECT_EQ(c->close_reason().code, websocket::close_code::going_away);
  }
  stopper.join();
  EXPECT_LT(took, std::chrono::seconds(2));  // every client answered the close: no need for the grace
}

TEST(websocket, shutdown_with_a_client_that_never_answers_the_close_still_ends_in_time) {
  echo_handler h;
  auto cfg = test_config();
  cfg.shutdown_grace = std::chrono::milliseconds(1500);
  running_server s(cfg, h);
  auto c = connected(s.port());  // never reads again: never sends its close frame back
  ASSERT_TRUE(running_server::eventually([&] { return s.stats().websockets_open == 1; }));
  const auto took = s.stop();
  EXPECT_LT(took, std::chrono::seconds(3));
}

}  // namespace
}  // namespace advisor::test
