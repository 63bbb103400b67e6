// The io pieces of a batch: content keys, crash-safe JSONL, input lists and shards. Truths are
// closed-form: the published FNV-1a 64 test vectors, and partitions checked element by element.
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "support.hpp"
#include "syncdsp/io/content_key.hpp"
#include "syncdsp/io/input_list.hpp"
#include "syncdsp/io/jsonl.hpp"

namespace test_batch_io {

namespace fs = std::filesystem;
namespace io = syncdsp::io;

namespace {
std::string fresh(const std::string& name) {
    const std::string d = syncdsp::test::scratch(name);
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}
std::string slurp(const std::string& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}
}  // namespace

TEST_CASE("content_key: FNV-1a 64 test vectors, size, chunking does not matter") {
    // FNV-1a 64 of "" is the offset basis, of "a" is af63dc4c8601ec8c (Fowler/Noll/Vo test suite).
    CHECK(io::content_key("", 0).rfind("c1:0-cbf29ce484222325-", 0) == 0);
    CHECK(io::content_key("a", 1).rfind("c1:1-af63dc4c8601ec8c-", 0) == 0);
    CHECK(io::content_key("foobar", 6).rfind("c1:6-85944171f73967e8-", 0) == 0);
    const std::string text = "the quick brown fox jumps over the lazy dog, twice over";
    io::content_hasher h;
    for (std::size_t i = 0; i < text.size(); i += 7) h.update(text.data() + i, std::min<std::size_t>(7, text.size() - i));
    CHECK(h.key() == io::content_key(text.data(), text.size()));
    // One byte changed or moved changes the key.
    std::string other = text;
    other[10] ^= 1;
    CHECK(io::content_key(other.data(), other.size()) != io::content_key(text.data(), text.size()));
    const std::string d = fresh("content_key");
    std::ofstream(d + "/f.bin", std::ios::binary) << text;
    CHECK(io::file_content_key(d + "/f.bin") == io::content_key(text.data(), text.size()));
    CHECK_THROWS_WITH_AS(io::file_content_key(d + "/missing"), doctest::Contains("[syncdsp.io_error.content_key]"),
                         syncdsp::io_error);
}

TEST_CASE("jsonl: whole lines appended, a torn last line dropped by readers and cut by the appender") {
    const std::string d = fresh("jsonl");
    const std::string p = d + "/r.jsonl";
    CHECK(io::read_jsonl_lines(p).empty());  // missing file: no lines
    {
        io::jsonl_appender a(p);
        a.append("{\"a\":1}");
        a.append("{\"b\":2}");
        CHECK_THROWS_AS(a.append("two\nlines"), syncdsp::invalid_argument);
    }
    CHECK(slurp(p) == "{\"a\":1}\n{\"b\":2}\n");
    std::ofstream(p, std::ios::app) << "{\"c\":";  // a crash inside a write
    bool torn = false;
    const auto lines = io::read_jsonl_lines(p, &torn);
    CHECK(torn);
    REQUIRE(lines.size() == 2);
    CHECK(lines[1] == "{\"b\":2}");
    {
        io::jsonl_appender a(p);
        a.append("{\"c\":3}");
    }
    CHECK(slurp(p) == "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n");
    // A file that is one torn line only is emptied.
    std::ofstream(p, std::ios::trunc) << "no newline at all";
    { io::jsonl_appender a(p); }
    CHECK(slurp(p).empty());
}

TEST_CASE("list_inputs: directories by extension, list files, sorted and deduplicated; shards partition") {
    const std::string d = fresh("input_list");
    fs::create_directories(d + "/v/sub");
    for (const char* n : {"v/b.mp4", "v/a.MOV", "v/sub/c.mkv", "v/readme.txt", "x.mp4"}) std::ofstream(d + "/" + n) << "x";
    std::ofstream(d + "/list.txt") << "# a comment\n" << d << "/x.mp4\n\n" << d << "/v\n" << d << "/missing.mp4\n";
    const auto files = io::list_inputs({d + "/v", "@" + d + "/list.txt", d + "/x.mp4"});
    std::vector<std::string> got;
    for (const auto& f : files) got.push_back(f.path.substr(d.size() + 1));
    CHECK(got == std::vector<std::string>{"missing.mp4", "v/a.MOV", "v/b.mp4", "v/sub/c.mkv", "x.mp4"});
    CHECK(files[3].relative == "sub/c.mkv");
    CHECK(files[4].relative == "x.mp4");
    std::istringstream stdin_list(d + "/x.mp4\n" + d + "/v/b.mp4\n");
    CHECK(io::list_inputs({"-"}, io::InputListOptions::videos(), stdin_list).size() == 2);
    CHECK_THROWS_WITH_AS(io::list_inputs({"@" + d + "/nolist"}), doctest::Contains("[syncdsp.io_error.input_list]"),
                         syncdsp::io_error);

    std::vector<int> items(23);
    for (int i = 0; i < 23; ++i) items[std::size_t(i)] = i;
    for (std::size_t n : {1u, 2u, 5u, 23u, 40u}) {
        std::multiset<int> all;
        for (std::size_t k = 0; k < n; ++k) {
            const auto part = io::take_shard(items, io::shard_spec{k, n});
            for (int x : part) {
                CHECK(std::size_t(x) % n == k);
                all.insert(x);
            }
        }
        CHECK(all == std::multiset<int>(items.begin(), items.end()));
    }
    CHECK(io::shard_spec::parse("3/16").index == 3);
    CHECK(io::shard_spec::parse("3/16").count == 16);
    for (const char* bad : {"16/16", "1", "a/2", "-1/2", "1/0", "/", "1/2/3", "99999999999/1"})
        CHECK_THROWS_WITH_AS(io::shard_spec::parse(bad), doctest::Contains("[syncdsp.invalid_argument.shard]"),
                             syncdsp::invalid_argument);
}

}  // namespace test_batch_io
