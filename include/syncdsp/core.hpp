// syncdsp/core.hpp - the core layer: errors, tensor aliases, checked arithmetic, parallel-for, the
// producer-consumer buffer relay, and the shared geometry (points, boxes, pixel rectangles,
// landmark tracks).
#pragma once
#include "syncdsp/core/buffer_relay.hpp"
#include "syncdsp/core/checked.hpp"
#include "syncdsp/core/error.hpp"
#include "syncdsp/core/geometry.hpp"
#include "syncdsp/core/parallel.hpp"
#include "syncdsp/core/tensor.hpp"
#include "syncdsp/core/half.hpp"
