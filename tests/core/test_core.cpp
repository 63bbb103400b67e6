// Tests of the core layer: error ids and messages, checked arithmetic, parallel_for, Eigen maps.
#include <atomic>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <thread>

#include "support.hpp"
#include "syncdsp/core.hpp"

namespace test_core {

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

TEST_CASE("buffer_relay hands every buffer over once, in order, bounded; stop and errors end it") {
    constexpr std::size_t n = 500;
    syncdsp::buffer_relay relay(sizeof(std::size_t), 3);
    std::thread producer([&] {
        for (std::size_t i = 0; i < n; ++i) {
            std::uint8_t* slot = relay.acquire();
            if (!slot) break;  // (never: the consumer does not stop; the count below would show it)
            std::memcpy(slot, &i, sizeof i);
            relay.publish();
        }
        relay.finish();
    });
    std::size_t expected = 0, wrong = 0;
    while (const std::uint8_t* p = relay.next()) {
        std::size_t v = 0;
        std::memcpy(&v, p, sizeof v);
        wrong += v != expected++;
        relay.release();
    }
    producer.join();
    CHECK(expected == n);
    CHECK(wrong == 0);
    CHECK_FALSE(relay.error());

    // The consumer stops: a producer waiting on the full ring gets nullptr and ends.
    syncdsp::buffer_relay stopped(1, 2);
    std::size_t produced = 0;
    std::thread endless([&] {
        while (std::uint8_t* slot = stopped.acquire()) {
            *slot = 1;
            stopped.publish();
            ++produced;
        }
        stopped.finish();
    });
    CHECK(stopped.next() != nullptr);
    stopped.release();
    stopped.stop();
    endless.join();
    CHECK(produced >= 1);
    CHECK(produced <= 3);  // never more than the ring plus the one taken

    // A producer's error reaches the consumer after the buffers that came before it.
    syncdsp::buffer_relay failing(1, 2);
    std::thread thrower([&] {
        *failing.acquire() = 7;
        failing.publish();
        failing.finish(std::make_exception_ptr(std::runtime_error("decoder died")));
    });
    const std::uint8_t* first = failing.next();
    REQUIRE(first != nullptr);
    CHECK(*first == 7);
    failing.release();
    CHECK(failing.next() == nullptr);
    thrower.join();
    CHECK_THROWS_WITH_AS(std::rethrow_exception(failing.error()), "decoder died", std::runtime_error);
    CHECK_THROWS_AS(syncdsp::buffer_relay(4, 1), syncdsp::invalid_argument);
}

}  // namespace test_core
