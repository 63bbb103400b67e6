// syncdsp/vision/farneback.hpp - Gunnar Farneback's dense optical flow, reproducing OpenCV 4.6's
// calcOpticalFlowFarneback (same parameters, same numbers to ~1e-4 px), without OpenCV.
//
// Outline (docs/vision.md has the full description):
//  1. Pyramid: the number of coarser levels is the number of times the size can be multiplied by
//     pyr_scale (up to `levels` times) while both sides stay >= 32 px. A small image therefore gets
//     fewer levels (an image under 64 px per side with pyr_scale 0.5 is processed at full
//     resolution only) -- levels are clamped, never an error.
//  2. Every level is rebuilt from the full-resolution frames: Gaussian blur with
//     sigma = (1/scale - 1)/2 and size max(3, round(5 sigma) | 1) (reflect-101 border; level 0 gets
//     the 3-tap [1/4 1/2 1/4]), then bilinear resize to round(W*scale) x round(H*scale).
//  3. Polynomial expansion: each pixel's neighbourhood (2 poly_n + 1)^2 is fitted, in the weighted
//     least-squares sense with Gaussian weights of sigma poly_sigma, by a quadratic
//     c + b.(x,y) + (x,y) A (x,y)^T. Done with separable 1-D sums and the inverse of the 6x6 Gram matrix.
//  4. For the current flow d, the displacement equation A d = db at every pixel (A averaged from
//     both frames, the second frame's expansion sampled bilinearly at x + d) becomes the normal
//     equations A^T A, A^T db, tapered near the border; these five planes are averaged over the
//     window (box of size winsize, or Gaussian of sigma 0.3 * (winsize/2)) and solved per pixel with
//     a 1e-3 regulariser on the determinant. Repeated `iterations` times per level.
//  5. The flow is upsampled bilinearly (times 1/pyr_scale) to the next finer level.
//
// Flow layout: a 2-channel float image (dx, dy) such that next(x + dx, y + dy) ~ prev(x, y).
// Inputs: 8-bit or float single-channel images (float keeps the 0..255 scale; the regulariser
// is absolute, so scaling the intensities changes the result, exactly as in OpenCV).
//
// Speed: float separable passes over structure-of-arrays rows, vectorised across pixels and
// compiled for the build's baseline and (x86-64, GCC/Clang) for AVX2+FMA and AVX-512, the best
// one chosen at run time from Highway's CPU detection (farneback_kernels-inl.hpp), so a default
// (portable) build runs about as fast as a -march=native one; no allocation once a
// farneback_engine has seen a frame size; optional row-stripe threads. Define
// SYNCDSP_FARNEBACK_BASELINE_ONLY to compile the baseline kernels alone.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/core/parallel.hpp"
#include "syncdsp/vision/farneback_kernels.hpp"
#include "syncdsp/vision/filter.hpp"
#include "syncdsp/vision/image.hpp"
#include "syncdsp/vision/resize.hpp"

// The hot loops, compiled for the build's baseline and, on x86-64 with GCC or Clang, for AVX2+FMA
// and AVX-512 too; chosen at run time below from Highway's CPU detection. Only hwy/targets.h (not
// hwy/highway.h, whose per-target part nn/gemm.hpp's foreach_target pass must be the first to
// open): the instruction sets are those Highway requires for its HWY_AVX2 and HWY_AVX3 bits, set
// with its HWY_PUSH_ATTRIBUTES (#pragma GCC target / clang attribute push).
#include <hwy/targets.h>

#include "syncdsp/vision/farneback_kernels-inl.hpp"  // its includes only

#define SYNCDSP_FARNEBACK_TARGET baseline
#define SYNCDSP_FARNEBACK_TARGET_NAME "baseline"
#include "syncdsp/vision/farneback_kernels-inl.hpp"
#undef SYNCDSP_FARNEBACK_TARGET
#undef SYNCDSP_FARNEBACK_TARGET_NAME

#if HWY_ARCH_X86_64 && (HWY_COMPILER_GCC || HWY_COMPILER_CLANG) && !defined(SYNCDSP_FARNEBACK_BASELINE_ONLY)
#define SYNCDSP_FARNEBACK_DISPATCH 1
HWY_PUSH_ATTRIBUTES("sse2,ssse3,sse4.1,sse4.2,popcnt,avx,avx2,bmi,bmi2,fma,f16c")
#define SYNCDSP_FARNEBACK_TARGET avx2
#define SYNCDSP_FARNEBACK_TARGET_NAME "AVX2"
#include "syncdsp/vision/farneback_kernels-inl.hpp"
#undef SYNCDSP_FARNEBACK_TARGET
#undef SYNCDSP_FARNEBACK_TARGET_NAME
HWY_POP_ATTRIBUTES
HWY_PUSH_ATTRIBUTES("sse2,ssse3,sse4.1,sse4.2,popcnt,avx,avx2,bmi,bmi2,fma,f16c,avx512f,avx512vl,avx512dq,avx512bw")
#define SYNCDSP_FARNEBACK_TARGET avx3
#define SYNCDSP_FARNEBACK_TARGET_NAME "AVX3"
#include "syncdsp/vision/farneback_kernels-inl.hpp"
#undef SYNCDSP_FARNEBACK_TARGET
#undef SYNCDSP_FARNEBACK_TARGET_NAME
HWY_POP_ATTRIBUTES
#else
#define SYNCDSP_FARNEBACK_DISPATCH 0
#endif

namespace syncdsp::vision {

/// Parameters of calcOpticalFlowFarneback, same names and meanings.
struct FarnebackOptions {
    double pyr_scale = 0.5;   ///< size ratio between pyramid levels, in (0, 1)
    int levels = 3;           ///< number of coarser levels wanted (clamped by the 32 px rule)
    int winsize = 15;         ///< averaging window side (pixels)
    int iterations = 3;       ///< solver iterations per level
    int poly_n = 5;           ///< neighbourhood radius of the polynomial expansion (5 or 7 usual; 1..10)
    double poly_sigma = 1.2;  ///< sigma of the expansion weights (0: 0.3 * poly_n)
    bool gaussian = false;    ///< OPTFLOW_FARNEBACK_GAUSSIAN: Gaussian window instead of a box
    bool use_initial_flow = false;  ///< OPTFLOW_USE_INITIAL_FLOW: start from the flow passed in
    unsigned threads = 1;     ///< worker threads (row stripes); 0 = all hardware threads

    /// The parameters most projects (and the CS6540 seed) pass to OpenCV: (0.5, 3, 15, 3, 5, 1.2, 0).
    static FarnebackOptions opencv() { return {}; }
    /// poly_n 7, poly_sigma 1.5, as OpenCV's documentation recommends for larger neighbourhoods.
    static FarnebackOptions opencv_poly7() {
        FarnebackOptions o;
        o.poly_n = 7;
        o.poly_sigma = 1.5;
        return o;
    }
    void validate() const {
        SYNCDSP_REQUIRE(std::isfinite(pyr_scale) && pyr_scale > 0 && pyr_scale < 1, "farneback",
                        "pyr_scale must be in (0, 1), got ", pyr_scale);
        SYNCDSP_REQUIRE(levels >= 0 && levels <= 64, "farneback", "levels must be in 0..64, got ", levels);
        SYNCDSP_REQUIRE(winsize >= 1 && winsize <= 255, "farneback", "winsize must be in 1..255, got ", winsize);
        SYNCDSP_REQUIRE(iterations >= 1 && iterations <= 1000, "farneback", "iterations must be in 1..1000, got ",
                        iterations);
        SYNCDSP_REQUIRE(poly_n >= 1 && poly_n <= 10, "farneback", "poly_n must be in 1..10 (5 or 7 usual), got ", poly_n);
        SYNCDSP_REQUIRE(std::isfinite(poly_sigma) && poly_sigma >= 0 && poly_sigma <= 100, "farneback",
                        "poly_sigma must be in [0, 100], got ", poly_sigma);
        SYNCDSP_REQUIRE(threads <= 256, "farneback", "threads must be <= 256, got ", threads);
    }
    /// The flow parameters alone (what changes the numbers; threads do not), e.g. for a caller's
    /// own to_string.
    std::string parameters() const {
        std::ostringstream s;
        s << "pyr_scale=" << pyr_scale << ", levels=" << levels << ", winsize=" << winsize
          << ", iterations=" << iterations << ", poly_n=" << poly_n << ", poly_sigma=" << poly_sigma
          << (gaussian ? ", gaussian" : ", box") << (use_initial_flow ? ", initial flow" : "");
        return s.str();
    }
    std::string to_string() const { return "FarnebackOptions{" + parameters() + ", threads=" + std::to_string(threads) + "}"; }
};

/// Number of coarser pyramid levels OpenCV actually uses for a width x height input.
inline int farneback_levels_used(std::size_t width, std::size_t height, const FarnebackOptions& o) {
    constexpr double min_size = 32;
    double scale = 1;
    int k = 0;
    for (; k < o.levels; ++k) {
        scale *= o.pyr_scale;
        if (double(width) * scale < min_size || double(height) * scale < min_size) break;
    }
    return k;
}

namespace impl {

/// The kernels for the best target in `targets` (a mask of HWY_* bits: hwy::SupportedTargets(),
/// or one target for tests): AVX3 (AVX-512 F/VL/DQ/BW), else AVX2 (with FMA), else the build's
/// baseline (SSE2 by default, or whatever -march gave).
inline const farneback_kernel_set* farneback_kernels_for(std::int64_t targets) {
#if SYNCDSP_FARNEBACK_DISPATCH
    if (targets & HWY_AVX3) return avx3::kernels();
    if (targets & HWY_AVX2) return avx2::kernels();
#else
    (void)targets;
#endif
    return baseline::kernels();
}

/// The distinct kernel sets this build compiled and this CPU can run, best first (for tests).
inline std::vector<const farneback_kernel_set*> farneback_runnable_kernels() {
    std::vector<const farneback_kernel_set*> v;
#if SYNCDSP_FARNEBACK_DISPATCH
    const std::int64_t cpu = hwy::SupportedTargets();
    if (cpu & HWY_AVX3) v.push_back(avx3::kernels());
    if (cpu & HWY_AVX2) v.push_back(avx2::kernels());
#endif
    v.push_back(baseline::kernels());
    return v;
}

/// The kernels for this CPU, chosen once.
inline const farneback_kernel_set* farneback_best_kernels() {
    static const farneback_kernel_set* const k = farneback_kernels_for(hwy::SupportedTargets());
    return k;
}

}  // namespace impl

/// A reusable Farneback solver: keeps its buffers between calls, so a video is processed without
/// allocation after the first pair. Not thread-safe itself (use one engine per thread), but each
/// call can use several threads (options.threads).
class farneback_engine {
public:
    explicit farneback_engine(FarnebackOptions o = FarnebackOptions::opencv())
        : farneback_engine(o, impl::farneback_best_kernels()) {}
    /// With the kernels of one given SIMD target (impl::farneback_kernels_for; tests run every
    /// target through this).
    farneback_engine(FarnebackOptions o, const impl::farneback_kernel_set* kernels) : opt_(o), k_(kernels) {
        opt_.validate();
        SYNCDSP_REQUIRE(k_ != nullptr, "farneback", "no kernels given");
    }
    const FarnebackOptions& options() const { return opt_; }
    /// The SIMD target whose kernels this engine runs, e.g. "AVX3" (for logs and benchmarks).
    const char* simd_target() const { return k_->target; }

    /// Flow from prev to next (same size, 1 channel, u8 or float) into `flow` (resized to W x H x 2).
    /// With options().use_initial_flow, `flow` must already hold a W x H x 2 initial flow.
    template <class T>
    void compute(image_view<const T> prev, image_view<const T> next, image<float>& flow) {
        static_assert(std::is_same_v<T, std::uint8_t> || std::is_same_v<T, float>,
                      "farneback: input must be 8-bit or float");
        require_image(prev, "farneback", 1);
        require_image(next, "farneback", 1);
        SYNCDSP_REQUIRE(prev.width == next.width && prev.height == next.height, "farneback",
                        "frames differ in size: ", prev.width, "x", prev.height, " vs ", next.width, "x", next.height);
        const long W = long(prev.width), H = long(prev.height);
        if (opt_.use_initial_flow) {
            SYNCDSP_REQUIRE(flow.width() == prev.width && flow.height() == prev.height && flow.channels() == 2,
                            "farneback", "initial flow must be ", W, "x", H, "x2, got ", flow.width(), "x",
                            flow.height(), "x", flow.channels());
            require_finite(flow.data(), flow.size(), "farneback", "initial flow");
            initial_ = flow;
        }
        if constexpr (std::is_same_v<T, float>) {
            for (std::size_t y = 0; y < prev.height; ++y) {
                require_finite(prev.row(y), prev.width, "farneback", "prev frame");
                require_finite(next.row(y), next.width, "farneback", "next frame");
            }
        }
        to_float(prev, full_[0]);
        to_float(next, full_[1]);
        const int L = farneback_levels_used(prev.width, prev.height, opt_);
        // Streaming: when this call's first frame is the previous call's second frame (same pixels,
        // same expansion parameters), its polynomial expansions are already known at every level.
        const bool reuse = cache_valid_ && cache_L_ == L && cache_n_ == opt_.poly_n &&
                           cache_sigma_ == opt_.poly_sigma && cache_scale_ == opt_.pyr_scale &&
                           last_next_.width() == prev.width && last_next_.height() == prev.height &&
                           std::equal(full_[0].data(), full_[0].data() + full_[0].size(), last_next_.data());
        cache_valid_ = false;  // until this call completes
        if (Rlev_[0].size() < std::size_t(L + 1)) Rlev_[0].resize(std::size_t(L + 1));
        if (Rlev_[1].size() < std::size_t(L + 1)) Rlev_[1].resize(std::size_t(L + 1));
        if (reuse) std::swap(Rlev_[0], Rlev_[1]);
        if (basis_.n != opt_.poly_n || basis_sigma_ != opt_.poly_sigma) {
            basis_ = impl::make_poly_basis(opt_.poly_n, opt_.poly_sigma);
            basis_sigma_ = opt_.poly_sigma;
        }
        const long m = opt_.winsize / 2;
        if (opt_.gaussian) gwin_ = impl::window_gaussian(m);
        const unsigned threads = opt_.threads == 0 ? default_thread_count() : opt_.threads;
        if (scratch_.size() < threads) scratch_.resize(threads);

        bool have_prev_level = false;
        for (int k = L; k >= 0; --k) {
            double scale = 1;
            for (int i = 0; i < k; ++i) scale *= opt_.pyr_scale;
            const double sigma = (1. / scale - 1) * 0.5;
            const int ksize = std::max(3, int(round_half_even(sigma * 5)) | 1);
            const long w = round_half_even(double(W) * scale), h = round_half_even(double(H) * scale);
            image<float>& cur = k > 0 ? level_flow_[k & 1] : flow;
            cur.reshape(std::size_t(w), std::size_t(h), 2);
            if (!have_prev_level) {
                if (opt_.use_initial_flow) {
                    resize_into(initial_.view(), cur.view(), interpolation::area);
                    for (std::size_t i = 0; i < cur.size(); ++i) cur.data()[i] = static_cast<float>(cur.data()[i] * scale);
                } else {
                    std::fill(cur.data(), cur.data() + cur.size(), 0.f);
                }
            } else {
                const image<float>& prevf = level_flow_[(k + 1) & 1];
                resize_into(prevf.view(), cur.view(), interpolation::linear);
                const double up = 1. / opt_.pyr_scale;
                for (std::size_t i = 0; i < cur.size(); ++i) cur.data()[i] = static_cast<float>(cur.data()[i] * up);
            }
            const std::vector<float> gk = gaussian_kernel(ksize, sigma);
            std::vector<float>* R[2] = {&Rlev_[0][std::size_t(k)], &Rlev_[1][std::size_t(k)]};
            for (int f = reuse ? 1 : 0; f < 2; ++f) {
                level_image(full_[f], gk, w, h, level_[f]);
                if (R[f]->size() < std::size_t(w * h * 5)) R[f]->resize(std::size_t(w * h * 5));
                float* dst = R[f]->data();
                stripes(h, threads, [&](unsigned t, long y0, long y1) {
                    k_->poly_expand_rows(level_[f].data(), dst, w, h, y0, y1, basis_, scratch_[t]);
                });
            }
            const float* R0 = R[0]->data();
            const float* R1 = R[1]->data();
            if (M_.size() < std::size_t(5 * w * h)) M_.resize(std::size_t(5 * w * h));
            auto update = [&]() {
                stripes(h, threads, [&](unsigned, long y0, long y1) {
                    k_->update_matrices_rows(R0, R1, cur.data(), M_.data(), w, h, y0, y1);
                });
            };
            update();
            for (int it = 0; it < opt_.iterations; ++it) {
                stripes(h, threads, [&](unsigned t, long y0, long y1) {
                    if (opt_.gaussian)
                        k_->gauss_solve_rows(M_.data(), cur.data(), w, h, gwin_, y0, y1, scratch_[t]);
                    else
                        k_->box_solve_rows(M_.data(), cur.data(), w, h, opt_.winsize, y0, y1, scratch_[t]);
                });
                if (it < opt_.iterations - 1) update();
            }
            if (k > 0) have_prev_level = true;
        }
        std::swap(last_next_, full_[1]);
        cache_valid_ = true;
        cache_L_ = L;
        cache_n_ = opt_.poly_n;
        cache_sigma_ = opt_.poly_sigma;
        cache_scale_ = opt_.pyr_scale;
    }

    /// Convenience overloads for owning images.
    template <class T>
    image<float> compute(const image<T>& prev, const image<T>& next) {
        image<float> flow;
        compute<T>(prev.view(), next.view(), flow);
        return flow;
    }

private:
    template <class T>
    static void to_float(image_view<const T> in, image<float>& out) {
        out.reshape(in.width, in.height, 1);
        for (std::size_t y = 0; y < in.height; ++y) {
            const T* s = in.row(y);
            float* d = out.row(y);
            for (std::size_t x = 0; x < in.width; ++x) d[x] = static_cast<float>(s[x]);
        }
    }

    /// Blur (reflect-101, kernel gk both ways) the full-resolution frame and resize it to w x h
    /// bilinearly. When the resize reads only some rows and columns (any ratio except 1 and exactly 2),
    /// the blur is evaluated only there -- same arithmetic per value, so the same numbers as blurring
    /// everything, at a fraction of the cost for the coarse levels.
    void level_image(const image<float>& src, const std::vector<float>& gk, long w, long h, image<float>& out) {
        const long W = long(src.width()), H = long(src.height());
        const long r = long(gk.size() / 2);
        out.reshape(std::size_t(w), std::size_t(h), 1);
        const bool same = W == w && H == h, half = W == 2 * w && H == 2 * h;
        // Columns and rows the resize needs (all of them for the identity and the 2x2 mean).
        cols_.clear();
        rows_.clear();
        col_of_.assign(std::size_t(W), -1);
        row_of_.assign(std::size_t(H), -1);
        impl::linear_axis ax, ay;
        if (same || half) {
            for (long x = 0; x < W; ++x) col_of_[std::size_t(x)] = x, cols_.push_back(x);
            for (long y = 0; y < H; ++y) row_of_[std::size_t(y)] = y, rows_.push_back(y);
        } else {
            ax = impl::linear_coefficients(W, w, false);
            ay = impl::linear_coefficients(H, h, false);
            for (long x = 0; x < w; ++x)
                for (long c : {ax.ofs[std::size_t(x)], std::min(ax.ofs[std::size_t(x)] + 1, W - 1)}) col_of_[std::size_t(c)] = 0;
            for (long y = 0; y < h; ++y)
                for (long c : {ay.ofs[std::size_t(y)], std::min(ay.ofs[std::size_t(y)] + 1, H - 1)}) row_of_[std::size_t(c)] = 0;
            for (long x = 0; x < W; ++x)
                if (col_of_[std::size_t(x)] == 0) col_of_[std::size_t(x)] = long(cols_.size()), cols_.push_back(x);
            for (long y = 0; y < H; ++y)
                if (row_of_[std::size_t(y)] == 0) row_of_[std::size_t(y)] = long(rows_.size()), rows_.push_back(y);
        }
        const long nc = long(cols_.size()), nr = long(rows_.size());
        // Source rows the vertical pass touches.
        need_.assign(std::size_t(H), 0);
        for (long y : rows_)
            for (long t = -r; t <= r; ++t) need_[std::size_t(reflect101(y + t, H))] = 1;
        tmp_.resize(std::size_t(H * nc));
        pad_.resize(std::size_t(W + 2 * r));
        taps_.resize(std::size_t(2 * r + 1));
        const bool dense = nc == W;
        for (long y = 0; y < H; ++y) {
            if (!need_[std::size_t(y)]) continue;
            const float* s = src.row(std::size_t(y));
            float* p = pad_.data() + r;
            std::copy(s, s + W, p);
            for (long x = 1; x <= r; ++x) {
                p[-x] = s[reflect101(-x, W)];
                p[W - 1 + x] = s[reflect101(W - 1 + x, W)];
            }
            float* d = tmp_.data() + y * nc;
            const float* q0 = pad_.data();
            if (dense) {
                for (long t = 0; t <= 2 * r; ++t) taps_[std::size_t(t)] = q0 + t;
                k_->weighted_sum(d, W, taps_.data(), gk.data(), 2 * r + 1);
            } else {
                for (long j = 0; j < nc; ++j) {
                    const float* q = q0 + cols_[std::size_t(j)];
                    float a = q[0] * gk[0];
                    for (long t = 1; t <= 2 * r; ++t) a += q[t] * gk[std::size_t(t)];
                    d[j] = a;
                }
            }
        }
        float* blurred = same ? out.data() : (blurred_.reshape(std::size_t(nc), std::size_t(nr), 1), blurred_.data());
        for (long i = 0; i < nr; ++i) {
            const long y = rows_[std::size_t(i)];
            float* d = blurred + i * nc;
            for (long t = 0; t <= 2 * r; ++t) taps_[std::size_t(t)] = tmp_.data() + reflect101(y - r + t, H) * nc;
            k_->weighted_sum(d, nc, taps_.data(), gk.data(), 2 * r + 1);
        }
        if (same) return;
        if (half) {
            resize_into(image_view<const float>(blurred_.view()), out.view(), interpolation::linear);
            return;
        }
        // Bilinear from the compact rows/columns (same arithmetic as resize_into).
        hrow_[0].resize(std::size_t(w));
        hrow_[1].resize(std::size_t(w));
        for (long y = 0; y < h; ++y) {
            const long sy = ay.ofs[std::size_t(y)], sy1 = std::min(sy + 1, H - 1);
            for (int k = 0; k < 2; ++k) {
                const float* srow = blurred_.data() + row_of_[std::size_t(k == 0 ? sy : sy1)] * nc;
                float* hr = hrow_[k].data();
                for (long x = 0; x < w; ++x) {
                    const long sx = ax.ofs[std::size_t(x)], sx1 = std::min(sx + 1, W - 1);
                    hr[x] = srow[col_of_[std::size_t(sx)]] * ax.w0[std::size_t(x)] +
                            srow[col_of_[std::size_t(sx1)]] * ax.w1[std::size_t(x)];
                }
            }
            const float b0 = ay.w0[std::size_t(y)], b1 = ay.w1[std::size_t(y)];
            float* d = out.row(std::size_t(y));
            for (long x = 0; x < w; ++x) d[x] = hrow_[0][std::size_t(x)] * b0 + hrow_[1][std::size_t(x)] * b1;
        }
    }

    template <class Body>
    void stripes(long h, unsigned threads, Body&& body) {
        const unsigned n = unsigned(std::min<long>(threads, std::max(1L, h / 8)));
        if (n <= 1) {
            body(0u, 0L, h);
            return;
        }
        parallel_for(n, n, [&](std::size_t b, std::size_t e) {
            for (std::size_t t = b; t < e; ++t) {
                const long y0 = long(t) * h / long(n), y1 = long(t + 1) * h / long(n);
                body(unsigned(t), y0, y1);
            }
        });
    }

    FarnebackOptions opt_;
    const impl::farneback_kernel_set* k_;
    impl::poly_basis basis_;
    double basis_sigma_ = -1;
    std::vector<float> gwin_;
    image<float> full_[2], level_[2], blurred_, initial_, level_flow_[2];
    std::vector<float> M_, tmp_, pad_, hrow_[2];
    std::vector<std::vector<float>> Rlev_[2];  // expansions per level of prev [0] and next [1]
    image<float> last_next_;                  // previous call's second frame (for reuse)
    bool cache_valid_ = false;
    int cache_L_ = -1, cache_n_ = -1;
    double cache_sigma_ = -1, cache_scale_ = -1;
    std::vector<long> cols_, rows_, col_of_, row_of_;
    std::vector<char> need_;
    std::vector<const float*> taps_;
    std::vector<impl::farneback_scratch> scratch_;
};

/// One-shot Farneback flow from prev to next (OpenCV's calcOpticalFlowFarneback). `initial` is
/// used only with options.use_initial_flow (then required, W x H x 2).
template <class T>
image<float> farneback_flow(image_view<const T> prev, image_view<const T> next,
                            const FarnebackOptions& options = FarnebackOptions::opencv(),
                            const image<float>* initial = nullptr) {
    farneback_engine engine(options);
    image<float> flow;
    if (options.use_initial_flow) {
        SYNCDSP_REQUIRE(initial != nullptr, "farneback", "use_initial_flow is set but no initial flow was given");
        flow = *initial;
    }
    engine.compute<T>(prev, next, flow);
    return flow;
}
template <class T>
image<float> farneback_flow(const image<T>& prev, const image<T>& next,
                            const FarnebackOptions& options = FarnebackOptions::opencv(),
                            const image<float>* initial = nullptr) {
    return farneback_flow<T>(prev.view(), next.view(), options, initial);
}

}  // namespace syncdsp::vision
