// syncdsp/sync/fusion.hpp - combining the curves of several feature pairs into one.
//
// Each curve is first put on a common scale, a robust z-score over its informative lags
// ((score - median) / (1.4826 MAD)), so a pair whose correlations are naturally small (say 0.1)
// weighs as much as one with large ones when both have an equally clear peak. The fused curve is
// the weighted mean of those z-curves; a lag is informative where at least one input is.
#pragma once

#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/sync/peak.hpp"
#include "syncdsp/sync/xcorr.hpp"

namespace syncdsp::sync {

/// Robust z-score of a curve over its informative lags (uninformative lags stay 0).
inline correlation_curve standardise_curve(const correlation_curve& c) {
    correlation_curve z = c;
    std::vector<double> vals;
    for (std::size_t i = 0; i < c.size(); ++i)
        if (c.informative[i]) vals.push_back(c.score[i]);
    if (vals.empty()) return z;
    const double med = median_of(vals);
    for (auto& v : vals) v = std::fabs(v - med);
    const double spread = std::max(1.4826 * median_of(vals), 1e-12);
    for (std::size_t i = 0; i < c.size(); ++i) z.score[i] = c.informative[i] ? (c.score[i] - med) / spread : 0.0;
    return z;
}

/// Weighted fusion of curves over the same lag range (weights default to equal). Curves with no
/// informative lag are left out.
inline correlation_curve fuse_curves(const std::vector<correlation_curve>& curves, std::vector<double> weights = {}) {
    SYNCDSP_REQUIRE(!curves.empty(), "fusion", "no curves to fuse");
    if (weights.empty()) weights.assign(curves.size(), 1.0);
    SYNCDSP_REQUIRE(weights.size() == curves.size(), "fusion", weights.size(), " weights for ", curves.size(), " curves");
    const auto& first = curves.front();
    correlation_curve out = first;
    std::fill(out.score.begin(), out.score.end(), 0.0);
    std::fill(out.informative.begin(), out.informative.end(), std::uint8_t(0));
    std::fill(out.overlap.begin(), out.overlap.end(), std::size_t(0));
    std::vector<double> wsum(first.size(), 0.0);
    for (std::size_t k = 0; k < curves.size(); ++k) {
        const auto& c = curves[k];
        SYNCDSP_REQUIRE(c.min_lag == first.min_lag && c.size() == first.size(), "fusion", "curve ", k,
                        " covers lags [", c.min_lag, ", ", c.max_lag(), "], curve 0 [", first.min_lag, ", ",
                        first.max_lag(), "]");
        SYNCDSP_REQUIRE(weights[k] >= 0 && std::isfinite(weights[k]), "fusion", "weight ", k, " = ", weights[k],
                        " must be finite and >= 0");
        if (!c.any_informative() || weights[k] == 0) continue;
        const auto z = standardise_curve(c);
        for (std::size_t i = 0; i < c.size(); ++i) {
            if (!c.informative[i]) continue;
            out.score[i] += weights[k] * z.score[i];
            wsum[i] += weights[k];
            out.informative[i] = 1;
            out.overlap[i] = std::max(out.overlap[i], c.overlap[i]);
        }
    }
    for (std::size_t i = 0; i < out.size(); ++i) out.score[i] = wsum[i] > 0 ? out.score[i] / wsum[i] : 0.0;
    return out;
}

/// Stouffer fusion of Pearson curves: each curve becomes Fisher's z statistic (atanh(r) sqrt(n-3),
/// about N(0,1) under no correlation) and, at every lag, the informative ones are summed and
/// divided by sqrt(their count) - again about N(0,1) under no correlation. Unlike fuse_curves it
/// keeps the statistical scale, so surrogate tests and thresholds mean the same with one cue or
/// several. (Treats the cues as independent; correlated cues make the fused z optimistic, which
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
