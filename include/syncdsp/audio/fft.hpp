// syncdsp/audio/fft.hpp - real FFTs through FFTW with a thread-safe plan cache.
//
// FFTW's planner is not thread-safe, its executor is. So plans are made once per (precision, size)
// under one global mutex (FFTW_ESTIMATE, no timing, deterministic) and kept in a small bounded
// cache; execution uses FFTW's new-array interface on the caller's buffers, which is safe from any
// number of threads at once. Each size gets two plans: one for 16-byte aligned buffers (SIMD) and
// one planned with FFTW_UNALIGNED, chosen at execution time from the buffers' alignment.
//
//   auto plan = syncdsp::audio::rfft_plan<float>::get(512);
//   plan->execute(frame, spectrum);        // 512 reals -> 257 complex bins, unnormalised
//   plan->inverse(spectrum, frame);        // 257 bins -> 512 reals, scaled by 512 (FFTW convention)
//
// The cache holds at most SYNCDSP_FFT_CACHE_SIZE sizes per precision (least recently used first
// out); a plan handed out stays valid as long as the caller keeps its shared_ptr.
//
// Planning effort: FFTW_ESTIMATE by default (instant, deterministic). set_fft_effort(
// fft_effort::measure) makes plans created afterwards with FFTW_MEASURE: planning then times
// candidate algorithms (milliseconds per size) and the transforms run ~25 % faster here (512-point
// float r2c: 0.42 vs 0.58 us), at the price of a plan, hence last-bit rounding, that can differ
// between runs and machines.
#pragma once

#include <atomic>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <new>
#include <type_traits>
#include <utility>

#include <fftw3.h>

#include "syncdsp/core/error.hpp"

#ifndef SYNCDSP_FFT_CACHE_SIZE
#define SYNCDSP_FFT_CACHE_SIZE 64
#endif

namespace syncdsp::audio {

/// How hard FFTW plans (see the header comment).
enum class fft_effort { estimate, measure };

namespace impl {

inline std::atomic<int>& fft_effort_flag() {
    static std::atomic<int> e{0};
    return e;
}

/// The one lock around every FFTW planner call (plan creation and destruction), both precisions.
inline std::recursive_mutex& fftw_planner_mutex() {
    static std::recursive_mutex m;
    return m;
}

template <class T>
struct fftw_api;

template <>
struct fftw_api<float> {
    using plan = fftwf_plan;
    using cpx = fftwf_complex;
    static void* malloc(std::size_t n) { return fftwf_malloc(n); }
    static void free(void* p) { fftwf_free(p); }
    static plan r2c(int n, float* in, cpx* out, unsigned f) { return fftwf_plan_dft_r2c_1d(n, in, out, f); }
    static plan c2r(int n, cpx* in, float* out, unsigned f) { return fftwf_plan_dft_c2r_1d(n, in, out, f); }
    static plan c2c(int n, cpx* in, cpx* out, unsigned f) { return fftwf_plan_dft_1d(n, in, out, FFTW_FORWARD, f); }
    static void exec_r2c(plan p, float* in, cpx* out) { fftwf_execute_dft_r2c(p, in, out); }
    static void exec_c2c(plan p, cpx* in, cpx* out) { fftwf_execute_dft(p, in, out); }
    static void exec_c2r(plan p, cpx* in, float* out) { fftwf_execute_dft_c2r(p, in, out); }
    static void destroy(plan p) { fftwf_destroy_plan(p); }
    static int alignment_of(const float* p) { return fftwf_alignment_of(const_cast<float*>(p)); }
};

template <>
struct fftw_api<double> {
    using plan = fftw_plan;
    using cpx = fftw_complex;
    static void* malloc(std::size_t n) { return fftw_malloc(n); }
    static void free(void* p) { fftw_free(p); }
    static plan r2c(int n, double* in, cpx* out, unsigned f) { return fftw_plan_dft_r2c_1d(n, in, out, f); }
    static plan c2r(int n, cpx* in, double* out, unsigned f) { return fftw_plan_dft_c2r_1d(n, in, out, f); }
    static plan c2c(int n, cpx* in, cpx* out, unsigned f) { return fftw_plan_dft_1d(n, in, out, FFTW_FORWARD, f); }
    static void exec_r2c(plan p, double* in, cpx* out) { fftw_execute_dft_r2c(p, in, out); }
    static void exec_c2c(plan p, cpx* in, cpx* out) { fftw_execute_dft(p, in, out); }
    static void exec_c2r(plan p, cpx* in, double* out) { fftw_execute_dft_c2r(p, in, out); }
    static void destroy(plan p) { fftw_destroy_plan(p); }
    static int alignment_of(const double* p) { return fftw_alignment_of(const_cast<double*>(p)); }
};

}  // namespace impl

/// Sets the planning effort for plans made from now on (plans already cached keep theirs).
inline void set_fft_effort(fft_effort e) { impl::fft_effort_flag().store(e == fft_effort::measure ? 1 : 0); }
inline fft_effort get_fft_effort() { return impl::fft_effort_flag().load() ? fft_effort::measure : fft_effort::estimate; }

/// A SIMD-aligned buffer (fftw_malloc) of n values, value-initialised. Move-only.
template <class T>
class aligned_buffer {
public:
    aligned_buffer() = default;
    explicit aligned_buffer(std::size_t n) : n_(n) {
        if (n == 0) return;
        if (n > static_cast<std::size_t>(-1) / sizeof(T))
            detail::throw_invalid_argument("fft", "buffer of ", n, " values is too large");
        p_ = static_cast<T*>(fftw_malloc(n * sizeof(T)));
        if (!p_) throw std::bad_alloc();
        for (std::size_t i = 0; i < n; ++i) new (p_ + i) T();
    }
    aligned_buffer(aligned_buffer&& o) noexcept : p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)) {}
    aligned_buffer& operator=(aligned_buffer&& o) noexcept {
        if (this != &o) {
            release();
            p_ = std::exchange(o.p_, nullptr);
            n_ = std::exchange(o.n_, 0);
        }
        return *this;
    }
    aligned_buffer(const aligned_buffer&) = delete;
    aligned_buffer& operator=(const aligned_buffer&) = delete;
    ~aligned_buffer() { release(); }

    T* data() noexcept { return p_; }
    const T* data() const noexcept { return p_; }
    std::size_t size() const noexcept { return n_; }
    T& operator[](std::size_t i) noexcept { return p_[i]; }
    const T& operator[](std::size_t i) const noexcept { return p_[i]; }
    T* begin() noexcept { return p_; }
    T* end() noexcept { return p_ + n_; }

private:
    void release() noexcept {
        if (p_) fftw_free(p_);
        p_ = nullptr;
        n_ = 0;
    }
    T* p_ = nullptr;
    std::size_t n_ = 0;
};

/// Largest transform size accepted (FFTW takes an int).
inline constexpr std::size_t max_fft_size = std::size_t(1) << 30;

/// Real-to-complex FFT of size n (and its inverse), T = float or double. Get one with get(n).
template <class T>
class rfft_plan {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "rfft_plan<float|double>");
    using api = impl::fftw_api<T>;

public:
    /// The cached plan for size n (made on first use, under the global planner lock).
    static std::shared_ptr<const rfft_plan> get(std::size_t n) {
        if (n == 0 || n > max_fft_size)
            detail::throw_invalid_argument("fft", "transform size n=", n, " must be in [1, ", max_fft_size, "]");
        std::shared_ptr<const rfft_plan> evicted;  // destroyed after the cache lock is released
        std::lock_guard<std::recursive_mutex> lock(impl::fftw_planner_mutex());
        auto& c = cache();
        const fft_effort effort = get_fft_effort();
        for (auto it = c.begin(); it != c.end(); ++it) {
            if ((*it)->n_ == n && (*it)->effort_ == effort) {
                c.splice(c.begin(), c, it);  // most recently used first
                return c.front();
            }
        }
        std::shared_ptr<const rfft_plan> p(new rfft_plan(n, effort));
        c.push_front(p);
        if (c.size() > std::size_t(SYNCDSP_FFT_CACHE_SIZE)) {
            evicted = std::move(c.back());
            c.pop_back();
        }
        return p;
    }

    /// Number of sizes currently cached for this precision.
    static std::size_t cached_sizes() {
        std::lock_guard<std::recursive_mutex> lock(impl::fftw_planner_mutex());
        return cache().size();
    }

    std::size_t size() const noexcept { return n_; }
    /// Number of complex bins of the half spectrum, n/2 + 1.
    std::size_t bins() const noexcept { return n_ / 2 + 1; }

    /// Forward transform: in[0..n) -> out[0..n/2], X_k = sum_j x_j e^{-2 pi i jk/n}. `in` is not
    /// modified; `in` and `out` must not overlap.
    void execute(const T* in, std::complex<T>* out) const {
        check_buffers(in, out);
        auto* o = reinterpret_cast<typename api::cpx*>(out);
        const bool aligned = api::alignment_of(in) == 0 && api::alignment_of(reinterpret_cast<T*>(out)) == 0;
        // FFTW's r2c plans never write to their input (FFTW manual, "Planner Flags").
        api::exec_r2c(aligned ? fwd_aligned_ : fwd_unaligned_, const_cast<T*>(in), o);
    }

    /// Inverse transform: in[0..n/2] -> out[0..n), unnormalised (the result is n times the
    /// original signal). `in` is preserved (plans use FFTW_PRESERVE_INPUT); no overlap allowed.
    void inverse(const std::complex<T>* in, T* out) const {
        check_buffers(out, in);
        auto* i = reinterpret_cast<typename api::cpx*>(const_cast<std::complex<T>*>(in));
        const bool aligned = api::alignment_of(out) == 0 && api::alignment_of(reinterpret_cast<const T*>(in)) == 0;
        api::exec_c2r(aligned ? inv_aligned_ : inv_unaligned_, i, out);
    }

    ~rfft_plan() {
        std::lock_guard<std::recursive_mutex> lock(impl::fftw_planner_mutex());
        for (auto p : {fwd_aligned_, fwd_unaligned_})
            if (p) api::destroy(p);
        for (auto p : {inv_aligned_, inv_unaligned_})
            if (p) api::destroy(p);
    }
    rfft_plan(const rfft_plan&) = delete;
    rfft_plan& operator=(const rfft_plan&) = delete;

private:
    rfft_plan(std::size_t n, fft_effort effort) : n_(n), effort_(effort) {
        // Called with the planner lock held, on scratch arrays (FFTW_MEASURE overwrites them).
        aligned_buffer<T> re(n + 2);
        aligned_buffer<std::complex<T>> cx(n / 2 + 2);
        auto* c = reinterpret_cast<typename api::cpx*>(cx.data());
        const int in = static_cast<int>(n);
        const unsigned est = effort == fft_effort::measure ? FFTW_MEASURE : FFTW_ESTIMATE;
        fwd_aligned_ = api::r2c(in, re.data(), c, est);
        fwd_unaligned_ = api::r2c(in, re.data(), c, est | FFTW_UNALIGNED);
        inv_aligned_ = api::c2r(in, c, re.data(), est | FFTW_PRESERVE_INPUT);
        inv_unaligned_ = api::c2r(in, c, re.data(), est | FFTW_PRESERVE_INPUT | FFTW_UNALIGNED);
        if (!fwd_aligned_ || !fwd_unaligned_ || !inv_aligned_ || !inv_unaligned_) {
            for (auto p : {fwd_aligned_, fwd_unaligned_, inv_aligned_, inv_unaligned_})
                if (p) api::destroy(p);
            detail::throw_unsupported("fft", "FFTW could not plan a real transform of size ", n);
        }
    }

    void check_buffers(const T* real, const std::complex<T>* cpx) const {
        SYNCDSP_REQUIRE(real != nullptr && cpx != nullptr, "fft", "null buffer passed to an FFT of size ", n_);
        const auto r0 = reinterpret_cast<std::uintptr_t>(real), r1 = r0 + n_ * sizeof(T);
        const auto c0 = reinterpret_cast<std::uintptr_t>(cpx), c1 = c0 + bins() * sizeof(std::complex<T>);
        SYNCDSP_REQUIRE(r1 <= c0 || c1 <= r0, "fft", "in-place or overlapping buffers are not supported (size ", n_, ")");
    }

    static std::list<std::shared_ptr<const rfft_plan>>& cache() {
        static std::list<std::shared_ptr<const rfft_plan>> c;
        return c;
    }

    std::size_t n_;
    fft_effort effort_;
    typename api::plan fwd_aligned_ = nullptr, fwd_unaligned_ = nullptr;
    typename api::plan inv_aligned_ = nullptr, inv_unaligned_ = nullptr;
};

/// Forward complex-to-complex FFT of size n, T = float or double, cached like rfft_plan. The STFT
/// uses it to transform two real frames at once (one as the real part, one as the imaginary part):
/// FFTW's SIMD complex codelets make that about twice as fast as two real transforms here
/// (docs/audio.md, "Speed").
template <class T>
class cfft_plan {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "cfft_plan<float|double>");
    using api = impl::fftw_api<T>;

public:
    /// The cached plan for size n (made on first use, under the global planner lock).
    static std::shared_ptr<const cfft_plan> get(std::size_t n) {
        if (n == 0 || n > max_fft_size)
            detail::throw_invalid_argument("fft", "transform size n=", n, " must be in [1, ", max_fft_size, "]");
        std::shared_ptr<const cfft_plan> evicted;  // destroyed after the cache lock is released
        std::lock_guard<std::recursive_mutex> lock(impl::fftw_planner_mutex());
        auto& c = cache();
        const fft_effort effort = get_fft_effort();
        for (auto it = c.begin(); it != c.end(); ++it) {
            if ((*it)->n_ == n && (*it)->effort_ == effort) {
                c.splice(c.begin(), c, it);
                return c.front();
            }
        }
        std::shared_ptr<const cfft_plan> p(new cfft_plan(n, effort));
        c.push_front(p);
        if (c.size() > std::size_t(SYNCDSP_FFT_CACHE_SIZE)) {
            evicted = std::move(c.back());
            c.pop_back();
        }
        return p;
    }

    std::size_t size() const noexcept { return n_; }

    /// out[k] = sum_j in[j] e^{-2 pi i jk/n}, k = 0..n-1, unnormalised. `in` is not modified
    /// (out-of-place complex plans preserve their input); the buffers must not overlap.
    void execute(const std::complex<T>* in, std::complex<T>* out) const {
        SYNCDSP_REQUIRE(in != nullptr && out != nullptr, "fft", "null buffer passed to an FFT of size ", n_);
        const auto i0 = reinterpret_cast<std::uintptr_t>(in), o0 = reinterpret_cast<std::uintptr_t>(out);
        const std::size_t bytes = n_ * sizeof(std::complex<T>);
        SYNCDSP_REQUIRE(i0 + bytes <= o0 || o0 + bytes <= i0, "fft", "in-place or overlapping buffers are not supported (size ", n_, ")");
        auto* ci = reinterpret_cast<typename api::cpx*>(const_cast<std::complex<T>*>(in));
        auto* co = reinterpret_cast<typename api::cpx*>(out);
        const bool aligned = api::alignment_of(reinterpret_cast<const T*>(in)) == 0 &&
                             api::alignment_of(reinterpret_cast<const T*>(out)) == 0;
        api::exec_c2c(aligned ? aligned_ : unaligned_, ci, co);
    }

    ~cfft_plan() {
        std::lock_guard<std::recursive_mutex> lock(impl::fftw_planner_mutex());
        for (auto p : {aligned_, unaligned_})
            if (p) api::destroy(p);
    }
    cfft_plan(const cfft_plan&) = delete;
    cfft_plan& operator=(const cfft_plan&) = delete;

private:
    cfft_plan(std::size_t n, fft_effort effort) : n_(n), effort_(effort) {
        aligned_buffer<std::complex<T>> a(n), b(n);  // scratch: FFTW_MEASURE overwrites them
        auto* ca = reinterpret_cast<typename api::cpx*>(a.data());
        auto* cb = reinterpret_cast<typename api::cpx*>(b.data());
        const unsigned est = effort == fft_effort::measure ? FFTW_MEASURE : FFTW_ESTIMATE;
        aligned_ = api::c2c(static_cast<int>(n), ca, cb, est);
        unaligned_ = api::c2c(static_cast<int>(n), ca, cb, est | FFTW_UNALIGNED);
        if (!aligned_ || !unaligned_) {
            for (auto p : {aligned_, unaligned_})
                if (p) api::destroy(p);
            detail::throw_unsupported("fft", "FFTW could not plan a complex transform of size ", n);
        }
    }

    static std::list<std::shared_ptr<const cfft_plan>>& cache() {
        static std::list<std::shared_ptr<const cfft_plan>> c;
        return c;
    }

    std::size_t n_;
    fft_effort effort_;
    typename api::plan aligned_ = nullptr, unaligned_ = nullptr;
};

}  // namespace syncdsp::audio
