// syncdsp/sync/fusion.hpp - combining the correlation curves of several cue pairs into one.
//
// Each Pearson curve becomes Fisher's z statistic and the curves are summed Stouffer-style, so the
// fused curve keeps a statistical scale (about N(0,1) at a lag with no correlation) whatever the
// number of cues. Before fusing, a curve can be moved along its lags (shift_lags): that is how the
// search removes a cue pair's calibrated lead, so that pairs whose peaks sit at different lags for
// physiological reasons add up at the same lag.
#pragma once

#include <cmath>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/sync/xcorr.hpp"

namespace syncdsp::sync {

/// The curve moved along its lags: out(L) = c(L + shift), linearly interpolated between the two
/// neighbouring lags (both must be informative; the overlap is the smaller of the two). Lags whose
/// source falls outside the curve become uninformative. shift 0 returns the curve unchanged.
inline correlation_curve shift_lags(const correlation_curve& c, double shift) {
    SYNCDSP_REQUIRE(std::isfinite(shift) && std::fabs(shift) < 1e6, "fusion", "lag shift ", shift, " is not usable");
    if (shift == 0) return c;
    correlation_curve out = c;
    const long n = long(c.size());
    for (long i = 0; i < n; ++i) {
        const double src = double(i) + shift;
        const long i0 = long(std::floor(src));
        const double w = src - double(i0);
        const long i1 = w > 0 ? i0 + 1 : i0;
        out.score[std::size_t(i)] = 0;
        out.overlap[std::size_t(i)] = 0;
        out.informative[std::size_t(i)] = 0;
        if (i0 < 0 || i1 >= n || !c.informative[std::size_t(i0)] || !c.informative[std::size_t(i1)]) continue;
        out.score[std::size_t(i)] = (1 - w) * c.score[std::size_t(i0)] + w * c.score[std::size_t(i1)];
        out.overlap[std::size_t(i)] = std::min(c.overlap[std::size_t(i0)], c.overlap[std::size_t(i1)]);
        out.informative[std::size_t(i)] = 1;
    }
    return out;
}

/// Stouffer fusion of Pearson curves: each curve becomes Fisher's z statistic (atanh(r) sqrt(n-3),
/// about N(0,1) under no correlation) and, at every lag, the informative ones are summed and
/// divided by sqrt(their count) - again about N(0,1) under no correlation. It keeps the
/// statistical scale, so surrogate tests and thresholds mean the same with one cue or several. (Treats the cues as independent; correlated cues make the fused z optimistic, which
/// a surrogate test built the same way accounts for.)
inline correlation_curve fuse_fisher_z(const std::vector<correlation_curve>& curves) {
    SYNCDSP_REQUIRE(!curves.empty(), "fusion", "no curves to fuse");
    const auto& first = curves.front();
    correlation_curve out = first;
    std::fill(out.score.begin(), out.score.end(), 0.0);
    std::fill(out.informative.begin(), out.informative.end(), std::uint8_t(0));
    std::vector<double> count(first.size(), 0.0);
    for (std::size_t k = 0; k < curves.size(); ++k) {
        const auto& c = curves[k];
        SYNCDSP_REQUIRE(c.min_lag == first.min_lag && c.size() == first.size(), "fusion", "curve ", k,
                        " covers other lags than curve 0");
        const auto z = fisher_z(c);
        for (std::size_t i = 0; i < c.size(); ++i) {
            if (!z.informative[i]) continue;
            out.score[i] += z.score[i];
            count[i] += 1;
            out.informative[i] = 1;
            out.overlap[i] = std::max(out.overlap[i], c.overlap[i]);
        }
    }
    for (std::size_t i = 0; i < out.size(); ++i) out.score[i] = count[i] > 0 ? out.score[i] / std::sqrt(count[i]) : 0.0;
    return out;
}

}  // namespace syncdsp::sync
