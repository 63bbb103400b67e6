// syncdsp/nn.hpp - the nn layer: float32 NCHW/NCDHW ops, weight stores, models (SyncNet).
#pragma once
#include "syncdsp/nn/conv.hpp"
#include "syncdsp/nn/layers.hpp"
#include "syncdsp/nn/models/syncnet.hpp"
#include "syncdsp/nn/models/syncnet_protocol.hpp"
#include "syncdsp/nn/pool.hpp"
#include "syncdsp/nn/weights.hpp"
