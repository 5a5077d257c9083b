// Any bytes as an HTTP request, parsed as the server parses one (the same header and body
// limits), then answered as the server answers a plain request: handle_request() with the
// repository's web-client/ folder as the web root. An upgrade request goes through the Origin
// check instead, as http_session does before it hands the socket to the WebSocket.
//
// Checked besides crashes, leaks and UB: nothing outside the web root is ever served. The file a
// target resolves to lies under the root, and every 200 body is the content of a file under the
// root (or its gzip).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "http_session.hpp"
#include "origin.hpp"

namespace {

namespace fs = std::filesystem;
using namespace advisor::transport;

// As http_session.cpp sets them on every request parser.
constexpr std::uint32_t header_limit = 8 * 1024;
constexpr std::uint64_t body_limit = 4 * 1024;

class quiet_handler : public handler {
 public:
  nlohmann::json hello() override { return nlohmann::json::object(); }
  std::string ask(const question&) override { return "{}"; }
};

struct fixture {
  quiet_handler app;
  std::shared_ptr<shared_state> state;
  fs::path root;
  std::set<std::string> bodies;  // every file under the root, as is and gzipped

  fixture() {
    config cfg;
    cfg.web_root = ADVISOR_FUZZ_WEB_ROOT;
    state = std::make_shared<shared_state>(cfg, app);
    root = fs::canonical(cfg.web_root);
    read_bodies();
  }

  // Again when a body is not found: someone may have edited a file of the root meanwhile.
  void read_bodies() {
    bodies.clear();
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      if (!e.is_regular_file()) continue;
      std::ifstream in(e.path(), std::ios::binary);
      std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      bodies.insert(static_files::gzip(content));
      bodies.insert(std::move(content));
    }
  }
};

fixture& the() {
  static fixture f;
  return f;
}

[[noreturn]] void fail(const char* what, std::string_view target) {
  std::fprintf(stderr, "fuzz_http_request: %s: %.*s\n", what, static_cast<int>(target.size()), target.data());
  std::abort();
}

bool under(const fs::path& root, const fs::path& p) {
  auto [r, q] = std::mismatch(root.begin(), root.end(), p.begin(), p.end());
  (void)q;
  return r == root.end();
}

// The response as it goes on the wire, read back as a client reads it.
http::response<http::string_body> round_trip(http::message_generator gen, bool head) {
  std::string wire;
  error_code ec;
  while (!gen.is_done()) {
    const auto buffers = gen.prepare(ec);
    if (ec) fail("the response could not be serialized", ec.message());
    std::size_t n = 0;
    for (const auto b : beast::buffers_range_ref(buffers)) {
      wire.append(static_cast<const char*>(b.data()), b.size());
      n += b.size();
    }
    gen.consume(n);
  }
  http::response_parser<http::string_body> parser;
  parser.skip(head);
  parser.eager(true);
  parser.body_limit(boost::none);
  parser.put(net::buffer(wire), ec);
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  if (ec || !parser.is_done()) fail("the response does not parse", wire.substr(0, 200));
  return parser.release();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)the();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& f = the();
  http::request_parser<http::string_body> parser;
  parser.header_limit(header_limit);
  parser.body_limit(body_limit);
  parser.eager(true);
  error_code ec;
  net::const_buffer in(data, size);
  while (in.size() > 0 && !parser.is_done()) {
    const auto n = parser.put(in, ec);
    if (ec == http::error::need_more) break;
    if (ec || n == 0) return 0;
    in += n;
  }
  if (!parser.is_done()) {
    if (!parser.got_some()) return 0;  // the peer closed before a request: end_of_stream
    parser.put_eof(ec);
    if (ec || !parser.is_done()) return 0;
  }
  const auto& req = parser.get();
  const std::string_view target(req.target().data(), req.target().size());
  auto header = [&](http::field name) {
    auto it = req.find(name);
    return it == req.end() ? std::string_view{} : std::string_view(it->value().data(), it->value().size());
  };

  if (websocket::is_upgrade(req)) {
    (void)origin_allowed(header(http::field::origin), header(http::field::host), {"https://studio.example"});
    return 0;
  }

  if (auto file = f.state->files().resolve(target); file && !under(f.root, *file))
    fail("resolves outside the web root", target);

  const bool head = req.method() == http::verb::head;
  const auto res = round_trip(handle_request(*f.state, req), head);
  if (res.result() == http::status::ok && !head && req.method() == http::verb::get) {
    const auto path = target.substr(0, target.find_first_of("?#"));
    const bool own = path == "/healthz" || path == "/metrics";
    if (!own && !f.bodies.contains(res.body())) f.read_bodies();
    if (!own && !f.bodies.contains(res.body())) fail("served a body that is no file of the web root", target);
  }
  return 0;
}
