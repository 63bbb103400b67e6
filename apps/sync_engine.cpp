// apps/sync_engine.cpp - the one unit of the program that compiles the offset estimator.
#include "sync_engine.hpp"

#include "syncdsp/pipeline/classic.hpp"

namespace syncdsp::cli {

pipeline::offset_report estimate_offset(const std::string& path, const pipeline::ClassicOptions& options) {
    return pipeline::estimate_offset(path, options);
}

}  // namespace syncdsp::cli
