// Static files: no way out of the web root, types, ETag/304 and gzip.

#include "static_files.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include "temp_dir.hpp"

namespace advisor::transport {
namespace {

namespace fs = std::filesystem;

std::string gunzip(const std::string& in) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
  std::string out(in.size() * 20 + 1024, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

class static_files_test : public ::testing::Test {
 protected:
  void SetUp() override {
    site.write("index.html", "<!doctype html><p>hello</p>");
    site.write("widget.js", widget_js);
    site.write("sub/page.html", "<p>sub</p>");
    site.write(".env", "SECRET=1");
    outside.write("secret.txt", "top secret");
    fs::create_symlink(outside.path() / "secret.txt", site.path() / "link-out.txt");
    fs::create_symlink(outside.path(), site.path() / "dir-out");
    fs::create_symlink(site.path() / "sub" / "page.html", site.path() / "link-in.html");
  }

  std::string widget_js = std::string("// the widget\n") + std::string(2000, ' ') + "console.log('hi');\n";
  test::temp_dir site;
  test::temp_dir outside;
};

TEST_F(static_files_test, serves_index_and_files_with_their_types) {
  static_files files(site.path());
  auto index = files.lookup("/", "", "");
  ASSERT_EQ(index.status, 200u);
  EXPECT_EQ(*index.body, "<!doctype html><p>hello</p>");
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_TRUE(index.html);
  auto js = files.lookup("/widget.js?v=3", "", "");
  ASSERT_EQ(js.status, 200u);
  EXPECT_EQ(js.content_type, "application/javascript; charset=utf-8");
  EXPECT_FALSE(js.html);
  EXPECT_EQ(files.lookup("/sub/", "", "").status, 404u);  // a folder without index.html
  EXPECT_EQ(files.lookup("/sub/page.html", "", "").status, 200u);
  EXPECT_EQ(static_files::mime_type("a.css"), "text/css; charset=utf-8");
  EXPECT_EQ(static_files::mime_type("a.PNG"), "image/png");
  EXPECT_EQ(static_files::mime_type("a.unknown"), "application/octet-stream");
}

TEST_F(static_files_test, never_escapes_the_root) {
  static_files files(site.path());
  for (const char* target :
       {"/../outside/secret.txt", "/sub/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt",
        "/sub/..%2f..%2fsecret.txt", "/..%5c..%5csecret.txt", "/%2e%2e%5csecret.txt", "/link-out.txt",
        "/dir-out/secret.txt", "/.env", "/%2eenv", "/sub/%00page.html", "//etc/passwd", "/etc/passwd"}) {
    auto r = files.lookup(target, "", "");
    EXPECT_EQ(r.status, 404u) << target;
    EXPECT_EQ(r.body, nullptr) << target;
  }
  EXPECT_EQ(files.lookup("/%zz", "", "").status, 400u);
  EXPECT_EQ(files.lookup("/%2", "", "").status, 400u);
  EXPECT_EQ(files.lookup("no-slash", "", "").status, 404u);
}

TEST_F(static_files_test, a_symlink_that_stays_inside_is_served) {
  static_files files(site.path());
  auto r = files.lookup("/link-in.html", "", "");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(*r.body, "<p>sub</p>");
}

TEST_F(static_files_test, etag_gives_304_and_changes_with_the_content) {
  static_files files(site.path());
  auto first = files.lookup("/index.html", "", "");
  ASSERT_EQ(first.status, 200u);
  ASSERT_FALSE(first.etag.empty());
  EXPECT_EQ(files.lookup("/index.html", "", first.etag).status, 304u);
  EXPECT_EQ(files.lookup("/index.html", "", "\"other\", " + first.etag).status, 304u);
  EXPECT_EQ(files.lookup("/index.html", "", "W/" + first.etag).status, 304u);
  EXPECT_EQ(files.lookup("/index.html", "", "\"other\"").status, 200u);

  site.write("index.html", "<!doctype html><p>changed, and longer</p>");
  auto changed = files.lookup("/index.html", "", first.etag);
  ASSERT_EQ(changed.status, 200u);
  EXPECT_NE(changed.etag, first.etag);
  EXPECT_EQ(*changed.body, "<!doctype html><p>changed, and longer</p>");
}

TEST_F(static_files_test, gzip_when_asked_with_its_own_etag) {
  static_files files(site.path());
  auto plain = files.lookup("/widget.js", "", "");
  auto packed = files.lookup("/widget.js", "deflate, gzip;q=0.8", "");
  ASSERT_EQ(packed.status, 200u);
  EXPECT_FALSE(plain.gzip);
  EXPECT_TRUE(packed.gzip);
  EXPECT_LT(packed.body->size(), plain.body->size());
  EXPECT_EQ(gunzip(*packed.body), widget_js);
  EXPECT_NE(packed.etag, plain.etag);
  EXPECT_EQ(files.lookup("/widget.js", "gzip", packed.etag).status, 304u);
  // Small files and images are sent as they are.
  EXPECT_FALSE(files.lookup("/index.html", "gzip", "").gzip);
}

TEST_F(static_files_test, a_fresh_precompressed_file_wins) {
  const std::string precompressed = static_files::gzip(widget_js + "// precompressed\n");
  site.write("widget.js.gz", precompressed);
  static_files files(site.path());
  auto r = files.lookup("/widget.js", "gzip", "");
  ASSERT_TRUE(r.gzip);
  EXPECT_EQ(*r.body, precompressed);
  EXPECT_EQ(files.lookup("/widget.js.gz", "", "").content_type, "application/octet-stream");
}

TEST(static_files, accept_encoding_parsing) {
  EXPECT_TRUE(static_files::accepts_gzip("gzip"));
  EXPECT_TRUE(static_files::accepts_gzip("br, GZIP;q=0.5"));
  EXPECT_TRUE(static_files::accepts_gzip("*"));
  EXPECT_FALSE(static_files::accepts_gzip(""));
  EXPECT_FALSE(static_files::accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(static_files::accepts_gzip("gzip; q=0.000"));
  EXPECT_FALSE(static_files::accepts_gzip("br, deflate"));
}

TEST(static_files, no_root_serves_nothing) {
  static_files files("");
  EXPECT_EQ(files.lookup("/", "", "").status, 404u);
  static_files missing("/no/such/folder/anywhere");
  EXPECT_EQ(missing.lookup("/", "", "").status, 404u);
}

}  // namespace
}  // namespace advisor::transport
