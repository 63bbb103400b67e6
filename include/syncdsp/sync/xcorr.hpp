// syncdsp/sync/xcorr.hpp - normalised cross-correlation of two feature sequences over a lag range.
//
// Both sequences are on one time base (sample i of each at the same instant). The score at lag k
// pairs video[t] with audio[t + k]; so with DESIGN.md's sign convention a peak at k > 0 means the
// audio is late by k samples. NaN marks a missing sample (digital silence, no face, ...): it is
// left out of every sum rather than counted as signal.
//
// Two normalisations:
//  - per_overlap (default): Pearson's r over exactly the pairs that overlap at that lag, so edge
//    lags with short overlaps are not biased towards zero and every score is in [-1, 1];
//  - global: each sequence is standardised once over all its valid samples and the score is the
//    mean product over the overlap (cheaper to reason about, biased at short overlaps).
// Lags with fewer than min_overlap pairs or (near-)constant data are flagged uninformative and
// score 0: never NaN.
//
// Two algorithms with the same results (to ~1e-9 relative in double): direct summation, O(L*N),
// and FFT (six real transforms and six inverse ones through audio/fft.hpp), O(N log N) whatever the
// number of lags L. method::automatic picks by an operation count.
#pragma once

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "syncdsp/audio/fft.hpp"
#include "syncdsp/core/error.hpp"
#include "syncdsp/core/tensor.hpp"

namespace syncdsp::sync {

enum class ncc_normalisation { per_overlap, global };
enum class ncc_method { automatic, direct, fft };

struct NccOptions {
    int min_lag = -50;  ///< smallest lag searched, in samples of the common time base
    int max_lag = 50;   ///< largest lag searched (inclusive)
    ncc_normalisation normalisation = ncc_normalisation::per_overlap;
    ncc_method method = ncc_method::automatic;
    std::size_t min_overlap = 8;   ///< lags with fewer valid pairs are uninformative
    double min_std = 1e-9;         ///< a side whose standard deviation is below this is constant

    /// Lags -max_lag..+max_lag.
    static NccOptions symmetric(int max_lag) {
        NccOptions o;
        o.min_lag = -max_lag;
        o.max_lag = max_lag;
        return o;
    }
    void validate() const {
        SYNCDSP_REQUIRE(min_lag <= max_lag, "xcorr", "min_lag ", min_lag, " > max_lag ", max_lag);
        SYNCDSP_REQUIRE((long long)max_lag - min_lag <= 1000000, "xcorr", "lag range of ",
                        (long long)max_lag - min_lag + 1, " lags is too large");
        SYNCDSP_REQUIRE(std::isfinite(min_std) && min_std >= 0, "xcorr", "min_std must be >= 0, got ", min_std);
    }
    std::string to_string() const {
        std::ostringstream s;
        s << "NccOptions{lags=[" << min_lag << ", " << max_lag << "], normalisation="
          << (normalisation == ncc_normalisation::per_overlap ? "per_overlap" : "global")
          << ", method=" << (method == ncc_method::direct ? "direct" : method == ncc_method::fft ? "fft" : "automatic")
          << ", min_overlap=" << min_overlap << "}";
        return s.str();
    }
};

/// Scores over a contiguous lag range.
struct correlation_curve {
    int min_lag = 0;
    std::vector<double> score;               ///< one per lag; 0 where uninformative
    std::vector<std::size_t> overlap;        ///< valid pairs per lag
    std::vector<std::uint8_t> informative;   ///< 1 where the score means something
    double rate_hz = 0;                      ///< samples per second of the time base (0 = unknown)

    std::size_t size() const { return score.size(); }
    int lag(std::size_t i) const { return min_lag + static_cast<int>(i); }
    int max_lag() const { return min_lag + static_cast<int>(score.size()) - 1; }
    bool any_informative() const {
        return std::any_of(informative.begin(), informative.end(), [](std::uint8_t b) { return b != 0; });
    }
    /// Lag in milliseconds (needs rate_hz).
    double lag_ms(double lag_samples) const { return rate_hz > 0 ? lag_samples * 1000.0 / rate_hz : 0.0; }
};

namespace xcorr_impl {

// Sums over the overlapping valid pairs at one lag, in double, of centred data.
struct moments {
    double n = 0, sv = 0, svv = 0, sa = 0, saa = 0, sva = 0;
};

inline double pearson(const moments& m, double min_std, bool& ok) {
    ok = false;
    if (m.n < 1) return 0.0;
    const double var_v = m.svv / m.n - (m.sv / m.n) * (m.sv / m.n);
    const double var_a = m.saa / m.n - (m.sa / m.n) * (m.sa / m.n);
    if (!(var_v > min_std * min_std) || !(var_a > min_std * min_std)) return 0.0;
    const double cov = m.sva / m.n - (m.sv / m.n) * (m.sa / m.n);
    ok = true;
    return std::clamp(cov / std::sqrt(var_v * var_a), -1.0, 1.0);
}

// Copies a sequence to double, validating it: NaN stays (missing), +-Inf is an error. Returns the
// number of valid samples; values are centred on their mean (or standardised, for global).
template <class T>
std::size_t prepare(const T* x, std::size_t n, const char* name, bool standardise, double min_std,
                    std::vector<double>& out, bool& constant) {
    out.resize(n);
    double sum = 0;
    std::size_t valid = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double v = static_cast<double>(x[i]);
        if (std::isinf(v)) detail::throw_invalid_argument("xcorr", name, " has an infinite value at index ", i);
        out[i] = v;
        if (!std::isnan(v)) {
            sum += v;
            ++valid;
        }
    }
    const double mean = valid ? sum / double(valid) : 0.0;
    double ss = 0;
    for (auto& v : out)
        if (!std::isnan(v)) {
            v -= mean;
            ss += v * v;
        }
    const double sd = valid ? std::sqrt(ss / double(valid)) : 0.0;
    constant = !(sd > min_std);
    if (standardise && !constant)
        for (auto& v : out)
            if (!std::isnan(v)) v /= sd;
    return valid;
}

inline std::size_t fft_size_for(std::size_t n) {
    std::size_t m = 1;
    while (m < n) m <<= 1;
    return m;
}

}  // namespace xcorr_impl

/// Normalised cross-correlation of `video` (length nv) against `audio` (length na) for lags
/// opt.min_lag..opt.max_lag: score[k] compares video[t] with audio[t + k].
template <class T>
correlation_curve normalized_xcorr(const T* video, std::size_t nv, const T* audio, std::size_t na,
                                   const NccOptions& opt = {}) {
    opt.validate();
    SYNCDSP_REQUIRE(nv > 0 && na > 0, "xcorr", "empty sequence (video ", nv, ", audio ", na, " samples)");
    SYNCDSP_REQUIRE(video != nullptr && audio != nullptr, "xcorr", "null sequence");
    const bool global = opt.normalisation == ncc_normalisation::global;
    std::vector<double> v, a;
    bool v_const = false, a_const = false;
    xcorr_impl::prepare(video, nv, "video sequence", global, opt.min_std, v, v_const);
    xcorr_impl::prepare(audio, na, "audio sequence", global, opt.min_std, a, a_const);

    const std::size_t lags = std::size_t(opt.max_lag - opt.min_lag + 1);
    correlation_curve c;
    c.min_lag = opt.min_lag;
    c.score.assign(lags, 0.0);
    c.overlap.assign(lags, 0);
    c.informative.assign(lags, 0);
    std::vector<xcorr_impl::moments> m(lags);

    const std::size_t shorter = std::min(nv, na);
    const std::size_t fft_n = xcorr_impl::fft_size_for(nv + na);
    bool use_fft = opt.method == ncc_method::fft;
    if (opt.method == ncc_method::automatic) {
        // Direct: ~lags*shorter multiply-adds. FFT: 12 transforms of fft_n (~2.5 n log2 n each) plus
        // six spectrum products; measured crossover is within a factor 2 of this estimate.
        const double direct = double(lags) * double(shorter) * 6.0;
        const double viafft = 12.0 * 2.5 * double(fft_n) * std::log2(double(fft_n)) + 36.0 * double(fft_n);
        use_fft = viafft < direct;
    }

    if (!use_fft) {
        for (std::size_t li = 0; li < lags; ++li) {
            const long k = opt.min_lag + long(li);
            const long t0 = std::max<long>(0, -k);
            const long t1 = std::min<long>(long(nv), long(na) - k);
            xcorr_impl::moments s;
            for (long t = t0; t < t1; ++t) {
                const double x = v[std::size_t(t)], y = a[std::size_t(t + k)];
                if (std::isnan(x) || std::isnan(y)) continue;
                s.n += 1;
                s.sv += x;
                s.svv += x * x;
                s.sa += y;
                s.saa += y * y;
                s.sva += x * y;
            }
            m[li] = s;
        }
    } else {
        // c_xy[k] = sum_t x[t] y[t+k] = IFFT(conj(X) * Y)[k mod N] for zero-padded x, y.
        auto plan = audio::rfft_plan<double>::get(fft_n);
        const std::size_t bins = plan->bins();
        audio::aligned_buffer<double> buf(fft_n);
        auto transform = [&](const std::vector<double>& src, int power) {
            audio::aligned_buffer<std::complex<double>> out(bins);
            std::fill(buf.begin(), buf.end(), 0.0);
            for (std::size_t i = 0; i < src.size(); ++i) {
                const double x = src[i];
                if (std::isnan(x)) continue;
                buf[i] = power == 0 ? 1.0 : power == 1 ? x : x * x;
            }
            plan->execute(buf.data(), out.data());
            return out;
        };
        const auto Vm = transform(v, 0), V1 = transform(v, 1), V2 = transform(v, 2);
        const auto Am = transform(a, 0), A1 = transform(a, 1), A2 = transform(a, 2);
        audio::aligned_buffer<std::complex<double>> prod(bins);
        audio::aligned_buffer<double> back(fft_n);
        auto correlate = [&](const audio::aligned_buffer<std::complex<double>>& X,
                             const audio::aligned_buffer<std::complex<double>>& Y, double xcorr_impl::moments::*field) {
            for (std::size_t i = 0; i < bins; ++i) prod[i] = std::conj(X[i]) * Y[i];
            plan->inverse(prod.data(), back.data());
            const double scale = 1.0 / double(fft_n);
            for (std::size_t li = 0; li < lags; ++li) {
                const long k = opt.min_lag + long(li);
                // Lags beyond the sequences' extent have no overlap at all.
                if (k <= -long(nv) || k >= long(na)) continue;
                const std::size_t idx = k >= 0 ? std::size_t(k) : fft_n - std::size_t(-k);
                m[li].*field = back[idx] * scale;
            }
        };
        correlate(Vm, Am, &xcorr_impl::moments::n);
        correlate(V1, Am, &xcorr_impl::moments::sv);
        correlate(V2, Am, &xcorr_impl::moments::svv);
        correlate(Vm, A1, &xcorr_impl::moments::sa);
        correlate(Vm, A2, &xcorr_impl::moments::saa);
        correlate(V1, A1, &xcorr_impl::moments::sva);
        for (auto& s : m) s.n = std::round(s.n);  // a count: remove FFT rounding noise
    }

    for (std::size_t li = 0; li < lags; ++li) {
        const auto& s = m[li];
        c.overlap[li] = s.n > 0 ? std::size_t(s.n) : 0;
        if (c.overlap[li] < std::max<std::size_t>(opt.min_overlap, 2) || v_const || a_const) continue;
        bool ok = false;
        double r;
        if (global) {
            r = s.sva / s.n;
            ok = true;
        } else {
            r = xcorr_impl::pearson(s, opt.min_std, ok);
        }
        if (ok && std::isfinite(r)) {
            c.score[li] = r;
            c.informative[li] = 1;
        }
    }
    return c;
}

/// Replaces each Pearson score r (from n overlapping pairs) by Fisher's z statistic
/// atanh(r) * sqrt(n - 3): under "no correlation" it is roughly standard normal whatever n, so lags
/// with short overlaps (noisier r) no longer win the peak search by chance. (With autocorrelated
/// sequences the effective n is smaller, which scales all lags alike and leaves the ranking.)
inline correlation_curve fisher_z(const correlation_curve& c) {
    correlation_curve z = c;
    for (std::size_t i = 0; i < c.size(); ++i) {
        if (!c.informative[i] || c.overlap[i] < 4) {
            z.score[i] = 0;
            z.informative[i] = 0;
            continue;
        }
        const double r = std::clamp(c.score[i], -0.999999, 0.999999);
        z.score[i] = std::atanh(r) * std::sqrt(double(c.overlap[i]) - 3.0);
    }
    return z;
}

/// Multi-dimensional sequences, shape (time, dims), the same dims on both sides: the mean of the
/// per-dimension curves (each dimension normalised on its own). A lag is informative when at least
/// one dimension is; uninformative dimensions do not count in the mean.
template <class T>
correlation_curve normalized_xcorr(const tensor<T, 2>& video, const tensor<T, 2>& audio, const NccOptions& opt = {}) {
    const std::size_t dims = video.shape()[1];
    SYNCDSP_REQUIRE(dims == audio.shape()[1] && dims > 0, "xcorr", "feature dimensions differ (video ", dims,
                    ", audio ", audio.shape()[1], ")");
    correlation_curve sum;
    std::vector<double> count;
    std::vector<T> vcol(video.shape()[0]), acol(audio.shape()[0]);
    for (std::size_t d = 0; d < dims; ++d) {
        for (std::size_t t = 0; t < vcol.size(); ++t) vcol[t] = video(t, d);
        for (std::size_t t = 0; t < acol.size(); ++t) acol[t] = audio(t, d);
        const auto c = normalized_xcorr(vcol.data(), vcol.size(), acol.data(), acol.size(), opt);
        if (d == 0) {
            sum = c;
            std::fill(sum.score.begin(), sum.score.end(), 0.0);
            count.assign(c.size(), 0.0);
        }
        for (std::size_t i = 0; i < c.size(); ++i) {
            if (!c.informative[i]) continue;
            sum.score[i] += c.score[i];
            count[i] += 1;
            sum.informative[i] = 1;
            sum.overlap[i] = std::max(sum.overlap[i], c.overlap[i]);
        }
    }
    for (std::size_t i = 0; i < sum.size(); ++i) sum.score[i] = count[i] > 0 ? sum.score[i] / count[i] : 0.0;
    return sum;
}

}  // namespace syncdsp::sync
