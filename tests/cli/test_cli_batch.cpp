// Tests of `syncdsp batch` and `syncdsp report` as a user runs them: the built program (path in
// $SYNCDSP_CLI) on a handful of real clips from ../shared/data/dev (skipped with a message when
// absent) plus files made at test time (a corrupt one, a silent one). The truth here is the
// program itself: an interrupted-and-resumed run, or shards merged, must give exactly the lines
// of one uninterrupted run (the wall-clock "timings_ms" aside, which `report --no-timings`
// leaves out). The face networks and the phone cue are off: they are not the point, and they are slow.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "run_command.hpp"
#include "support.hpp"

extern char** environ;

namespace test_cli_batch {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string q(const std::string& s) { return "'" + s + "'"; }
std::string cli() { return q(std::getenv("SYNCDSP_CLI")); }
bool ready() { return std::getenv("SYNCDSP_CLI") && std::system("ffmpeg -version >/dev/null 2>&1") == 0; }

std::string read_text(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string l;
    while (std::getline(in, l))
        if (!l.empty()) out.push_back(l);
    return out;
}

// A scratch directory for one test, emptied first.
std::string fresh_dir(const std::string& name) {
    const std::string d = syncdsp::test::scratch(name);
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

// Four short real face crops from dev/ (the smallest) by symbolic link, a corrupt file and a
// silent one, in DIR/in. Returns false when the shared data is absent.
bool make_inputs(const std::string& dir) {
    const std::string dev = syncdsp::test::shared_data_dir() + "/dev";
    const std::vector<std::string> clips = {"deep_avsr_00001.mp4", "deep_avsr_00004.mp4", "pcavs_00086.mp4",
                                            "video-retalking_5.mp4"};
    for (const auto& c : clips)
        if (!syncdsp::test::file_exists(dev + "/" + c)) return false;
    fs::create_directories(dir + "/in/sub");
    for (const auto& c : clips) fs::create_symlink(fs::absolute(dev + "/" + c), dir + "/in/" + c);
    std::ofstream(dir + "/in/sub/corrupt.mp4") << "this is not a video, just text with an .mp4 name\n";
    const int rc = std::system(("ffmpeg -v error -y -f lavfi -i color=c=gray:size=160x160:rate=25:duration=3 -f lavfi -i "
                                "anullsrc=r=16000:cl=mono -t 3 -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest " +
                                q(dir + "/in/sub/silent.mp4"))
                                   .c_str());
    REQUIRE(rc == 0);
    std::ofstream(dir + "/in/notes.txt") << "not a video extension: ignored\n";
    return true;
}

const std::string fast = " --faces off --phones off --face-crop --quiet";

// The merged, sorted lines without timings (what must be equal between runs).
std::string canonical(const std::string& files, const std::string& dir, const std::string& tag) {
    const std::string merged = dir + "/" + tag + ".merged.jsonl";
    const auto r = syncdsp::test::run_command(cli() + " report " + files + " --merge " + q(merged) +
                                              " --no-timings >/dev/null 2>&1");
    REQUIRE(r.code == 0);
    return read_text(merged);
}

}  // namespace

TEST_CASE("batch: usage errors exit 2 before any work") {
    if (!ready()) SYNCDSP_SKIP("SYNCDSP_CLI not set or ffmpeg missing");
    const std::string d = fresh_dir("batch_usage");
    using syncdsp::test::run_command;
    CHECK(run_command(cli() + " batch " + q(d) + " 2>/dev/null").code == 2);                          // no -o
    CHECK(run_command(cli() + " batch -o " + q(d + "/r.jsonl") + " 2>/dev/null").code == 2);          // no input
    CHECK(run_command(cli() + " batch x.mp4 -o r.jsonl --shard 2/2 2>/dev/null").code == 2);
    CHECK(run_command(cli() + " batch x.mp4 -o r.jsonl --shard 1 2>/dev/null").code == 2);
    CHECK(run_command(cli() + " batch x.mp4 -o r.jsonl --jobs 0 2>/dev/null").code == 2);
    CHECK(run_command(cli() + " batch x.mp4 -o r.jsonl --threads 1.5 2>/dev/null").code == 2);
    CHECK(run_command(cli() + " batch x.mp4 -o /nonexistent-dir/r.jsonl 2>/dev/null").code == 1);
    CHECK_FALSE(fs::exists("r.jsonl"));
}

TEST_CASE("batch: error lines with ids, resume after kill -9 equals an uninterrupted run, shards merge to it") {
    if (!ready()) SYNCDSP_SKIP("SYNCDSP_CLI not set or ffmpeg missing");
    const std::string d = fresh_dir("batch_resume");
    if (!make_inputs(d)) SYNCDSP_SKIP("missing clips in " + syncdsp::test::shared_data_dir() + "/dev");
    using syncdsp::test::run_command;

    // 1. One uninterrupted run: 6 files, 2 of them fail with their ids, exit status 1.
    const std::string full = d + "/full.jsonl";
    auto r = run_command(cli() + " batch " + q(d + "/in") + " -o " + q(full) + " --jobs 2" + fast);
    CHECK(r.code == 1);
    const auto full_lines = lines_of(read_text(full));
    REQUIRE(full_lines.size() == 6);
    std::set<std::string> ok, failed;
    for (const auto& l : full_lines) {
        const auto j = json::parse(l);
        const std::string name = fs::path(j.at("file").get<std::string>()).filename().string();
        CHECK(j.at("content_key").get<std::string>().rfind("c1:", 0) == 0);
        CHECK(!j.at("options_key").get<std::string>().empty());
        CHECK(j.at("tool").get<std::string>().rfind("syncdsp ", 0) == 0);
        if (j.at("status") == "ok") {
            ok.insert(name);
            CHECK(j.at("result").contains("offset_ms"));
            CHECK(j.at("result").at("interval_ms").size() == 2);
            CHECK(j.at("result").at("verdict").contains("kind"));
            CHECK(j.at("result").at("audio_cues").at("tracks").size() >= 1);
            CHECK(j.at("size").get<long>() > 1000);
        } else {
            failed.insert(name);
            const std::string id = j.at("error").at("id").get<std::string>();
            const std::string msg = j.at("error").at("message").get<std::string>();
            CHECK_MESSAGE(!id.empty(), msg);
            CHECK(msg.rfind("[syncdsp." + id + "]", 0) == 0);
        }
    }
    CHECK(ok == std::set<std::string>{"deep_avsr_00001.mp4", "deep_avsr_00004.mp4", "pcavs_00086.mp4", "video-retalking_5.mp4"});
    CHECK(failed == std::set<std::string>{"corrupt.mp4", "silent.mp4"});

    // 2. A rerun skips everything (same content, same options) and leaves the file as it was.
    const std::string before = read_text(full);
    r = run_command(cli() + " batch " + q(d + "/in") + " -o " + q(full) + fast);
    CHECK(r.code == 1);  // the two failures are still failures
    CHECK(read_text(full) == before);

    // 3. kill -9 after the first line, then resume: the same lines as the uninterrupted run.
    const std::string resumed = d + "/resumed.jsonl";
    {
        const std::string exe = std::getenv("SYNCDSP_CLI");
        std::vector<std::string> argv_s = {exe, "batch", d + "/in", "-o", resumed, "--jobs", "1", "--faces", "off",
                                           "--phones", "off", "--face-crop", "--quiet"};
        std::vector<char*> argv;
        for (auto& s : argv_s) argv.push_back(s.data());
        argv.push_back(nullptr);
        pid_t pid = 0;
        REQUIRE(posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv.data(), environ) == 0);
        const auto t0 = std::chrono::steady_clock::now();
        while (lines_of(read_text(resumed)).empty() && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(120))
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        CHECK(WIFSIGNALED(status));
        const auto partial = lines_of(read_text(resumed)).size();
        CHECK(partial >= 1);
        CHECK(partial < 6);
        MESSAGE("killed with " << partial << " of 6 lines written");
    }
    r = run_command(cli() + " batch " + q(d + "/in") + " -o " + q(resumed) + fast);
    CHECK(r.code == 1);
    CHECK(lines_of(read_text(resumed)).size() == 6);
    CHECK(canonical(q(resumed), d, "resumed") == canonical(q(full), d, "full"));

    // 4. Two shards, merged, equal the whole; each shard holds half the files.
    for (int k = 0; k < 2; ++k) {
        const std::string part = d + "/shard" + std::to_string(k) + ".jsonl";
        run_command(cli() + " batch " + q(d + "/in") + " -o " + q(part) + " --shard " + std::to_string(k) + "/2" + fast);
        CHECK(lines_of(read_text(part)).size() == 3);
    }
    CHECK(canonical(q(d + "/shard0.jsonl") + " " + q(d + "/shard1.jsonl"), d, "shards") == canonical(q(full), d, "full"));

    // 5. report: the summary counts, duplicates dropped (full + resumed hold the same 6 files).
    r = run_command(cli() + " report " + q(full) + " " + q(resumed) + " --json 2>/dev/null");
    REQUIRE(r.code == 0);
    const auto summary = json::parse(r.out);
    CHECK(summary.at("files").get<int>() == 6);
    CHECK(summary.at("duplicates_dropped").get<int>() == 6);
    CHECK(summary.at("verdicts").at("error").get<int>() == 2);
    int counted = 0;
    for (const auto& [k, v] : summary.at("verdicts").items()) counted += v.get<int>();
    CHECK(counted == 6);
    int by_id = 0;
    for (const auto& [k, v] : summary.at("failures_by_id").items()) by_id += v.get<int>();
    CHECK(by_id == 2);
}

TEST_CASE("batch: a torn last line (a crash inside the write) is dropped and the file measured again") {
    if (!ready()) SYNCDSP_SKIP("SYNCDSP_CLI not set or ffmpeg missing");
    const std::string d = fresh_dir("batch_torn");
    fs::create_directories(d + "/in");
    std::ofstream(d + "/in/bad.mp4") << "garbage";
    const std::string out = d + "/r.jsonl";
    using syncdsp::test::run_command;
    CHECK(run_command(cli() + " batch " + q(d + "/in") + " -o " + q(out) + fast).code == 1);
    const std::string whole = read_text(out);
    REQUIRE(lines_of(whole).size() == 1);
    std::ofstream(out, std::ios::trunc) << whole.substr(0, whole.size() / 2);  // torn: no newline
    CHECK(run_command(cli() + " batch " + q(d + "/in") + " -o " + q(out) + fast).code == 1);
    const auto lines = lines_of(read_text(out));
    REQUIRE(lines.size() == 1);
    CHECK(json::parse(lines[0]).at("status") == "error");
    CHECK(read_text(out).back() == '\n');
}

}  // namespace test_cli_batch
