// FFT plan cache: results against a direct O(n^2) DFT in long double (closed form, no golden file),
// round trips, alignment handling, the cache bound, and concurrent use from several threads.
// Tolerances: FFTW's error grows like eps*log2(n); 1e-12 (double) and 2e-5 (float) relative to
// the signal's L1 norm hold with a wide margin for the sizes used.
#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "support.hpp"
#include "syncdsp/audio/fft.hpp"

namespace test_fft {

using namespace syncdsp;
using namespace syncdsp::audio;

namespace {
template <class T>
std::vector<std::complex<long double>> dft(const std::vector<T>& x) {
    const std::size_t n = x.size();
    std::vector<std::complex<long double>> X(n / 2 + 1);
    const long double pi = 3.141592653589793238462643383279502884L;
    for (std::size_t k = 0; k <= n / 2; ++k) {
        std::complex<long double> acc = 0;
        for (std::size_t j = 0; j < n; ++j) {
            const long double a = -2 * pi * (long double)((j * k) % n) / (long double)n;
            acc += (long double)x[j] * std::complex<long double>(std::cos(a), std::sin(a));
        }
        X[k] = acc;
    }
    return X;
}

template <class T>
double check_size(std::size_t n, unsigned seed, std::size_t misalign) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(-1, 1);
    std::vector<T> storage(n + 1);
    T* x = storage.data() + misalign;  // misalign=1 forces the unaligned plan
    double l1 = 0;
    std::vector<T> xv(n);
    for (std::size_t i = 0; i < n; ++i) {
        x[i] = static_cast<T>(u(rng));
        xv[i] = x[i];
        l1 += std::abs(double(x[i]));
    }
    std::vector<std::complex<T>> X(n / 2 + 1);
    rfft_plan<T>::get(n)->execute(x, X.data());
    const auto ref = dft(xv);
    double err = 0;
    for (std::size_t k = 0; k <= n / 2; ++k) err = std::max(err, double(std::abs(std::complex<long double>(X[k]) - ref[k])));
    // inverse: n * x
    std::vector<T> back(n);
    rfft_plan<T>::get(n)->inverse(X.data(), back.data());
    for (std::size_t i = 0; i < n; ++i) err = std::max(err, std::abs(double(back[i]) / double(n) - double(xv[i])));
    return err / l1;
}
}  // namespace

TEST_CASE("rfft_plan matches a direct DFT (double and float, even/odd sizes, aligned or not)") {
    for (std::size_t n : {1u, 2u, 3u, 8u, 45u, 400u, 512u, 1000u}) {
        CAPTURE(n);
        CHECK(check_size<double>(n, 1, 0) < 1e-12);
        CHECK(check_size<double>(n, 2, 1) < 1e-12);
        CHECK(check_size<float>(n, 3, 0) < 2e-5);
        CHECK(check_size<float>(n, 4, 1) < 2e-5);
    }
}

TEST_CASE("rfft_plan is cached per size and rejects bad sizes and overlapping buffers") {
    auto a = rfft_plan<double>::get(256), b = rfft_plan<double>::get(256);
    CHECK(a.get() == b.get());
    CHECK(a->bins() == 129);
    CHECK_THROWS_AS(rfft_plan<float>::get(0), invalid_argument);
    std::vector<double> buf(600);
    CHECK_THROWS_AS(a->execute(buf.data(), reinterpret_cast<std::complex<double>*>(buf.data() + 100)), invalid_argument);
    // the cache stays bounded; an evicted plan held by a caller stays usable
    for (std::size_t n = 1; n <= std::size_t(SYNCDSP_FFT_CACHE_SIZE) + 10; ++n) rfft_plan<double>::get(1000 + n);
    CHECK(rfft_plan<double>::cached_sizes() <= std::size_t(SYNCDSP_FFT_CACHE_SIZE));
    std::vector<std::complex<double>> out(129);
    a->execute(buf.data(), out.data());
}

TEST_CASE("rfft_plan is safe from several threads at once (planning and executing)") {
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < 4; ++t) {
        threads.emplace_back([t, &failures] {
            for (unsigned rep = 0; rep < 20; ++rep) {
                const std::size_t n = 64 + 16 * ((t + rep) % 5);  // several threads plan the same sizes
                if (check_size<double>(n, t * 100 + rep, rep % 2) > 1e-12) ++failures;
                if (check_size<float>(n, t * 100 + rep, rep % 2) > 2e-5) ++failures;
            }
        });
    }
    for (auto& th : threads) th.join();
    CHECK(failures.load() == 0);
}

TEST_CASE("FFTW_MEASURE plans (opt-in) give the same transform") {
    set_fft_effort(fft_effort::measure);
    const double e = check_size<float>(384, 9, 0);
    set_fft_effort(fft_effort::estimate);
    CHECK(e < 2e-5);
    CHECK(get_fft_effort() == fft_effort::estimate);
}

}  // namespace test_fft
