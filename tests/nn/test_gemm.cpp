// The run-time dispatched GEMM (syncdsp/nn/gemm.hpp) against a naive double-precision product, over
// odd shapes (1x1, tall, thin, sizes that are not multiples of the vector width or the register tile,
// K and N and M across the cache-block edges), strided operands, B transposed or not, and every
// epilogue, for EVERY target compiled into this test that the CPU can run (on an AVX-512 machine:
// AVX3, AVX2, SSE4, SSSE3 and the scalar fallback), so the paths other machines take are tested here.
// Tolerance: |ours - ref| <= (K + 2) * 2^-23 * (sum_k |a_ik b_kj| + |bias|), the textbook bound on a
// float dot product in any summation order (Higham, "Accuracy and Stability", 3.1), plus 1e-30.
// The reference is exact up to double rounding, so no golden file is needed.
#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "support.hpp"
#include "syncdsp/nn/gemm.hpp"

namespace test_gemm {

using namespace syncdsp;

namespace {

struct shape {
    std::size_t M, N, K;
};

// Shapes chosen around the kernel's edges: register tiles of 12x32 / 6x16 / 6x8 / 4x4, K blocks of
// 256, M blocks of 144, N blocks of 24 register tiles (768 columns on AVX-512).
const std::vector<shape> shapes = {
    {1, 1, 1},    {1, 1, 7},    {1, 37, 5},    {37, 1, 5},   {300, 1, 3},   {1, 300, 3},  {5, 3, 1},
    {12, 32, 16}, {6, 16, 9},   {13, 33, 17},  {7, 17, 257}, {11, 9, 513},  {145, 5, 2},  {3, 801, 4},
    {25, 47, 300}, {96, 100, 735}, {150, 70, 31}, {2, 1537, 2}, {29, 15, 256}, {64, 20, 1280},
};

struct operands {
    shape s;
    std::size_t lda, ldb, ldc;
    bool b_transposed;
    std::vector<float> a, b, row_bias, col_bias;
};

operands make(const shape& s, bool b_transposed, std::mt19937& rng) {
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    operands o;
    o.s = s;
    o.b_transposed = b_transposed;
    o.lda = s.K + 3;  // strided on purpose: the kernel must honour leading dimensions
    o.ldb = (b_transposed ? s.K : s.N) + 2;
    o.ldc = s.N + 5;
    o.a.resize(s.M * o.lda);
    o.b.resize((b_transposed ? s.N : s.K) * o.ldb);
    o.row_bias.resize(s.M);
    o.col_bias.resize(s.N);
    for (auto* v : {&o.a, &o.b, &o.row_bias, &o.col_bias})
        for (auto& x : *v) x = u(rng);
    return o;
}

nn::gemm_args args_of(const operands& o, std::vector<float>& c, nn::activation act, bool row_bias, bool col_bias) {
    nn::gemm_args g;
    g.M = o.s.M;
    g.N = o.s.N;
    g.K = o.s.K;
    g.a = o.a.data();
    g.lda = o.lda;
    g.b = o.b.data();
    g.ldb = o.ldb;
    g.b_transposed = o.b_transposed;
    g.c = c.data();
    g.ldc = o.ldc;
    g.row_bias = row_bias ? o.row_bias.data() : nullptr;
    g.col_bias = col_bias ? o.col_bias.data() : nullptr;
    g.act = act;
    g.negative_slope = 0.1f;
    return g;
}

constexpr float sentinel = -12345.f;  // C's padding columns must keep it: the kernel writes only M x N

/// Runs `run` on C, compares with the double reference; returns the number of bad entries.
template <class Run>
std::size_t check_one(const operands& o, nn::activation act, bool row_bias, bool col_bias, Run run) {
    std::vector<float> c(o.s.M * o.ldc, sentinel);
    run(args_of(o, c, act, row_bias, col_bias));
    std::size_t bad = 0;
    for (std::size_t i = 0; i < o.s.M; ++i) {
        for (std::size_t j = 0; j < o.s.N; ++j) {
            double sum = 0, mag = 0;
            for (std::size_t k = 0; k < o.s.K; ++k) {
                const double bk = o.b_transposed ? o.b[j * o.ldb + k] : o.b[k * o.ldb + j];
                sum += double(o.a[i * o.lda + k]) * bk;
                mag += std::abs(double(o.a[i * o.lda + k]) * bk);
            }
            if (row_bias) sum += o.row_bias[i], mag += std::abs(o.row_bias[i]);
            if (col_bias) sum += o.col_bias[j], mag += std::abs(o.col_bias[j]);
            if (act == nn::activation::relu) sum = sum > 0 ? sum : 0;
            if (act == nn::activation::leaky_relu) sum = sum > 0 ? sum : 0.1 * sum;
            const double tol = double(o.s.K + 2) * std::ldexp(1.0, -23) * mag + 1e-30;
            const float got = c[i * o.ldc + j];
            if (!(std::abs(got - sum) <= tol)) {
                if (bad < 3)
                    MESSAGE("C(" << i << "," << j << ") = " << got << ", reference " << sum << ", tolerance " << tol);
                ++bad;
            }
        }
        for (std::size_t j = o.s.N; j < o.ldc; ++j)
            if (c[i * o.ldc + j] != sentinel) ++bad;
    }
    return bad;
}

/// Every shape x transposition x epilogue through `run`; returns the number of failing cases.
template <class Run>
std::size_t check_all(Run run, const std::string& label) {
    std::mt19937 rng(7);
    std::size_t failures = 0, cases = 0, skipped = 0;
    // Under sanitizers (SYNCDSP_SANITIZED=1) the two biggest products are left out: the double
    // reference then dominates the run time, and the smaller shapes cross the same block edges.
    const bool sanitized = std::getenv("SYNCDSP_SANITIZED") != nullptr;
    for (const auto& s : shapes)
        for (bool bt : {false, true}) {
            if (sanitized && s.M * s.N * s.K > 1000000) {
                ++skipped;
                continue;
            }
            const operands o = make(s, bt, rng);
            struct epi {
                nn::activation act;
                bool row, col;
            };
            for (const epi e : {epi{nn::activation::none, false, false}, epi{nn::activation::relu, true, false},
                                epi{nn::activation::leaky_relu, false, true}, epi{nn::activation::relu, true, true}}) {
                ++cases;
                if (check_one(o, e.act, e.row, e.col, run) != 0) {
                    ++failures;
                    MESSAGE(label << ": " << s.M << "x" << s.N << "x" << s.K << (bt ? " B^T" : "") << " act "
                                  << int(e.act) << " row_bias " << e.row << " col_bias " << e.col << " fails");
                }
            }
        }
    CHECK(cases == (shapes.size() * 2 - skipped) * 4);
    return failures;
}

}  // namespace

TEST_CASE("gemm (the build's dispatch) matches a double-precision product over odd shapes") {
    MESSAGE("gemm backend: " << nn::gemm_backend());
    CHECK(check_all([](const nn::gemm_args& g) { nn::gemm(g); }, nn::gemm_backend()) == 0);
    // A packed once (what conv does with its weights), then multiplied.
    CHECK(check_all([](const nn::gemm_args& g) { nn::gemm(g, nn::gemm_pack_a(g.M, g.K, g.a, g.lda)); },
                    nn::gemm_backend() + " packed A") == 0);
}

#ifndef SYNCDSP_NN_GEMM_EIGEN
TEST_CASE("gemm: every compiled SIMD target this CPU supports matches the reference") {
    const std::vector<std::int64_t> targets = hwy::SupportedAndGeneratedTargets();
    REQUIRE(!targets.empty());
    std::string names;
    for (const std::int64_t t : targets) {
        const std::string name = hwy::TargetName(t);
        names += name + " ";
        const nn::gemm_impl::kernel_set* kernels = nn::gemm_impl::kernels_for(t);
        REQUIRE(kernels != nullptr);
        CHECK(name == kernels->target);  // the table entry is the target asked for
        INFO("target " << name);
        CHECK(check_all([&](const nn::gemm_args& g) { kernels->run(g, nullptr); }, name) == 0);
        CHECK(check_all([&](const nn::gemm_args& g) { nn::gemm(g, nn::gemm_pack_a_with(kernels, g.M, g.K, g.a, g.lda)); },
                        name + " packed A") == 0);
    }
    MESSAGE("targets tested: " << names);
#if HWY_ARCH_X86_64
    // x86-64 always has SSE2; the fallback and the 128-bit targets must have been exercised.
    CHECK(targets.size() >= 2);
#endif
    // The dispatcher picks the best of them (the lowest target bit is the best on every arch).
    const std::int64_t supported = hwy::SupportedTargets() & HWY_TARGETS;
    CHECK(nn::gemm_impl::best_kernels() == nn::gemm_impl::kernels_for(supported & -supported));
    CHECK(nn::gemm_backend() == std::string("highway:") + hwy::TargetName(supported & -supported));
}

TEST_CASE("gemm: distinct targets are distinct kernels (the dispatch table is not one entry repeated)") {
    const std::vector<std::int64_t> targets = hwy::SupportedAndGeneratedTargets();
    for (std::size_t i = 0; i + 1 < targets.size(); ++i) {
        CHECK(nn::gemm_impl::kernels_for(targets[i]) != nn::gemm_impl::kernels_for(targets[i + 1]));
    }
}
#endif

TEST_CASE("gemm: empty products and K = 0") {
    std::vector<float> c(6, sentinel);
    const std::vector<float> rb{1.f, -2.f}, cb{0.5f, 0.25f, -3.f};
    nn::gemm_args g;
    g.M = 2;
    g.N = 3;
    g.K = 0;  // A . B is zero: C is the epilogue of zero
    g.c = c.data();
    g.ldc = 3;
    g.row_bias = rb.data();
    g.col_bias = cb.data();
    g.act = nn::activation::relu;
    nn::gemm(g);
    const std::vector<float> expect{1.5f, 1.25f, 0.f, 0.f, 0.f, 0.f};
    CHECK(c == expect);
    g.M = 0;  // nothing to write; no pointer is touched
    g.c = nullptr;
    CHECK_NOTHROW(nn::gemm(g));
}

TEST_CASE("gemm: bad operands are rejected with the gemm error id") {
    std::vector<float> a(12, 1.f), b(12, 1.f), c(12, 0.f);
    nn::gemm_args g;
    g.M = 3;
    g.N = 4;
    g.K = 3;
    g.a = a.data();
    g.lda = 3;
    g.b = b.data();
    g.ldb = 4;
    g.c = c.data();
    g.ldc = 4;
    CHECK_NOTHROW(nn::gemm(g));
    CHECK(c[0] == 3.f);
    auto bad = g;
    bad.ldc = 3;
    CHECK_THROWS_WITH_AS(nn::gemm(bad), doctest::Contains("[syncdsp.invalid_argument.gemm] ldc (3) < N (4)"),
                         syncdsp::invalid_argument);
    bad = g;
    bad.lda = 2;
    CHECK_THROWS_AS(nn::gemm(bad), syncdsp::invalid_argument);
    bad = g;
    bad.b_transposed = true;
    bad.ldb = 2;  // B^T rows hold K = 3 values
    CHECK_THROWS_AS(nn::gemm(bad), syncdsp::invalid_argument);
    bad = g;
    bad.a = nullptr;
    CHECK_THROWS_AS(nn::gemm(bad), syncdsp::invalid_argument);
    bad = g;
    bad.c = nullptr;
    CHECK_THROWS_AS(nn::gemm(bad), syncdsp::invalid_argument);
    // A packed for another shape
    const auto packed = nn::gemm_pack_a(2, 3, a.data(), 3);
    CHECK_THROWS_WITH_AS(nn::gemm(g, packed), doctest::Contains("the packed A is 2x3 but the product needs 3x3"),
                         syncdsp::invalid_argument);
    CHECK_THROWS_AS(nn::gemm_pack_a(2, 3, nullptr, 3), syncdsp::invalid_argument);
}

}  // namespace test_gemm
