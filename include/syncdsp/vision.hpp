// syncdsp/vision.hpp - the vision layer: images, resize, Gaussian blur, Farneback optical flow,
// mouth geometry (MAR, mouth ROI), mouth motion (the opening rate), lip-motion features and shot cuts.
// Image and landmark files are in io/.
#pragma once
#include "syncdsp/vision/farneback.hpp"
#include "syncdsp/vision/filter.hpp"
#include "syncdsp/vision/image.hpp"
#include "syncdsp/vision/lip_motion.hpp"
#include "syncdsp/vision/mouth.hpp"
#include "syncdsp/vision/mouth_motion.hpp"
#include "syncdsp/vision/mouth_flow_stream.hpp"
#include "syncdsp/vision/resize.hpp"
#include "syncdsp/vision/shot_cut.hpp"
