// The `syncdsp faces` command (binary from $SYNCDSP_CLI, set by ctest): help, usage errors, the
// missing-model message, and the JSON document on the anchor frame when the models are installed.
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "nn/faces_common.hpp"

namespace test_cli_faces {

namespace {
std::string run(const std::string& cmd, int& status) {
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return out;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    status = pclose(p);
    status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return out;
}
}  // namespace

TEST_CASE("syncdsp faces: help, usage errors, missing models, JSON output") {
    const char* cli = std::getenv("SYNCDSP_CLI");
    if (!cli || !syncdsp::test::file_exists(cli)) SYNCDSP_SKIP("SYNCDSP_CLI not set (run through ctest)");
    const std::string c = std::string("'") + cli + "'";
    int st = -1;
    CHECK(run(c + " faces --help", st).find("--every") != std::string::npos);
    CHECK(st == 0);
    run(c + " faces 2>/dev/null", st);
    CHECK(st == 2);
    run(c + " faces x.png --detector-size 100 2>/dev/null", st);
    CHECK(st == 2);
    const std::string err = run(c + " faces x.png --models /nonexistent 2>&1", st);
    CHECK(st == 1);
    CHECK(err.find("get_models.sh") != std::string::npos);

    SYNCDSP_REQUIRE_FACE_MODELS_OR_SKIP(models);
    const std::string png = syncdsp::test::anchors_inference("frame50.png");
    SYNCDSP_REQUIRE_FILE_OR_SKIP(png);
    const std::string js = run(c + " faces '" + png + "' --json --models '" + models + "' 2>/dev/null", st);
    REQUIRE(st == 0);
    const auto j = nlohmann::json::parse(js);
    REQUIRE(j["frames"].size() == 1);
    const auto& faces = j["frames"][0]["faces"];
    REQUIRE(faces.size() == 1);
    CHECK(faces[0]["landmarks"].size() == 68);
    CHECK(faces[0]["box"][0].get<double>() == doctest::Approx(296.978).epsilon(1e-4));
    CHECK(faces[0]["score"].get<double>() == doctest::Approx(0.57391).epsilon(1e-4));
}

}  // namespace test_cli_faces
