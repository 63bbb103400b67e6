// Tests of syncdsp/audio/phones.hpp and phone_openness.hpp: the parts of the phone cue that need
// no recogniser (tests/audio/test_pocketsphinx.cpp tests the recogniser itself).
//
// References: closed forms for digital-silence runs, utterance planning and the openness track.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "support.hpp"
#include "syncdsp/audio/phone_openness.hpp"
#include "syncdsp/audio/phones.hpp"

namespace test_phones {

namespace sa = syncdsp::audio;
// ---------------------------------------------------------------------------------------------
// Helpers without pocketsphinx: digital silence, utterance planning, option checks, openness.

TEST_CASE("phones: digital silence runs are whole all-zero 10 ms frames (closed form)") {
    std::vector<float> x(16000, 0.1f);  // 100 frames
    for (std::size_t i = 1600; i < 2080; ++i) x[i] = 0;   // frames 10..12 (3 frames)
    for (std::size_t i = 3200; i < 3500; ++i) x[i] = 0;   // 300 samples: only frame 20 is whole
    for (std::size_t i = 8000; i < 16000; ++i) x[i] = 0;  // frames 50..99
    x[9000] = 1e-5f;                                      // rounds to 0 in 16-bit PCM: still silent
    x[12000] = 1e-4f;                                     // rounds to 3: frame 75 is not silent
    const auto runs = sa::digital_silence_frames(x.data(), x.size(), 3);
    REQUIRE(runs.size() == 3);
    CHECK(runs[0].first == 10);
    CHECK(runs[0].last == 13);
    CHECK(runs[1].first == 50);
    CHECK(runs[1].last == 75);
    CHECK(runs[2].first == 76);
    CHECK(runs[2].last == 100);
    CHECK(sa::digital_silence_frames(x.data(), x.size(), 20).size() == 2);  // the 25- and 24-frame runs
    CHECK(sa::digital_silence_frames(x.data(), x.size(), 30).empty());
    CHECK(sa::digital_silence_frames(nullptr, 0, 3).empty());
}

TEST_CASE("phones: utterance plan - zeros are missing, short bits are missing, long spans are cut in the quiet") {
    // 25 s: loud noise except a quiet stretch at 9.0-9.3 s, digital silence at 12-13 s, a 50 ms
    // blip at 13.00-13.05 s, digital silence again from 13.05 s to 13.5 s.
    std::vector<float> x(25 * 16000);
    std::uint32_t seed = 1;
    for (auto& v : x) {
        seed = seed * 1664525u + 1013904223u;
        v = (static_cast<float>(seed >> 8) / 16777216.0f - 0.5f) * 0.5f;
    }
    for (std::size_t i = 9 * 16000; i < static_cast<std::size_t>(9.3 * 16000); ++i) x[i] *= 0.001f;
    for (std::size_t i = 12 * 16000; i < 13 * 16000; ++i) x[i] = 0;
    for (std::size_t i = static_cast<std::size_t>(13.05 * 16000); i < static_cast<std::size_t>(13.5 * 16000); ++i)
        x[i] = 0;
    sa::phone_options o;
    o.max_utterance_s = 10;
    o.split_search_s = 3;
    const auto plan = sa::plan_utterances(x.data(), x.size(), o);
    // missing: frames 1200..1350 (zeros, blip of 5 frames < 10, zeros) merged into one span
    REQUIRE(plan.missing.size() == 1);
    CHECK(plan.missing[0].first == 1200);
    CHECK(plan.missing[0].last == 1350);
    // 0..12 s is longer than 10 s: cut inside the quiet stretch (frames 900..930), where a +-5
    // frame window lies entirely in the quiet part: cut in [905, 925].
    // 13.5-25 s (1150 frames) is cut once more, somewhere in the last 3 s before the 10 s limit.
    REQUIRE(plan.utterances.size() == 4);
    CHECK(plan.utterances[0].first == 0);
    CHECK(plan.utterances[0].last >= 905);
    CHECK(plan.utterances[0].last <= 925);
    CHECK(plan.utterances[1].first == plan.utterances[0].last);
    CHECK(plan.utterances[1].last == 1200);
    CHECK(plan.utterances[2].first == 1350);
    CHECK(plan.utterances[2].last > 1350 + 700);
    CHECK(plan.utterances[2].last <= 1350 + 1000);
    CHECK(plan.utterances[3].first == plan.utterances[2].last);
    CHECK(plan.utterances[3].last == 2500);
    for (const auto& u : plan.utterances) CHECK(u.size() <= 1000);
}

TEST_CASE("phones: options are validated before anything is planned") {
    std::vector<float> x(1600, 0.1f);
    sa::phone_options o;
    o.max_utterance_s = 1;
    CHECK_THROWS_AS(sa::plan_utterances(x.data(), x.size(), o), syncdsp::invalid_argument);
    o = {};
    o.language_weight = std::nan("");
    CHECK_THROWS_AS(sa::plan_utterances(x.data(), x.size(), o), syncdsp::invalid_argument);
}

TEST_CASE("phones: model status names the missing files, where their paths came from and how to install") {
    sa::phone_options o;
    o.model_dir = syncdsp::test::scratch("no-such-model");
    o.phone_lm = syncdsp::test::scratch("no-such-model/phone.lm.bin");
    const std::string m = sa::phone_model_status(o);
    CHECK(m.find(o.model_dir + "/mdef") != std::string::npos);
    CHECK(m.find(o.phone_lm) != std::string::npos);
    CHECK(m.find("from option") != std::string::npos);
    CHECK(m.find("pocketsphinx-en-us") != std::string::npos);
    CHECK(std::string(sa::pocketsphinx_missing_message).find("syncdsp::phones") != std::string::npos);
}

TEST_CASE("phone_openness: the table covers the en-us phone set and follows articulation") {
    // The 42 context-independent phones of /usr/share/pocketsphinx/model/en-us/en-us/mdef.
    const char* phones[] = {"+NSN+", "+SPN+", "AA", "AE", "AH", "AO", "AW", "AY", "B",  "CH", "D",
                            "DH",    "EH",    "ER", "EY", "F",  "G",  "HH", "IH", "IY", "JH", "K",
                            "L",     "M",     "N",  "NG", "OW", "OY", "P",  "R",  "S",  "SH", "SIL",
                            "T",     "TH",    "UH", "UW", "V",  "W",  "Y",  "Z",  "ZH"};
    CHECK(sa::phone_openness_table().size() == 42);
    for (const char* p : phones) {
        const float v = sa::phone_openness(p);
        CHECK(v >= 0.0f);
        CHECK(v <= 1.0f);
    }
    // Lip closures are fully closed; the open back vowel is the most open sound.
    CHECK(sa::phone_openness("P") == 0.0f);
    CHECK(sa::phone_openness("B") == 0.0f);
    CHECK(sa::phone_openness("M") == 0.0f);
    for (const auto& e : sa::phone_openness_table()) CHECK(e.openness <= sa::phone_openness("AA"));
    // Vowel height: front and back series open monotonically from high to low vowels.
    CHECK(sa::phone_openness("IY") < sa::phone_openness("IH"));
    CHECK(sa::phone_openness("IH") < sa::phone_openness("EH"));
    CHECK(sa::phone_openness("EH") < sa::phone_openness("AE"));
    CHECK(sa::phone_openness("AE") < sa::phone_openness("AA"));
    CHECK(sa::phone_openness("UW") < sa::phone_openness("UH"));
    CHECK(sa::phone_openness("UH") < sa::phone_openness("OW"));
    CHECK(sa::phone_openness("OW") < sa::phone_openness("AO"));
    // Rounding narrows: rounded high vowel below unrounded high vowel.
    CHECK(sa::phone_openness("UW") < sa::phone_openness("IY"));
    CHECK_THROWS_AS(sa::phone_openness("XX"), syncdsp::invalid_argument);
}

TEST_CASE("phone_openness: track is the time-weighted mean per interval, NaN where not covered") {
    // AA [0, 0.5) P [0.5, 1.0), gap (missing) [1.0, 1.5), IY [1.5, 2.0); rate 4 Hz from 0.
    const std::vector<sa::phone_segment> segs = {
        {"AA", 0.0, 0.5, 0}, {"P", 0.5, 1.0, 0}, {"IY", 1.5, 2.0, 0}};
    auto t = sa::openness_track(segs, 4.0, 0.0, 8);
    const float aa = 0.9f, iy = 0.3f;
    CHECK(t.openness(0) == doctest::Approx(aa));
    CHECK(t.openness(1) == doctest::Approx(aa));
    CHECK(t.openness(2) == doctest::Approx(0.0));
    CHECK(t.openness(3) == doctest::Approx(0.0));
    CHECK(std::isnan(t.openness(4)));
    CHECK(std::isnan(t.openness(5)));
    CHECK(t.openness(6) == doctest::Approx(iy));
    CHECK(t.valid(4) == 0);
    CHECK(t.valid(6) == 1);
    CHECK(std::isnan(t.delta(0)));
    CHECK(t.delta(2) == doctest::Approx(-aa));
    CHECK(t.delta(3) == doctest::Approx(0.0));
    CHECK(std::isnan(t.delta(6)));  // previous sample invalid
    // Straddling interval: rate 2 Hz from 0.25: [0.25, 0.75) = half AA, half P.
    auto u = sa::openness_track(segs, 2.0, 0.25, 2);
    CHECK(u.openness(0) == doctest::Approx(aa / 2));
    // [0.75, 1.25): half P, half missing: covered 0.5 >= min_coverage 0.5, so the mean of P = 0.
    CHECK(u.openness(1) == doctest::Approx(0.0));
    auto v = sa::openness_track(segs, 2.0, 0.25, 2, 0.6);
    CHECK(std::isnan(v.openness(1)));
    // Overlapping segments are rejected.
    const std::vector<sa::phone_segment> bad = {{"AA", 0.0, 0.5, 0}, {"P", 0.4, 1.0, 0}};
    CHECK_THROWS_AS(sa::openness_track(bad, 4.0, 0.0, 4), syncdsp::invalid_argument);
    // Real frame times: the same grid given as timestamps gives the same track; an uneven grid
    // averages over its own intervals.
    std::vector<double> times;
    for (int i = 0; i < 8; ++i) times.push_back(i * 0.25);
    auto w = sa::openness_track(segs, times, 2.0);
    for (std::size_t i = 0; i < 8; ++i) {
        CHECK(w.valid(i) == t.valid(i));
        if (t.valid(i)) CHECK(w.openness(i) == doctest::Approx(t.openness(i)));
    }
    CHECK(w.rate_hz == doctest::Approx(4.0));
    auto uneven = sa::openness_track(segs, std::vector<double>{0.0, 0.4, 1.75}, 2.0);
    CHECK(uneven.openness(0) == doctest::Approx(aa));
    // [0.4, 1.75): AA 0.1 s, P 0.5 s, gap 0.5 s, IY 0.25 s -> 0.85 of 1.35 s covered (valid).
    CHECK(uneven.valid(1) == 1);
    CHECK(uneven.openness(1) == doctest::Approx((0.1 * aa + 0.5 * 0.0 + 0.25 * iy) / 0.85));
    CHECK(uneven.openness(2) == doctest::Approx(iy));
    CHECK_THROWS_AS(sa::openness_track(segs, std::vector<double>{0.0, 0.0}, 1.0), syncdsp::invalid_argument);
    // Over a result: n = ceil(duration * rate).
    sa::phone_result r;
    r.duration_s = 2.0;
    r.segments = segs;
    CHECK(sa::openness_track(r, 30.0).openness.size() == 60);
}

}  // namespace test_phones
