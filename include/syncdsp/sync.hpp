// syncdsp/sync.hpp - the sync layer: cross-correlation, peaks and confidence, fusion, time base, tracking.
#pragma once
#include "syncdsp/sync/fusion.hpp"
#include "syncdsp/sync/peak.hpp"
#include "syncdsp/sync/timebase.hpp"
#include "syncdsp/sync/tracker.hpp"
#include "syncdsp/sync/xcorr.hpp"
