// `syncdsp features` run as a user would: the built binary (path in $SYNCDSP_CLI, set by ctest).
// Values are checked against the psf golden file (python_speech_features itself, see
// audio_support.hpp); float32 output rounding allows 1e-3 absolute on values up to ~100.
#include <sys/wait.h>

#include <cstdlib>
#include <cstring>

#include "audio/audio_support.hpp"
#include "syncdsp/io/file.hpp"

namespace test_cli_features {

using namespace syncdsp;

namespace {
const char* cli() { return std::getenv("SYNCDSP_CLI"); }

int run(const std::string& args) {
    const std::string cmd = std::string(cli()) + " " + args + " >" + test::scratch("cli_features.out") + " 2>" +
                            test::scratch("cli_features.err");
    const int st = std::system(cmd.c_str());
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
std::string err_text() {
    const auto b = io::read_file(test::scratch("cli_features.err"));
    return std::string(b.begin(), b.end());
}
}  // namespace

TEST_CASE("syncdsp features writes the psf MFCC of a WAV as float32 (frames, 13)") {
    if (!cli()) SYNCDSP_SKIP("SYNCDSP_CLI is not set (run through ctest)");
    const std::string out = test::scratch("cli_mfcc.npy");
    std::remove(out.c_str());
    REQUIRE(run("features mfcc --preset psf " + test::bundled_speech_wav() + " -o " + out) == 0);
    const auto a = io::read_npy<float>(out);
    REQUIRE(a.dimension() == 2);
    CHECK(a.shape()[0] == 1567);  // psf frame count for 250880 samples
    CHECK(a.shape()[1] == 13);
    const auto g = test::golden2("speech_psf_mfcc");  // first 64000 samples: frames 0..397 are identical
    double worst = 0;
    for (std::size_t t = 0; t < 398; ++t)
        for (std::size_t c = 0; c < 13; ++c) worst = std::max(worst, std::abs(double(a(t, c)) - g(t, c)));
    CHECK(worst < 1e-3);
    for (const char* kind : {"logmel", "zcr", "rms"})
        for (const char* preset : {"psf", "kaldi", "librosa"}) {
            CAPTURE(kind);
            CAPTURE(preset);
            CHECK(run(std::string("features ") + kind + " --preset " + preset + " " + test::bundled_speech_wav() + " -o " + out) == 0);
        }
}

TEST_CASE("syncdsp features resamples and downmixes a 44.1 kHz stereo WAV") {
    if (!cli()) SYNCDSP_SKIP("SYNCDSP_CLI is not set (run through ctest)");
    const std::string wav = test::scratch("cli_tone_44k.wav"), out = test::scratch("cli_tone.npy");
    tensor<float, 2> s = tensor<float, 2>::from_shape({44100, 2});
    for (std::size_t i = 0; i < 44100; ++i) s(i, 0) = s(i, 1) = 0.3f * float(std::sin(2 * M_PI * 440.0 * double(i) / 44100));
    io::write_wav(wav, s, 44100);
    REQUIRE(run("features mfcc " + wav + " -o " + out) == 0);
    const auto a = io::read_npy<float>(out);
    CHECK(a.shape()[0] == 1 + (16000 - 400 + 159) / 160);  // 16000 samples after resampling
    CHECK(a.shape()[1] == 13);
}

TEST_CASE("syncdsp features decodes other media through ffmpeg") {
    if (!cli()) SYNCDSP_SKIP("SYNCDSP_CLI is not set (run through ctest)");
    if (std::system("ffmpeg -version >/dev/null 2>&1") != 0) SYNCDSP_SKIP("ffmpeg is not installed");
    const std::string out = test::scratch("cli_mp4.npy");
    REQUIRE(run("features mfcc --preset kaldi " + test::source_dir() + "/data/lrs3_C8zY0oAdQrs_00018/facecrop_224.mp4 -o " + out) == 0);
    const auto a = io::read_npy<float>(out);
    CHECK(a.shape()[1] == 13);
    CHECK(a.shape()[0] > 1500);
}

TEST_CASE("syncdsp features: errors give one line on stderr, a non-zero exit and no output file") {
    if (!cli()) SYNCDSP_SKIP("SYNCDSP_CLI is not set (run through ctest)");
    const std::string out = test::scratch("cli_bad.npy");
    std::remove(out.c_str());
    const std::string wav = test::bundled_speech_wav();
    CHECK(run("features mfcc /nonexistent/file.wav -o " + out) == 1);
    CHECK(err_text().find("cannot open") != std::string::npos);
    CHECK(run("features mfcc --preset htk " + wav + " -o " + out) == 2);
    CHECK(run("features mfcc " + wav) == 2);                       // no -o
    CHECK(run("features cepstrum " + wav + " -o " + out) == 2);    // unknown kind
    CHECK(run("features mfcc " + wav + " -o " + out + " --sr 0") == 2);
    // a WAV with a NaN sample and an empty WAV: clear errors
    tensor<float, 2> nan = xt::zeros<float>({8000, 1});
    auto bytes = io::encode_wav(nan, 16000, io::wav_format::float32);  // write_wav refuses NaN: patch it in
    const float q = std::nanf("");
    std::memcpy(bytes.data() + bytes.size() - 4 * 8000 + 4 * 100, &q, 4);
    io::write_file_atomic(test::scratch("cli_nan.wav"), bytes);
    CHECK(run("features mfcc " + test::scratch("cli_nan.wav") + " -o " + out) == 1);
    CHECK(err_text().find("non-finite") != std::string::npos);
    tensor<float, 1> empty = tensor<float, 1>::from_shape({0});
    io::write_wav(test::scratch("cli_empty.wav"), empty, 16000);
    CHECK(run("features mfcc " + test::scratch("cli_empty.wav") + " -o " + out) == 1);
    CHECK(err_text().find("empty") != std::string::npos);
    CHECK(!test::file_exists(out));
    CHECK(run("features --help") == 0);
}

}  // namespace test_cli_features
