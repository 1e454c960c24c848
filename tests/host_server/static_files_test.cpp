// Static files: content types, index.html, the fallback page, and no way out of the web root.
#include "static_files.hpp"

#include <pms/test_support/temp_dir.hpp>

#include <boost/test/unit_test.hpp>

#include <fstream>

using pms::host::server::content_type_for;
using pms::host::server::StaticFiles;

namespace {

pms::net::Request get(std::string path) {
    pms::net::Request r;
    r.method = "GET";
    r.path = std::move(path);
    r.target = r.path;
    return r;
}

} // namespace

BOOST_AUTO_TEST_SUITE(static_files)

BOOST_AUTO_TEST_CASE(content_types) {
    BOOST_TEST(content_type_for("a/index.HTML") == "text/html; charset=utf-8");
    BOOST_TEST(content_type_for("app.js") == "text/javascript; charset=utf-8");
    BOOST_TEST(content_type_for("x.woff2") == "font/woff2");
    BOOST_TEST(content_type_for("x.unknown") == "application/octet-stream");
}

BOOST_AUTO_TEST_CASE(serves_files_and_refuses_escapes) {
    pms::test::TempDir dir{"pms-static"};
    const auto root = dir.path() / "web";
    std::filesystem::create_directories(root / "sub");
    std::ofstream{root / "index.html"} << "INDEX";
    std::ofstream{root / "sub" / "index.html"} << "SUB";
    std::ofstream{root / "a b.txt"} << "SPACE";
    std::ofstream{dir.path() / "secret"} << "SECRET";
    std::filesystem::create_symlink(dir.path() / "secret", root / "out");
    std::filesystem::create_symlink(root / "a b.txt", root / "in");

    StaticFiles files{root};
    BOOST_TEST(files.serve(get("/"))->body == "INDEX");
    BOOST_TEST(files.serve(get("/sub/"))->body == "SUB");
    BOOST_TEST(files.serve(get("/a%20b.txt"))->body == "SPACE");
    BOOST_TEST(files.serve(get("/in"))->body == "SPACE"); // a symlink inside the root is fine
    for (const char* path : {"/../secret", "/%2e%2e/secret", "/sub/../../secret", "/..%2Fsecret",
                             "/out", "/%00", "/sub%5c..%5c..%5csecret", "/.%2e/secret", "/bad%zz"})
        BOOST_TEST(!files.serve(get(path)).has_value(), path);
}

BOOST_AUTO_TEST_CASE(fallback_page_without_root) {
    StaticFiles files{"/nonexistent/web-root"};
    const auto page = files.serve(get("/"));
    BOOST_TEST_REQUIRE(page.has_value());
    BOOST_TEST(page->body.find("/api/plugins") != std::string::npos);
    BOOST_TEST(!files.serve(get("/index.html")).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
