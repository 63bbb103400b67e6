// syncdsp/syncdsp.hpp - everything syncdsp offers, one include. Each layer also has its own
// umbrella (syncdsp/core.hpp, io.hpp, audio.hpp, vision.hpp, nn.hpp, sync.hpp, pipeline.hpp) and
// every header under syncdsp/ compiles on its own.
#pragma once
#include "syncdsp/core.hpp"
#include "syncdsp/io.hpp"
#include "syncdsp/audio.hpp"
#include "syncdsp/vision.hpp"
#include "syncdsp/nn.hpp"
#include "syncdsp/sync.hpp"
#include "syncdsp/pipeline.hpp"
