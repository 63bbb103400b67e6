// syncdsp/nn.hpp - the nn layer: float32 NCHW/NCDHW (and NHWC) ops, weight stores, models
// (SyncNet v2 and its protocol; the face-api detector, landmarks and face tracker).
#pragma once
#include "syncdsp/nn/conv.hpp"
#include "syncdsp/nn/layers.hpp"
#include "syncdsp/nn/models/face_tracker.hpp"
#include "syncdsp/nn/models/face_tracks.hpp"
#include "syncdsp/nn/models/faces.hpp"
#include "syncdsp/nn/models/syncnet.hpp"
#include "syncdsp/nn/models/syncnet_protocol.hpp"
#include "syncdsp/nn/nhwc.hpp"
#include "syncdsp/nn/pool.hpp"
#include "syncdsp/nn/weights.hpp"
