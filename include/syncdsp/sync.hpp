// syncdsp/sync.hpp - the offset engine: cues on a time grid, normalised cross-correlation, fusion,
// peaks, surrogate significance, the search over the whole clip and in windows, the calibrated
// zero, tolerance verdicts.
#pragma once
#include "syncdsp/sync/calibration.hpp"
#include "syncdsp/sync/cue.hpp"
#include "syncdsp/sync/fusion.hpp"
#include "syncdsp/sync/online.hpp"
#include "syncdsp/sync/peak.hpp"
#include "syncdsp/sync/search.hpp"
#include "syncdsp/sync/segments.hpp"
#include "syncdsp/sync/surrogate.hpp"
#include "syncdsp/sync/timebase.hpp"
#include "syncdsp/sync/verdict.hpp"
#include "syncdsp/sync/xcorr.hpp"
