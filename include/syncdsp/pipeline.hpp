// syncdsp/pipeline.hpp - the composed estimators a user embeds.
#pragma once
#include "syncdsp/pipeline/classic.hpp"
#include "syncdsp/pipeline/face_track.hpp"
#include "syncdsp/pipeline/live.hpp"
#include "syncdsp/pipeline/speaker.hpp"
#include "syncdsp/pipeline/syncnet.hpp"
#include "syncdsp/pipeline/video_tracks.hpp"
