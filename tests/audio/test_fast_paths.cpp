// The fast paths of the MFCC front end against their plain references:
// - two real frames per complex FFT (frame_analyzer::analyze_pair) against one real FFT per frame;
// - every compiled SIMD target of the float kernels (spectrum_kernels.hpp) against scalar code;
// - threads, int16 samples read in place (mfcc_pcm16, io::mapped_wav) and the streamed NPY writer
//   against the one-thread, decoded-copy and one-buffer forms, which must give the same bits.
// References are closed forms computed here in double (no golden files); tolerances are stated
// where the arithmetic legitimately differs (rounding of a different FFT or of a 4-ulp log).
#include <cstring>
#include <random>

#include "audio/audio_support.hpp"
#include "syncdsp/io/file.hpp"

namespace test_fast_paths {

using namespace syncdsp;
using namespace syncdsp::audio;

namespace {

/// Speech-like test signal: a few tones, noise, and an exactly silent stretch, quantised to int16.
std::vector<std::int16_t> test_pcm16(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> noise(0.0, 300.0);
    std::vector<std::int16_t> x(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double t = double(i) / 16000.0;
        double v = 6000 * std::sin(2 * M_PI * 220 * t) * (0.6 + 0.4 * std::sin(2 * M_PI * 3 * t)) +
                   2500 * std::sin(2 * M_PI * 1730 * t) + noise(rng);
        if (i >= n / 3 && i < n / 3 + 8000) v = 0;  // 0.5 s of digital silence
        x[i] = static_cast<std::int16_t>(std::max(-32768.0, std::min(32767.0, std::round(v))));
    }
    return x;
}

template <class T>
tensor<T, 1> as_float(const std::vector<std::int16_t>& x) {
    tensor<T, 1> y = tensor<T, 1>::from_shape({x.size()});
    for (std::size_t i = 0; i < x.size(); ++i) y(i) = static_cast<T>(double(x[i]) / 32768.0);
    return y;
}

template <class A, class B>
bool same_bits(const A& a, const B& b) {
    return std::equal(a.shape().begin(), a.shape().end(), b.shape().begin(), b.shape().end()) &&
           std::memcmp(a.data(), b.data(), a.size() * sizeof(*a.data())) == 0;
}

}  // namespace

TEST_CASE_TEMPLATE("analyze_pair equals one real FFT per frame (closeness), and falls back exactly", T, float, double) {
    // Tolerance: both are FFTs of the same frames; their rounding differs by a few ulps of the
    // frame's largest bin, so bins are compared relative to the frame's peak power.
    const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-13;
    for (const auto& o : {MfccOptions::python_speech_features().logmel.stft, MfccOptions::kaldi().logmel.stft,
                          MfccOptions::librosa(16000, 13, 512, 160, 40, 400).logmel.stft}) {
        CAPTURE(o.to_string());
        const auto x = as_float<T>(test_pcm16(16000, 1));
        impl::frame_analyzer<T> single(o), pair(o);
        const std::size_t nb = single.bins(), nf = single.layout().count(x.size());
        std::vector<T> ref_a(nb), ref_b(nb), a(nb + impl::spectrum_padding), b(nb + impl::spectrum_padding);
        double worst = 0;
        std::size_t separate = 0, silent_pairs = 0;
        for (std::size_t t = 0; t + 1 < nf; t += 2) {
            single.load(x.data(), x.size(), t);
            const T ea = single.analyze(ref_a.data(), true);
            single.load(x.data(), x.size(), t + 1);
            const T eb = single.analyze(ref_b.data(), true);
            pair.load_pair(x.data(), x.size(), t);
            T pa = -1, pb = -1;
            pair.analyze_pair(a.data(), b.data(), &pa, &pb);
            const double peak = std::max(*std::max_element(ref_a.begin(), ref_a.end()), *std::max_element(ref_b.begin(), ref_b.end()));
            const bool exact = std::equal(ref_a.begin(), ref_a.end(), a.begin()) && std::equal(ref_b.begin(), ref_b.end(), b.begin());
            separate += exact && peak > 0;
            if (peak == 0) {
                ++silent_pairs;
                CHECK(exact);  // digital silence stays exactly zero
            }
            for (std::size_t k = 0; k < nb; ++k) {
                worst = std::max(worst, std::abs(double(a[k]) - double(ref_a[k])) / std::max(peak, 1e-300));
                worst = std::max(worst, std::abs(double(b[k]) - double(ref_b[k])) / std::max(peak, 1e-300));
            }
            CHECK(std::abs(double(pa) - double(ea)) <= tol * std::max(1.0, double(ea)) * double(nb));
            CHECK(std::abs(double(pb) - double(eb)) <= tol * std::max(1.0, double(eb)) * double(nb));
            // zeros after the bins survive (the filterbank kernel reads them)
            for (std::size_t k = nb; k < a.size(); ++k) CHECK(a[k] == T(0));
        }
        CHECK(worst < tol);
        CHECK(silent_pairs > 0);
        MESSAGE("pairs transformed frame by frame (power ratio > ", impl::frame_analyzer<T>::pair_power_ratio,
                " or one frame silent): ", separate, " of ", nf / 2, "; worst |diff| / peak ", worst);
    }
}

TEST_CASE("analyze_pair: a loud frame next to a quiet one is transformed alone (no leakage)") {
    StftOptions o = MfccOptions::python_speech_features().logmel.stft;
    o.input_scale = 1;
    o.preemphasis = preemphasis_mode::none;  // frame 1 must not start with frame 0's last sample
    std::vector<float> x(800, 0.f);
    for (std::size_t i = 0; i < 400; ++i) x[i] = 20000.f * float(std::sin(0.3 * double(i)));  // frame 0: loud
    for (std::size_t i = 400; i < 800; ++i) x[i] = float((i * 7) % 5) - 2.f;                // frame 1 (hop 400): tiny
    o.hop_length = 400;
    impl::frame_analyzer<float> single(o), pair(o);
    const std::size_t nb = single.bins();
    std::vector<float> ref(nb), a(nb + impl::spectrum_padding), b(nb + impl::spectrum_padding);
    pair.load_pair(x.data(), x.size(), 0);
    pair.analyze_pair(a.data(), b.data(), nullptr, nullptr);
    single.load(x.data(), x.size(), 1);
    single.analyze(ref.data(), false);
    CHECK(std::equal(ref.begin(), ref.end(), b.begin()));  // bit for bit the frame's own FFT
}

TEST_CASE("the float SIMD kernels of every instruction set this CPU runs match scalar references") {
    const std::vector<const impl::spectrum_kernel_set*> sets = impl::supported_spectrum_kernels();
    REQUIRE(!sets.empty());
    CHECK(std::string(sets.back()->target) == "baseline");
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(0.f, 1.f);
    std::string names;
    for (const impl::spectrum_kernel_set* k : sets) {
        names += std::string(k->target) + " ";
        INFO("target " << k->target);
        // log_floor: within ~1 ulp of std::log (bound: 1e-6 relative, or absolute near ln 1 = 0); the
        // floor rules; NaN and +inf pass through; a value is the same alone or in a block of any length.
        std::vector<float> x(37);
        for (auto& v : x) v = std::pow(10.f, 40.f * u(rng) - 30.f);
        x[3] = 0.f;
        x[5] = 1e-40f;  // subnormal
        x[8] = std::nanf("");
        x[9] = HUGE_VALF;
        x[11] = 1.f;
        for (const bool zero_only : {false, true}) {
            auto y = x;
            const float floor = 1e-10f;
            k->log_floor(y.data(), y.size(), floor, zero_only, 1.f);
            for (std::size_t i = 0; i < x.size(); ++i) {
                CAPTURE(i);
                if (std::isnan(x[i])) { CHECK(std::isnan(y[i])); continue; }
                if (std::isinf(x[i])) { CHECK(y[i] == HUGE_VALF); continue; }
                const double in = zero_only ? (x[i] == 0 ? floor : x[i]) : std::max(x[i], floor);
                const double want = std::log(in);
                CHECK(std::abs(double(y[i]) - want) <= 1e-6 * std::max(1.0, std::abs(want)));
            }
            for (std::size_t len : {1u, 5u, 16u, 17u}) {  // position-independence: same value alone or in a block
                auto z = x;
                for (std::size_t i = 0; i + len <= z.size(); i += len) k->log_floor(z.data() + i, len, floor, zero_only, 1.f);
                for (std::size_t i = 0; i < (x.size() / len) * len; ++i)
                    CHECK((std::memcmp(&z[i], &y[i], 4) == 0 || (std::isnan(z[i]) && std::isnan(y[i]))));
            }
        }
        // pair_power against the closed form in double
        const std::size_t nfft = 512, nb = 257;
        std::vector<float> zc(2 * nfft), pa(nb), pb(nb), rev(2 * nb);
        for (auto& v : zc) v = 2.f * u(rng) - 1.f;
        k->pair_power(zc.data(), nfft, nb, 0.25f, pa.data(), pb.data(), rev.data());
        for (std::size_t i = 0; i < nb; ++i) {
            const std::size_t m = i == 0 ? 0 : nfft - i;
            const double zr = zc[2 * i], zi = zc[2 * i + 1], wr = zc[2 * m], wi = zc[2 * m + 1];
            CHECK(std::abs(pa[i] - ((zr + wr) * (zr + wr) + (zi - wi) * (zi - wi)) * 0.25) < 1e-5);
            CHECK(std::abs(pb[i] - ((zr - wr) * (zr - wr) + (zi + wi) * (zi + wi)) * 0.25) < 1e-5);
        }
        // preemphasize_pcm16: bit for bit the scalar expression
        const auto pcm = test_pcm16(500, 3);
        std::vector<float> pe(499);
        k->preemphasize_pcm16(pcm.data() + 1, 499, 0.97f, 1.f, pe.data());
        for (std::size_t i = 0; i < 499; ++i)
            CHECK(pe[i] == (static_cast<float>(pcm[i + 1]) - 0.97f * static_cast<float>(pcm[i])) * 1.f);
        // pack_pair: interleaving exact, powers close
        std::vector<float> fa(400), fb(400), zz(800);
        for (std::size_t i = 0; i < 400; ++i) { fa[i] = u(rng); fb[i] = -u(rng); }
        float qa = 0, qb = 0;
        k->pack_pair(fa.data(), fb.data(), 400, zz.data(), &qa, &qb);
        double ra = 0, rb = 0;
        for (std::size_t i = 0; i < 400; ++i) {
            CHECK(zz[2 * i] == fa[i]);
            CHECK(zz[2 * i + 1] == fb[i]);
            ra += double(fa[i]) * fa[i];
            rb += double(fb[i]) * fb[i];
        }
        CHECK(std::abs(qa - ra) < 1e-5 * ra);
        CHECK(std::abs(qb - rb) < 1e-5 * rb);
        // row_times_matrix against a double product (13 of 16 padded columns)
        std::vector<float> in(26), mat(26 * 16, 0.f), out(13);
        for (auto& v : in) v = 20.f * u(rng) - 10.f;
        for (std::size_t i = 0; i < 26; ++i)
            for (std::size_t j = 0; j < 13; ++j) mat[i * 16 + j] = u(rng) - 0.5f;
        k->row_times_matrix(in.data(), 26, mat.data(), 16, 13, out.data());
        for (std::size_t j = 0; j < 13; ++j) {
            double want = 0;
            for (std::size_t i = 0; i < 26; ++i) want += double(in[i]) * mat[i * 16 + j];
            CHECK(std::abs(out[j] - want) < 1e-4);
        }
        // filterbank against mel_filterbank::apply (its scalar form)
        const auto fbank = make_mel_filterbank<float>(MelOptions::python_speech_features());
        std::vector<float> spec(nb + impl::spectrum_padding, 0.f), mel_ref(26), mel(26);
        for (std::size_t i = 0; i < nb; ++i) spec[i] = 1e6f * u(rng);
        fbank.apply(spec.data(), mel_ref.data());
        k->filterbank(spec.data(), 26, fbank.first.data(), fbank.padded_offset.data(), fbank.padded_length.data(),
                      fbank.padded_weights.data(), mel.data());
        for (std::size_t m = 0; m < 26; ++m) CHECK(std::abs(mel[m] - mel_ref[m]) <= 1e-6 * mel_ref[m]);
    }
    MESSAGE("instruction sets tested: " << names);
    CHECK(impl::best_spectrum_kernels() == sets.front());  // the best one is used
}

TEST_CASE("mfcc / log_mel give the same bits on 1, 2 and 3 threads") {
    const auto pcm = test_pcm16(16000 * 50, 5);  // 50 s: enough frames for 2 and 3 threads to split
    const auto xf = as_float<float>(pcm);
    for (const auto& o : {MfccOptions::python_speech_features(), MfccOptions::kaldi(), MfccOptions::librosa()}) {
        CAPTURE(o.to_string());
        const auto one = mfcc(xf, o, 1);
        CHECK(same_bits(one, mfcc(xf, o, 2)));
        CHECK(same_bits(one, mfcc(xf, o, 3)));
        const auto lm = log_mel(xf, o.logmel, 1);
        CHECK(same_bits(lm, log_mel(xf, o.logmel, 2)));
    }
    const auto xd = as_float<double>(pcm);
    CHECK(same_bits(mfcc(xd, MfccOptions::python_speech_features(), 1), mfcc(xd, MfccOptions::python_speech_features(), 2)));
}

TEST_CASE("mfcc_pcm16 on int16 samples in place equals mfcc on read_wav's floats, bit for bit") {
    const auto pcm = test_pcm16(16000 * 3 + 77, 9);
    const auto xf = as_float<float>(pcm);
    for (const auto& o : {MfccOptions::python_speech_features(), MfccOptions::kaldi(), MfccOptions::librosa()}) {
        CAPTURE(o.to_string());
        CHECK(same_bits(mfcc(xf, o), mfcc_pcm16<float>(pcm.data(), pcm.size(), o)));
        CHECK(same_bits(log_mel(xf, o.logmel), log_mel_pcm16<float>(pcm.data(), pcm.size(), o.logmel)));
    }
    const auto xd = as_float<double>(pcm);
    CHECK(same_bits(mfcc(xd, MfccOptions::python_speech_features()),
                    mfcc_pcm16<double>(pcm.data(), pcm.size(), MfccOptions::python_speech_features())));
    CHECK_THROWS_AS(mfcc_pcm16<float>(pcm.data(), 0, MfccOptions::python_speech_features()), invalid_argument);
}

TEST_CASE("io::mapped_wav reads what read_wav reads, in place, and refuses what it refuses") {
    const auto pcm = test_pcm16(12345, 11);
    tensor<float, 2> s = tensor<float, 2>::from_shape({pcm.size(), std::size_t(1)});
    for (std::size_t i = 0; i < pcm.size(); ++i) s(i, 0) = float(pcm[i]) / 32768.f;
    const std::string path = test::scratch("mapped.wav");
    io::write_wav(path, s, 16000);
    const io::mapped_wav m(path);
    CHECK(m.sample_rate() == 16000);
    CHECK(m.channels() == 1);
    REQUIRE(m.frames() == pcm.size());
    REQUIRE(m.pcm16() != nullptr);
    CHECK(std::memcmp(m.pcm16(), pcm.data(), pcm.size() * 2) == 0);
    CHECK(same_bits(m.decode<float>().samples, io::read_wav<float>(path).samples));
    // a float WAV has no int16 view; its decode equals read_wav's
    const std::string fpath = test::scratch("mapped_f32.wav");
    io::write_wav(fpath, s, 16000, io::wav_format::float32);
    const io::mapped_wav mf(fpath);
    CHECK(mf.pcm16() == nullptr);
    CHECK(same_bits(mf.decode<float>().samples, io::read_wav<float>(fpath).samples));
    // truncated: the same parse error as read_wav, naming the path
    auto bytes = io::read_file(path);
    bytes.resize(bytes.size() / 2);
    const std::string bad = test::scratch("mapped_bad.wav");
    io::write_file_atomic(bad, bytes);
    std::string e1, e2;
    try { io::read_wav<float>(bad); } catch (const parse_error& e) { e1 = e.what(); }
    try { io::mapped_wav{bad}; } catch (const parse_error& e) { e2 = e.what(); }
    CHECK(!e1.empty());
    CHECK(e1 == e2);
    CHECK_THROWS_AS(io::mapped_wav(test::scratch("does_not_exist.wav")), io_error);
    io::write_file_atomic(test::scratch("empty_file.wav"), std::vector<std::uint8_t>{});
    CHECK_THROWS_AS(io::mapped_wav(test::scratch("empty_file.wav")), parse_error);
}

TEST_CASE("write_npy streams header and data: the same bytes as encode_npy") {
    tensor<float, 2> a = tensor<float, 2>::from_shape({1001, 13});
    for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = float(i) * 0.25f - 7.f;
    const std::string path = test::scratch("streamed.npy");
    io::write_npy(path, a);
    CHECK(io::read_file(path) == io::encode_npy(a.data(), {1001, 13}));
    const auto back = io::read_npy<float>(path);
    CHECK(same_bits(back, a));
}

TEST_CASE("float MFCC (what `syncdsp features` computes) stays within 1e-4 of double on the speech clip") {
    // Reference: the same pipeline in double (itself within 1e-3 of python_speech_features, see
    // test_mfcc_golden.cpp). 1e-4 bounds float32 rounding through FFT, log and DCT on real speech.
    const auto w = io::read_wav<double>(test::bundled_speech_wav());
    const auto xd = io::downmix(w.samples);
    const tensor<float, 1> xf = xt::cast<float>(xd);
    const auto o = MfccOptions::python_speech_features();
    const auto md = mfcc(xd, o);
    const auto mf = mfcc(xf, o);
    REQUIRE(md.shape() == mf.shape());
    double worst = 0;
    for (std::size_t i = 0; i < md.size(); ++i) worst = std::max(worst, std::abs(double(mf.data()[i]) - md.data()[i]));
    MESSAGE("float vs double psf MFCC over ", md.shape()[0], " frames: max |diff| ", worst);
    CHECK(worst < 1e-4);
}

}  // namespace test_fast_paths
