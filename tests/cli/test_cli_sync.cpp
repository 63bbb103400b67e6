// Tests of `syncdsp sync` as a user runs it (`fix` is in test_cli_fix.cpp): the built program (path in
// $SYNCDSP_CLI, set by ctest) on the bundled clip and on files made by ffmpeg at test time.
// Checks exit codes, the JSON contract, one-line errors and that failures leave no output file.
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "run_command.hpp"
#include "support.hpp"

namespace test_cli_sync {

namespace {

struct run_result {
    int code;
    std::string out;
};

// Runs the CLI with a shell command line (arguments are ours, quoted), capturing stdout; stderr
// goes to a file whose contents are returned in err.
run_result run_cli(const std::string& args, std::string* err = nullptr) {
    const std::string err_path = syncdsp::test::scratch("cli_stderr.txt");
    const std::string cmd = std::string("'") + std::getenv("SYNCDSP_CLI") + "' " + args + " 2>'" + err_path + "'";
    const auto ran = syncdsp::test::run_command(cmd);
    if (err) {
        std::ifstream f(err_path);
        err->assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    }
    return {ran.code, ran.out};
}

// Under the sanitizer build (SYNCDSP_SANITIZED=1) the face networks and the phone recogniser are
// switched off: those are tested on their own and would make this test minutes long.
std::string light() { return std::getenv("SYNCDSP_SANITIZED") ? " --faces off --phones off" : ""; }

bool ready() { return std::getenv("SYNCDSP_CLI") && std::system("ffmpeg -version >/dev/null 2>&1") == 0; }
std::string clip() { return syncdsp::test::source_dir() + "/data/lrs3_C8zY0oAdQrs_00018/facecrop_224.mp4"; }

}  // namespace

TEST_CASE("sync --json reports the DESIGN.md contract") {
    if (!ready()) SYNCDSP_SKIP("SYNCDSP_CLI unset or ffmpeg missing");
    const auto r = run_cli("sync '" + clip() + "' --json --track 5s --quiet" + light());
    REQUIRE(r.code == 0);
    const auto j = nlohmann::json::parse(r.out);
    for (const char* key : {"offset_ms", "raw_offset_ms", "interval_ms", "verdict", "tolerance", "segments", "pairs",
                            "offset_frames", "fps", "confidence", "surrogates", "reliable", "method", "curve", "windows",
                            "timings_ms"})
        CHECK_MESSAGE(j.contains(key), key);
    CHECK(j["fps"].get<double>() == doctest::Approx(25.0));
    // Both are rounded in the JSON (offset_ms to 0.01 ms, offset_frames to 0.0001 frame = 0.004 ms), so
    // the check is absolute: a relative one fails on an answer near 0 ms.
    CHECK(std::fabs(j["offset_frames"].get<double>() * 40.0 - j["offset_ms"].get<double>()) <= 0.005 + 0.002 + 1e-9);
    CHECK(j["curve"]["lags_ms"].size() == 101);
    CHECK(j["curve"]["lags_ms"][0].get<double>() == doctest::Approx(-2000.0));
    CHECK(j["curve"]["scores"].size() == 101);
    CHECK(j["windows"].size() >= 4);
    CHECK(j["windows"][0].contains("start_s"));
    // The video is decoded by the face pass (one decode feeds faces and flow) or on its own.
    CHECK((j["timings_ms"].contains("faces") || j["timings_ms"].contains("decode_video")));
    CHECK(j["timings_ms"].contains("total"));

    const auto human = run_cli("sync '" + clip() + "' --quiet" + light());
    CHECK(human.code == 0);
    // The answer in words first, then how far to trust it.
    CHECK((human.out.rfind("in sync: audio ", 0) == 0 || human.out.rfind("audio ", 0) == 0 ||
           human.out.rfind("can't tell", 0) == 0));
    CHECK(human.out.find("ITU-R BT.1359") != std::string::npos);
    CHECK(human.out.find("\nconfidence ") != std::string::npos);
    CHECK(j["verdict"]["text"].get<std::string>() == human.out.substr(0, human.out.find('\n')));
    CHECK(j["interval_ms"][0].get<double>() < j["offset_ms"].get<double>());
    CHECK(j["interval_ms"][1].get<double>() > j["offset_ms"].get<double>());
    CHECK(j["surrogates"] == 99);
}

TEST_CASE("errors: one line on stderr, non-zero exit, no output left behind") {
    if (!ready()) SYNCDSP_SKIP("SYNCDSP_CLI unset or ffmpeg missing");
    std::string err;
    CHECK(run_cli("sync", &err).code == 2);
    CHECK(run_cli("sync '" + clip() + "' --bogus", &err).code == 2);
    CHECK(err.find("unknown option --bogus") != std::string::npos);
    CHECK(run_cli("sync /nonexistent/file.mp4", &err).code == 1);
    CHECK(err.find("No such file") != std::string::npos);
    CHECK(std::count(err.begin(), err.end(), '\n') == 1);
    CHECK(run_cli("sync '" + clip() + "' --max-offset abc", &err).code == 2);

    const std::string plot = syncdsp::test::scratch("curve.txt");
    CHECK(run_cli("sync '" + clip() + "' --quiet --plot '" + plot + "'", &err).code == 2);
    CHECK_FALSE(syncdsp::test::file_exists(plot));
    const std::string svg = syncdsp::test::scratch("curve.svg");
    CHECK(run_cli("sync '" + clip() + "' --quiet --plot '" + svg + "'" + light()).code == 0);
    CHECK(syncdsp::test::file_exists(svg));

    // fix: tests/cli/test_cli_fix.cpp

    // No audio stream.
    const std::string mute = syncdsp::test::scratch("cli_mute.mkv");
    REQUIRE(std::system(("ffmpeg -nostdin -v error -y -f lavfi -i testsrc=size=64x64:rate=25:duration=2 -c:v ffv1 '" +
                         mute + "'").c_str()) == 0);
    CHECK(run_cli("sync '" + mute + "'", &err).code == 1);
    CHECK(err.find("no audio stream") != std::string::npos);
    // ffmpeg not installed (pointed elsewhere).
    CHECK(run_cli("sync '" + clip() + "'" + light(), &err).code == 0);
    setenv("SYNCDSP_FFPROBE", "/nonexistent/ffprobe", 1);
    CHECK(run_cli("sync '" + clip() + "'", &err).code == 1);
    CHECK(err.find("not found") != std::string::npos);
    unsetenv("SYNCDSP_FFPROBE");
}

}  // namespace test_cli_sync
