// `syncdsp syncnet` end to end (the CLI binary from $SYNCDSP_CLI, set by ctest; skipped when absent
// or when ffmpeg is missing). Expected values: tests/golden/nn/syncnet_div8_clip_protocol.json, the
// torch statement of the protocol by scripts/golden/gen_nn_syncnet.py on the same weights and clip
// (ffmpeg s16 audio, numpy python_speech_features MFCCs). Here the MFCCs come from syncdsp's audio
// layer, so this also checks the whole front end. Tolerance: mean distances relative 1e-4, equal
// offset (observed difference ~2e-7).
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "run_command.hpp"
#include "support.hpp"

namespace test_cli_syncnet {

namespace {
syncdsp::test::cli_result run_cli(const std::string& args) {
    return syncdsp::test::run_syncdsp(args, syncdsp::test::scratch("syncnet_cli_err.txt"));
}

bool ready() {
    const char* cli = std::getenv("SYNCDSP_CLI");
    return cli && syncdsp::test::file_exists(cli) && std::system("ffmpeg -version >/dev/null 2>&1") == 0;
}
}  // namespace

TEST_CASE("syncdsp syncnet --json on the bundled clip equals the torch statement of the protocol") {
    if (!ready()) SYNCDSP_SKIP("syncdsp CLI ($SYNCDSP_CLI) or ffmpeg not available");
    const std::string clip = syncdsp::test::source_dir() + "/data/lrs3_C8zY0oAdQrs_00018/facecrop_224.mp4";
    const std::string weights = syncdsp::test::golden("nn/syncnet_div8.safetensors");
    std::ifstream in(syncdsp::test::golden("nn/syncnet_div8_clip_protocol.json"));
    const auto want = nlohmann::json::parse(in);
    const auto r = run_cli("syncnet --weights '" + weights + "' '" + clip + "' --max-frames " +
                           std::to_string(want["frames"].get<int>()) + " --json --batch 7");
    INFO(r.err);
    REQUIRE(r.code == 0);
    const auto got = nlohmann::json::parse(r.out);
    CHECK(got["av_offset_frames"] == want["av_offset_frames"]);
    CHECK(got["offset_ms"].get<double>() == doctest::Approx(-want["av_offset_frames"].get<double>() * 40.0));
    CHECK(got["windows"] == want["windows"]);
    const double md = want["min_dist"].get<double>();
    CHECK(std::abs(got["min_dist"].get<double>() - md) <= 1e-4 * md);
    CHECK(std::abs(got["confidence"].get<double>() - want["confidence"].get<double>()) <= 1e-4 * md);
    CHECK(got["lse_d"] == got["min_dist"]);
    const auto& gd = got["dists"];
    const auto& wd = want["mean_dists"];
    REQUIRE(gd.size() == wd.size());
    for (std::size_t j = 0; j < wd.size(); ++j)
        CHECK(std::abs(gd[j].get<double>() - wd[j].get<double>()) <= 1e-4 * wd[j].get<double>());
    REQUIRE(got["window_confidence"].size() == want["window_confidence"].size());
}

TEST_CASE("syncdsp syncnet: clear errors for short clips, bad weights and usage") {
    if (!ready()) SYNCDSP_SKIP("syncdsp CLI ($SYNCDSP_CLI) or ffmpeg not available");
    const std::string clip = syncdsp::test::source_dir() + "/data/lrs3_C8zY0oAdQrs_00018/facecrop_224.mp4";
    const std::string weights = syncdsp::test::golden("nn/syncnet_div8.safetensors");
    auto r = run_cli("syncnet --weights '" + weights + "' '" + clip + "' --max-frames 5");
    CHECK(r.code == 1);
    CHECK(r.err.find("too short for one SyncNet window") != std::string::npos);
    r = run_cli("syncnet '" + clip + "'");
    CHECK(r.code == 2);
    CHECK(r.err.find("--weights") != std::string::npos);
    r = run_cli("syncnet --weights '" + syncdsp::test::golden("nn/st_mixed.safetensors") + "' '" + clip + "'");
    CHECK(r.code == 1);
    CHECK(r.err.find("non-finite") != std::string::npos);
    r = run_cli("syncnet --weights '" + weights + "' '" + clip + "' --vshift -1");
    CHECK(r.code == 2);
}

}  // namespace test_cli_syncnet
