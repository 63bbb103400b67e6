// Tests of the core layer: error ids and messages, checked arithmetic, parallel_for, Eigen maps.
#include <atomic>
#include <limits>
#include <stdexcept>

#include "support.hpp"
#include "syncdsp/core.hpp"

TEST_CASE("errors carry a stable id and derive from syncdsp::error and std::runtime_error") {
    try {
        syncdsp::detail::throw_invalid_argument("mfcc", "n_fft=", 0, " must be positive");
        FAIL("did not throw");
    } catch (const syncdsp::invalid_argument& e) {
        CHECK(e.id() == "invalid_argument.mfcc");
        CHECK(std::string(e.what()) == "[syncdsp.invalid_argument.mfcc] n_fft=0 must be positive");
        const syncdsp::error& base = e;
        CHECK(base.id() == "invalid_argument.mfcc");
        const std::runtime_error& rt = e;
        CHECK(std::string(rt.what()).find("n_fft=0") != std::string::npos);
    }
    CHECK_THROWS_AS(syncdsp::detail::throw_parse_error("wav", "x"), syncdsp::parse_error);
    CHECK_THROWS_AS(syncdsp::detail::throw_io_error("file", "x"), syncdsp::io_error);
    CHECK_THROWS_AS(syncdsp::detail::throw_unsupported("npy", "x"), syncdsp::unsupported_error);
}

TEST_CASE("checked size arithmetic detects overflow") {
    const std::size_t big = std::numeric_limits<std::size_t>::max() / 2 + 1;
    CHECK(syncdsp::checked_mul(3, 4, "t") == 12);
    CHECK_THROWS_AS(syncdsp::checked_mul(big, 2, "t"), syncdsp::invalid_argument);
    CHECK_THROWS_AS(syncdsp::checked_add(big, big, "t"), syncdsp::invalid_argument);
    CHECK(syncdsp::checked_mul(0, big, "t") == 0);
}

TEST_CASE("require_finite names the first bad index") {
    const float ok[3] = {1, 2, 3};
    CHECK_NOTHROW(syncdsp::require_finite(ok, 3, "t", "signal"));
    const float bad[3] = {1, std::numeric_limits<float>::infinity(), 3};
    CHECK_THROWS_WITH_AS(syncdsp::require_finite(bad, 3, "t", "signal"),
                         doctest::Contains("at index 1"), syncdsp::invalid_argument);
}

TEST_CASE("parallel_for covers every index once and rethrows body exceptions") {
    for (unsigned threads : {0u, 1u, 2u, 7u}) {
        std::vector<std::atomic<int>> hits(1001);
        syncdsp::parallel_for(hits.size(), threads, [&](std::size_t b, std::size_t e) {
            for (std::size_t i = b; i < e; ++i) hits[i]++;
        });
        for (auto& h : hits) CHECK(h.load() == 1);
    }
    CHECK_THROWS_AS(syncdsp::parallel_for(10, 2, [](std::size_t b, std::size_t) {
                        if (b > 0) throw std::runtime_error("boom");
                    }),
                    std::runtime_error);
    bool called = false;
    syncdsp::parallel_for(0, 2, [&](std::size_t, std::size_t) { called = true; });
    CHECK_FALSE(called);
}

TEST_CASE("as_eigen maps the tensor's own memory") {
    syncdsp::tensor<float, 2> t = syncdsp::tensor<float, 2>::from_shape({2, 3});
    for (std::size_t i = 0; i < 6; ++i) t.data()[i] = float(i);
    auto m = syncdsp::as_eigen(t);
    CHECK(m(1, 2) == 5.0f);  // row-major
    m(0, 1) = 42.0f;
    CHECK(t(0, 1) == 42.0f);
    const syncdsp::tensor<float, 2>& ct = t;
    CHECK(syncdsp::as_eigen(ct).sum() == doctest::Approx(0 + 42 + 2 + 3 + 4 + 5));
}
