// syncdsp/audio/spectrum_kernels.hpp - run-time dispatch of the float STFT/MFCC kernels
// (spectrum_kernels-inl.hpp) to the best instruction set of the CPU (AVX-512, AVX2, SSE4, SSSE3,
// scalar), so a default (portable) build runs them as fast as a native one. Wiring as in
// syncdsp/nn/gemm.hpp: the table is a function-local static of an inline function (one definition
// program-wide), not HWY_EXPORT's `static` table.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "syncdsp/audio/spectrum_kernel_set.hpp"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "syncdsp/audio/spectrum_kernels-inl.hpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>
#include <hwy/targets.h>

#include "syncdsp/audio/spectrum_kernels-inl.hpp"
#undef HWY_TARGET_INCLUDE  // leave no trace for the includer's own foreach_target use

namespace syncdsp::audio::impl {

using spectrum_kernel_fn = const spectrum_kernel_set* (*)();

/// The kernels compiled for the best target in `targets` (a HWY_* bit mask).
inline const spectrum_kernel_set* spectrum_kernels_for(std::int64_t targets) {
#if (HWY_TARGETS & (HWY_TARGETS - 1)) == 0  // one target compiled
    (void)targets;
    return HWY_STATIC_DISPATCH(spectrum_kernels)();
#else
    static const spectrum_kernel_fn table[HWY_MAX_DYNAMIC_TARGETS + 2] = {
        nullptr, HWY_CHOOSE_TARGET_LIST(spectrum_kernels), HWY_CHOOSE_FALLBACK(spectrum_kernels)};
    hwy::ChosenTarget chosen;
    chosen.Update(targets);
    const spectrum_kernel_fn k = table[chosen.GetIndex()];
    return k ? k() : HWY_STATIC_DISPATCH(spectrum_kernels)();
#endif
}

/// The kernels for this CPU, chosen once.
inline const spectrum_kernel_set* best_spectrum_kernels() {
    static const spectrum_kernel_set* const k = spectrum_kernels_for(hwy::SupportedTargets());
    return k;
}

}  // namespace syncdsp::audio::impl
