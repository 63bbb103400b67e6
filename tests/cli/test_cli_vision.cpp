// The flow, mar and lipmotion commands, run as the built program (path in $SYNCDSP_CLI, set by
// ctest; the tests skip when it is unset). Expected values: the OpenCV golden flow of
// scripts/golden/gen_vision.py (same tolerance as test_farneback.cpp) and the hand-computed MAR
// of test_mouth.cpp's face (7/12 inner, 7/9 outer).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "support.hpp"
#include "syncdsp/io/file.hpp"
#include "syncdsp/io/npy.hpp"

namespace test_cli_vision {

using syncdsp::test::golden;
using syncdsp::test::scratch;

namespace {

std::string cli() {
    const char* p = std::getenv("SYNCDSP_CLI");
    return p ? p : "";
}

int run(const std::string& args) {
    const std::string cmd = "'" + cli() + "' " + args + " 2>" + scratch("vision_cli_stderr.txt");
    const int rc = std::system(cmd.c_str());
    return rc == -1 ? -1 : WEXITSTATUS(rc);
}

bool exists(const std::string& p) { return syncdsp::test::file_exists(p); }

std::string mouth_csv() {
    // The face of test_mouth.cpp scaled by 4 and moved to (100, 80): inner MAR 7/12, outer 7/9.
    std::vector<double> p(136, 50.0);
    const double m[20][2] = {{-1, 0}, {0, -1.5}, {1, -2}, {2, -3}, {3, -2}, {4, -1.5}, {5, 0}, {4, 1.5}, {3, 2}, {2, 3},
                             {1, 2}, {0, 1.5}, {0, 0}, {1, -1}, {2, -1.5}, {3, -1}, {4, 0}, {3, 1}, {2, 1.5}, {1, 1}};
    for (int i = 0; i < 20; ++i) {
        p[std::size_t(2 * (48 + i))] = 4 * m[i][0] + 100;
        p[std::size_t(2 * (48 + i) + 1)] = 4 * m[i][1] + 80;
    }
    std::string s;
    for (int f = 0; f < 3; ++f) {
        s += std::to_string(f);
        for (double v : p) s += "," + std::to_string(v);
        s += "\n";
    }
    return s;
}

}  // namespace

TEST_CASE("syncdsp flow writes OpenCV's flow; errors leave no file") {
    if (cli().empty()) SYNCDSP_SKIP("SYNCDSP_CLI not set");
    const std::string out = scratch("cli_flow.npy");
    std::remove(out.c_str());
    REQUIRE(run("flow " + golden("vision/mouth_f290.png") + " " + golden("vision/mouth_f291.png") + " -o " + out) == 0);
    const auto f = syncdsp::io::read_npy<float>(out);
    const auto ref = syncdsp::io::read_npy<float>(golden("vision/flow_mouth_box.npy"));
    REQUIRE(f.shape() == ref.shape());
    double worst = 0;
    for (std::size_t i = 0; i < f.size(); ++i) worst = std::max(worst, double(std::abs(f.data()[i] - ref.data()[i])));
    CHECK(worst < 1e-2);
    // Gaussian flag and options.
    REQUIRE(run("flow " + golden("vision/mouth_f290.png") + " " + golden("vision/mouth_f291.png") +
                " --gaussian --pyr-scale 0.5 --levels 3 --winsize 15 --iterations 3 --poly-n 5 --poly-sigma 1.2 -o " + out) == 0);
    const auto g = syncdsp::io::read_npy<float>(out);
    const auto gref = syncdsp::io::read_npy<float>(golden("vision/flow_mouth_gauss.npy"));
    worst = 0;
    for (std::size_t i = 0; i < g.size(); ++i) worst = std::max(worst, double(std::abs(g.data()[i] - gref.data()[i])));
    CHECK(worst < 1e-2);
    // Errors: different sizes, corrupt file, bad option values, missing output.
    const std::string bad = scratch("cli_flow_bad.npy");
    std::remove(bad.c_str());
    CHECK(run("flow " + golden("vision/mouth_f290.png") + " " + golden("vision/full454_f290.png") + " -o " + bad) == 1);
    const std::string junk = scratch("junk.png");
    const std::string junk_bytes = "\x89PNG\r\n\x1a\n garbage";
    syncdsp::io::write_file_atomic(junk, junk_bytes.data(), junk_bytes.size());
    CHECK(run("flow " + junk + " " + golden("vision/mouth_f291.png") + " -o " + bad) == 1);
    CHECK(run("flow " + golden("vision/mouth_f290.png") + " " + golden("vision/mouth_f291.png") + " --pyr-scale 1.5 -o " + bad) == 2);
    CHECK(run("flow " + golden("vision/mouth_f290.png") + " " + golden("vision/mouth_f291.png") + " --levels 2.5 -o " + bad) == 2);
    CHECK(run("flow " + golden("vision/mouth_f290.png") + " " + golden("vision/mouth_f291.png")) == 2);
    CHECK_FALSE(exists(bad));
}

TEST_CASE("syncdsp mar: inner/outer values, bad rows are errors without output") {
    if (cli().empty()) SYNCDSP_SKIP("SYNCDSP_CLI not set");
    const std::string lm = scratch("cli_lm.csv"), out = scratch("cli_mar.npy");
    const auto text = mouth_csv();
    syncdsp::io::write_file_atomic(lm, text.data(), text.size());
    REQUIRE(run("mar " + lm + " -o " + out) == 0);
    auto m = syncdsp::io::read_npy<double>(out);
    REQUIRE(m.size() == 3);
    CHECK(m(1) == doctest::Approx(7.0 / 12).epsilon(1e-5));
    REQUIRE(run("mar " + lm + " --outer -o " + out) == 0);
    m = syncdsp::io::read_npy<double>(out);
    CHECK(m(2) == doctest::Approx(7.0 / 9).epsilon(1e-5));
    const std::string badlm = scratch("cli_lm_bad.csv"), bad = scratch("cli_mar_bad.npy");
    std::remove(bad.c_str());
    std::string broken = text + "3,1,2,3\n";
    syncdsp::io::write_file_atomic(badlm, broken.data(), broken.size());
    CHECK(run("mar " + badlm + " -o " + bad) == 1);
    broken = text + "3" + text.substr(1, text.find('\n')).replace(3, 2, "nan");
    syncdsp::io::write_file_atomic(badlm, broken.data(), broken.size());
    CHECK(run("mar " + badlm + " -o " + bad) == 1);
    CHECK(run("mar " + lm + " --inner --outer -o " + bad) == 2);
    CHECK_FALSE(exists(bad));
}

TEST_CASE("syncdsp lipmotion on the bundled clip: fixed ROI and landmarks") {
    if (cli().empty()) SYNCDSP_SKIP("SYNCDSP_CLI not set");
    if (std::getenv("SYNCDSP_SANITIZED")) SYNCDSP_SKIP("whole-clip run skipped in the sanitizer build");
    const std::string video = syncdsp::test::source_dir() + "/data/lrs3_C8zY0oAdQrs_00018/facecrop_224.mp4";
    SYNCDSP_REQUIRE_FILE_OR_SKIP(video);
    if (std::system("ffmpeg -version >/dev/null 2>&1") != 0) SYNCDSP_SKIP("ffmpeg not on PATH");
    const std::string out = scratch("cli_lip.npy");
    std::remove(out.c_str());
    REQUIRE(run("lipmotion " + video + " --roi 64,120,96,96 -o " + out) == 0);
    const auto f = syncdsp::io::read_npy<double>(out);
    REQUIRE(f.dimension() == 2);
    CHECK(f.shape()[0] == 393);  // one row per frame of the 25 fps clip
    CHECK(f.shape()[1] == 8);
    double motion = 0;
    for (std::size_t i = 1; i < 393; ++i) motion += f(i, 2);
    CHECK(motion / 392 > 0.1);  // a talking mouth moves
    // Landmarks: the synthetic mouth near (108, 80) for frames 0..2, used for every frame.
    const std::string lm = scratch("cli_lm2.csv");
    const auto text = mouth_csv();
    syncdsp::io::write_file_atomic(lm, text.data(), text.size());
    REQUIRE(run("lipmotion " + video + " --landmarks " + lm + " --bins 2 -o " + out) == 0);
    CHECK(syncdsp::io::read_npy<double>(out).shape()[1] == 6);
    // Errors.
    const std::string bad = scratch("cli_lip_bad.npy");
    std::remove(bad.c_str());
    CHECK(run("lipmotion " + video + " --roi 200,120,96,96 -o " + bad) == 1);
    CHECK(run("lipmotion " + video + " --roi 10,10,0,5 -o " + bad) == 2);
    CHECK(run("lipmotion " + video + " -o " + bad) == 2);
    CHECK(run("lipmotion " + scratch("missing.mp4") + " --roi 1,1,8,8 -o " + bad) == 1);
    CHECK_FALSE(exists(bad));
}

}  // namespace test_cli_vision
