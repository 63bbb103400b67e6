// SyncNet v2 encoders and protocol against PyTorch.
//
// Data (all from PyTorch running our own statement of the architecture and protocol):
//  - tests/golden/nn/syncnet_div8*: scripts/golden/gen_nn_syncnet.py (torch 1.13; regenerate with
//    /usr/bin/python3 scripts/golden/gen_nn_syncnet.py). Width /8 weights (seed 1234, random BN
//    stats), embeddings of closed-form synthetic inputs (recomputed here), and the full protocol on
//    the first 40 frames of the bundled face-crop clip (frames decoded by ffmpeg as bgr24, MFCCs by a
//    numpy statement of python_speech_features, saved as syncnet_div8_clip_mfcc.npy).
//  - ../shared/anchors/inference/: an independent author's reduced-width model and test vectors
//    (read in place; skipped when absent).
//  - Full width: files made by `gen_nn_syncnet.py --full <dir>` in $SYNCDSP_NN_FULL_DIR or
//    <build>/tests/syncnet_full (skipped when absent: 52 MB, never committed).
// Tolerances: embeddings max|diff|/max|ref| <= 1e-4 (float32, different summation order; observed
// ~1e-6). Protocol distances relative 1e-4; the confidence is a difference of two such distances,
// so it is compared with an absolute bound of 1e-4 * min_dist; the offset must be equal.
#include <fstream>

#include <nlohmann/json.hpp>

#include "nn_test_support.hpp"
#include "syncdsp/io/ffmpeg.hpp"
#include "syncdsp/nn/models/syncnet.hpp"
#include "syncdsp/nn/models/syncnet_protocol.hpp"

namespace test_syncnet {

using namespace syncdsp;
using syncdsp::test::relative_error;

namespace {
constexpr double tol = 1e-4;

template <std::size_t R>
tensor<float, R> load_abs(const std::string& path) {
    const auto a = io::read_npy<float>(path);
    REQUIRE(a.dimension() == R);
    std::array<std::size_t, R> s;
    std::copy(a.shape().begin(), a.shape().end(), s.begin());
    tensor<float, R> t = tensor<float, R>::from_shape(s);
    std::copy(a.begin(), a.end(), t.begin());
    return t;
}

// The closed forms of gen_nn_syncnet.py.
tensor<std::uint8_t, 4> synthetic_frames(std::size_t T) {
    tensor<std::uint8_t, 4> f = tensor<std::uint8_t, 4>::from_shape({T, 224, 224, 3});
    for (std::size_t t = 0; t < T; ++t)
        for (std::size_t y = 0; y < 224; ++y)
            for (std::size_t x = 0; x < 224; ++x)
                for (std::size_t c = 0; c < 3; ++c)
                    f(t, y, x, c) = std::uint8_t((7 * x + 13 * y + 31 * t + 101 * c + (x * y) % 17) % 256);
    return f;
}

tensor<float, 2> synthetic_mfcc(std::size_t T) {
    tensor<float, 2> m = tensor<float, 2>::from_shape({T, 13});
    for (std::size_t t = 0; t < T; ++t)
        for (std::size_t c = 0; c < 13; ++c) m(t, c) = float((long((7 * t + 3 * c) % 23) - 11) * 1.5);
    return m;
}

nlohmann::json read_json(const std::string& path) {
    std::ifstream in(path);
    REQUIRE(in.good());
    return nlohmann::json::parse(in);
}

void check_protocol(const nn::syncnet_result& r, const nlohmann::json& want) {
    CHECK(r.av_offset_frames == want["av_offset_frames"].get<int>());
    const double md = want["min_dist"].get<double>();
    CHECK(std::abs(r.min_dist - md) <= tol * md);
    CHECK(std::abs(r.confidence - want["confidence"].get<double>()) <= tol * md);
    const auto& mean = want["mean_dists"];
    REQUIRE(r.mean_dists.size() == mean.size());
    double worst = 0;
    for (std::size_t j = 0; j < mean.size(); ++j)
        worst = std::max(worst, std::abs(r.mean_dists[j] - mean[j].get<double>()) / mean[j].get<double>());
    CHECK(worst <= tol);
    if (want.contains("window_confidence")) {
        const auto& wc = want["window_confidence"];
        REQUIRE(r.window_confidence.size() == wc.size());
        for (std::size_t i = 0; i < wc.size(); ++i)
            CHECK(std::abs(r.window_confidence[i] - wc[i].get<double>()) <= tol * md);
    }
}
}  // namespace

TEST_CASE("SyncNet /8 fixture: both encoders match PyTorch on synthetic inputs") {
    const auto net = nn::syncnet::load(test::golden("nn/syncnet_div8.safetensors"));
    CHECK(net.config().embedding == 128);
    CHECK(net.config().lip[0] == 12);
    const auto frames = synthetic_frames(7);
    const auto mfcc = synthetic_mfcc(28);
    nn::SyncnetProtocolOptions o;
    o.batch = 2;  // 3 windows in batches of 2 and 1: batching must not matter
    const auto e = nn::syncnet_embed(net, frames, nn::frame_order::bgr, mfcc, 3, o);
    CHECK(relative_error(e.video, test::load_nn<2>("syncnet_div8_synth_lip_emb")) <= tol);
    CHECK(relative_error(e.audio, test::load_nn<2>("syncnet_div8_synth_aud_emb")) <= tol);

    // RGB input with the channels swapped gives the same embedding.
    tensor<std::uint8_t, 4> rgb = frames;
    for (std::size_t i = 0; i < rgb.size(); i += 3) std::swap(rgb.data()[i], rgb.data()[i + 2]);
    o.threads = 2;
    const auto e2 = nn::syncnet_embed(net, rgb, nn::frame_order::rgb, mfcc, 3, o);
    CHECK(relative_error(e2.video, e.video) <= 1e-6);  // threads regroup the GEMM columns: rounding only
}

TEST_CASE("SyncNet /8 fixture: protocol on the bundled clip equals the torch statement") {
    const std::string clip = test::source_dir() + "/data/lrs3_C8zY0oAdQrs_00018/facecrop_224.mp4";
    SYNCDSP_REQUIRE_FILE_OR_SKIP(clip);
    const auto want = read_json(test::golden("nn/syncnet_div8_clip_protocol.json"));
    io::VideoDecodeOptions vo;
    vo.format = io::pixel_format::bgr;
    vo.max_frames = want["frames"].get<std::size_t>();
    io::video_frames v;
    try {
        v = io::decode_video(clip, vo);
    } catch (const io_error& e) {
        SYNCDSP_SKIP(std::string("ffmpeg unavailable: ") + e.what());
    }
    REQUIRE(v.count() == vo.max_frames);
    const auto net = nn::syncnet::load(test::golden("nn/syncnet_div8.safetensors"));
    const auto mfcc = test::load_nn<2>("syncnet_div8_clip_mfcc");
    const auto r = nn::syncnet_evaluate(net, v.frames, nn::frame_order::bgr, mfcc,
                                        want["audio_samples_used"].get<std::size_t>());
    CHECK(r.windows() == want["windows"].get<std::size_t>());
    check_protocol(r, want);
    CHECK(r.offset_ms == doctest::Approx(-r.av_offset_frames * 40.0));
}

TEST_CASE("shared anchor: the independent /8 model and offset vectors") {
    const std::string dir = test::shared_anchors_dir() + "/inference/";
    SYNCDSP_REQUIRE_FILE_OR_SKIP(dir + "syncnet_div8.safetensors");
    const auto net = nn::syncnet::load(dir + "syncnet_div8.safetensors");
    const auto clip = io::read_npy<float>(dir + "syncnet_div8_clip_u8_1x3x6x224x224.npy");
    const auto mf = io::read_npy<float>(dir + "syncnet_div8_mfcc_1x1x13x24.npy");
    tensor<float, 5> lip = tensor<float, 5>::from_shape({2, 3, 5, 224, 224});
    for (std::size_t n = 0; n < 2; ++n)
        for (std::size_t c = 0; c < 3; ++c)
            for (std::size_t t = 0; t < 5; ++t)
                for (std::size_t y = 0; y < 224; ++y)
                    for (std::size_t x = 0; x < 224; ++x) lip(n, c, t, y, x) = clip(0, c, n + t, y, x);
    tensor<float, 4> aud = tensor<float, 4>::from_shape({2, 1, 13, 20});
    for (std::size_t n = 0; n < 2; ++n)
        for (std::size_t c = 0; c < 13; ++c)
            for (std::size_t t = 0; t < 20; ++t) aud(n, 0, c, t) = mf(0, 0, c, 4 * n + t);
    CHECK(relative_error(net.lip_features(lip), load_abs<2>(dir + "syncnet_div8_lipfeat_2x64.npy")) <= tol);
    CHECK(relative_error(net.embed_lip(lip), load_abs<2>(dir + "syncnet_div8_lip_out_2x128.npy")) <= tol);
    CHECK(relative_error(net.embed_audio(aud), load_abs<2>(dir + "syncnet_div8_aud_out_2x128.npy")) <= tol);

    SYNCDSP_REQUIRE_FILE_OR_SKIP(dir + "avoffset_expected.json");
    const auto vf = load_abs<2>(dir + "avoffset_vid_feat_40x128.npy");
    const auto af = load_abs<2>(dir + "avoffset_aud_feat_40x128.npy");
    const auto r = nn::syncnet_offset(vf, af, 15);
    CHECK(relative_error(r.dists, load_abs<2>(dir + "avoffset_dists_40x31.npy")) <= tol);
    auto want = read_json(dir + "avoffset_expected.json");
    want["av_offset_frames"] = want["offset"];
    want["mean_dists"] = want["mean_dist"];
    check_protocol(r, want);
    CHECK(r.av_offset_frames == -3);
    CHECK(r.offset_ms == doctest::Approx(120.0));  // audio lags by 3 frames = +120 ms in our convention
}

TEST_CASE("full-width SyncNet matches PyTorch (optional: needs gen_nn_syncnet.py --full data)") {
    const char* env = std::getenv("SYNCDSP_NN_FULL_DIR");
    const std::string dir = env ? env : test::scratch("syncnet_full");
    SYNCDSP_REQUIRE_FILE_OR_SKIP(dir + "/syncnet_div1.safetensors");
    if (std::getenv("SYNCDSP_SANITIZED")) SYNCDSP_SKIP("full width is too slow under sanitizers");
    const auto net = nn::syncnet::load(dir + "/syncnet_div1.safetensors");
    CHECK(net.config().embedding == 1024);
    auto load = [&](const std::string& n) { return load_abs<2>(dir + "/syncnet_div1_" + n + ".npy"); };
    const auto e = nn::syncnet_embed(net, synthetic_frames(7), nn::frame_order::bgr, synthetic_mfcc(28), 3);
    CHECK(relative_error(e.video, load("synth_lip_emb")) <= tol);
    CHECK(relative_error(e.audio, load("synth_aud_emb")) <= tol);

    const std::string clip = test::source_dir() + "/data/lrs3_C8zY0oAdQrs_00018/facecrop_224.mp4";
    SYNCDSP_REQUIRE_FILE_OR_SKIP(clip);
    SYNCDSP_REQUIRE_FILE_OR_SKIP(dir + "/syncnet_div1_clip_protocol.json");
    const auto want = read_json(dir + "/syncnet_div1_clip_protocol.json");
    io::VideoDecodeOptions vo;
    vo.format = io::pixel_format::bgr;
    vo.max_frames = want["frames"].get<std::size_t>();
    const auto v = io::decode_video(clip, vo);
    nn::SyncnetProtocolOptions po;
    po.threads = 2;
    const auto r = nn::syncnet_evaluate(net, v.frames, nn::frame_order::bgr, load("clip_mfcc"),
                                        want["audio_samples_used"].get<std::size_t>(), po);
    check_protocol(r, want);
}

TEST_CASE("SyncNet bad input: wrong widths, missing tensors, shapes, short clips") {
    auto w = nn::weight_store::load(test::golden("nn/syncnet_div8.safetensors"));
    CHECK_THROWS_WITH_AS(nn::syncnet::load(w, nn::syncnet_config::full()),
                         doctest::Contains("netcnnaud.0.weight [8x1x3x3] (expected [64x1x3x3])"), invalid_argument);
    nn::weight_store partial;
    for (const auto& n : w.names())
        if (n != "netfclip.3.bias") partial.insert(n, w.at(n));
    partial.insert("extra.thing", w.at("netfclip.3.bias"));
    CHECK_THROWS_WITH_AS(nn::syncnet::load(partial, nn::syncnet_config::reduced(8)),
                         doctest::Contains("missing (1): netfclip.3.bias"), invalid_argument);
    CHECK_THROWS_WITH_AS(nn::syncnet::load(partial, nn::syncnet_config::reduced(8)),
                         doctest::Contains("unexpected (1): extra.thing"), invalid_argument);
    const auto net = nn::syncnet::load(w, nn::syncnet_config::reduced(8));
    tensor<float, 4> aud = xt::zeros<float>({1, 1, 13, 19});
    CHECK_THROWS_WITH_AS(net.embed_audio(aud), doctest::Contains("1 x 13 x 20"), invalid_argument);
    tensor<float, 5> lip = xt::zeros<float>({1, 3, 5, 112, 112});
    CHECK_THROWS_WITH_AS(net.embed_lip(lip), doctest::Contains("224 x 224"), invalid_argument);
    CHECK_THROWS_WITH_AS(nn::syncnet_window_count(5, 100000), doctest::Contains("too short for one SyncNet window"),
                         invalid_argument);
    CHECK(nn::syncnet_window_count(250, 160000) == 245);
    CHECK(nn::syncnet_window_count(6, 3840) == 1);
    tensor<float, 2> mf = synthetic_mfcc(20);
    CHECK_THROWS_WITH_AS(nn::syncnet_embed(net, synthetic_frames(6), nn::frame_order::bgr, mf, 2),
                         doctest::Contains("MFCC frames"), invalid_argument);
    tensor<float, 2> a = xt::zeros<float>({3, 4}), b = xt::zeros<float>({2, 4});
    CHECK_THROWS_AS(nn::syncnet_offset(a, b), invalid_argument);
}

TEST_CASE("median filter equals scipy.signal.medfilt with zero padding (closed form)") {
    const std::vector<float> x{5, 1, 4, 2, 3};
    // kernel 3: [max? no] medians of (0,5,1),(5,1,4),(1,4,2),(4,2,3),(2,3,0)
    const auto m = nn::median_filter_zero_padded(x, 3);
    CHECK(m == std::vector<float>{1, 4, 2, 3, 2});
}

TEST_CASE("SyncNet protocol options: the syncnet_python preset, validate and to_string") {
    const auto o = nn::SyncnetProtocolOptions::syncnet_python();
    CHECK(o.vshift == 15);
    CHECK(o.fps == 25.0);
    CHECK_NOTHROW(o.validate());
    CHECK(o.to_string() == "SyncnetProtocolOptions{vshift=15, batch=20, threads=1, fps=25}");
    auto bad = o;
    bad.batch = 0;
    CHECK_THROWS_WITH_AS(bad.validate(), doctest::Contains("batch 0 must be in 1..10000"), syncdsp::invalid_argument);
    bad = o;
    bad.fps = 0;
    CHECK_THROWS_WITH_AS(bad.validate(), doctest::Contains("fps 0 must be in (0, 1000]"), syncdsp::invalid_argument);
}

}  // namespace test_syncnet
