// apps/sync_engine.hpp - the offset estimator, compiled once for the whole program.
// `sync`, `fix` and `batch` call it through this declaration rather than pipeline::estimate_offset
// itself: that inline function pulls in the whole pipeline, and every unit that calls it compiles
// the pipeline again (measured roughly, on a loaded machine: 55-75 s of CPU per unit at -O3 before,
// about 45 s after).
#pragma once

#include <string>

#include "syncdsp/pipeline/classic_options.hpp"
#include "syncdsp/pipeline/offset_report.hpp"

namespace syncdsp::cli {

// pipeline::estimate_offset(path, options), defined in sync_engine.cpp.
pipeline::offset_report estimate_offset(const std::string& path, const pipeline::ClassicOptions& options);

}  // namespace syncdsp::cli
