// syncdsp/nn/models/faces.hpp - faces and their 68 landmarks in one call: face-api's
// TinyFaceDetector followed by FaceLandmark68Net (or its tiny variant) on each detected box,
// like face-api's detectAllFaces(img, new TinyFaceDetectorOptions(...)).withFaceLandmarks().
//
//   syncdsp::nn::face_analyzer fa;                      // loads the models (see faceapi_weights.hpp)
//   for (const auto& f : fa.detect_faces(view))         // any view with data/width/height/channels/stride
//       f.landmarks.points[48..67]                      // mouth, pixels of the input image
//
// No face -> an empty vector (never an exception). Results are sorted by score, highest first.
// The main face of a frame (what the tracker and `syncdsp sync` follow) is the largest box.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "syncdsp/nn/models/face_landmark68.hpp"
#include "syncdsp/nn/models/face_tiles.hpp"
#include "syncdsp/nn/models/face_types.hpp"
#include "syncdsp/nn/models/tiny_face_detector.hpp"

namespace syncdsp::nn {

struct FaceOptions {
    std::size_t detector_size = 416;  ///< TinyFaceDetector input size (multiple of 32; 416 or 224)
    double min_score = 0.5;           ///< detection score threshold (face-api's default)
    bool tiny_landmarks = false;      ///< use FaceLandmark68TinyNet (faster, less accurate)
    std::string models_dir;           ///< "" = $SYNCDSP_MODELS, then the default locations

    /// face-api's detectAllFaces(img, new TinyFaceDetectorOptions()).withFaceLandmarks(): detector
    /// input 416, score 0.5, the full FaceLandmark68Net.
    static FaceOptions faceapi() { return {}; }

    void validate() const {
        require_detector_input_size(detector_size);
        SYNCDSP_REQUIRE(min_score >= 0 && min_score < 1, "faces", "min_score must be in [0, 1), got ", min_score);
    }
    std::string to_string() const {
        std::ostringstream s;
        s << "FaceOptions{detector_size=" << detector_size << ", min_score=" << min_score
          << ", landmarks=" << (tiny_landmarks ? "tiny" : "full") << ", models_dir="
          << (models_dir.empty() ? "(default)" : models_dir) << "}";
        return s.str();
    }
};

struct face {
    syncdsp::box box;          ///< detector box, pixels of the input image
    double score = 0;      ///< detector score
    landmarks68 landmarks; ///< 68 points in pixels of the input image
    bool from_tile = false;  ///< found by a tile only (face_tiles.hpp), not by the whole-frame pass
};

class face_analyzer {
public:
    explicit face_analyzer(const FaceOptions& opt = {})
        : opt_(validated(opt)), det_(tiny_face_detector::load(opt.models_dir)),
          lm_(face_landmark68::load(opt.tiny_landmarks, opt.models_dir)) {}

    const FaceOptions& options() const { return opt_; }
    const tiny_face_detector& detector() const { return det_; }
    const face_landmark68& landmark_net() const { return lm_; }

    /// Detector boxes only (highest score first).
    std::vector<face_detection> detect(const rgb8_view& img) const {
        return det_.detect(img, detector_options());
    }

    /// Landmarks for a given box (e.g. from a previous frame or another detector).
    landmarks68 landmarks(const rgb8_view& img, const syncdsp::box& box) const { return lm_.detect(img, box); }

    /// Detector boxes of the whole image and of `tiles` (face_tiles.hpp), merged (highest score
    /// first); the tiles run on up to `threads` threads (0 = all cores; same result).
    std::vector<face_detection> detect(const rgb8_view& img, const std::vector<face_tile>& tiles, unsigned threads = 1) const {
        return detect_with_tiles(det_, img, detector_options(), tiles, threads);
    }

    /// Boxes and landmarks of every face above the threshold, highest score first. Boxes with no
    /// pixel inside the image are dropped (face-api drops them too).
    std::vector<face> detect_faces(const rgb8_view& img) const { return with_landmarks(img, detect(img)); }

    /// The same with the detector also run on `tiles` (small faces in big frames; face_tiles.hpp).
    std::vector<face> detect_faces(const rgb8_view& img, const std::vector<face_tile>& tiles, unsigned threads = 1) const {
        return with_landmarks(img, detect(img, tiles, threads));
    }

    template <class View>
    std::vector<face> detect_faces(const View& v) const { return detect_faces(as_rgb8(v)); }
    template <class View>
    landmarks68 landmarks(const View& v, const syncdsp::box& box) const { return landmarks(as_rgb8(v), box); }

    /// True when clipping the box to the image and flooring (as the landmark crop does) leaves pixels.
    static bool box_has_pixels(const box& b, std::size_t w, std::size_t h) {
        const box c = clip_to_image(b, w, h);
        return std::isfinite(c.width) && std::isfinite(c.height) && std::floor(c.width) >= 1 && std::floor(c.height) >= 1;
    }

private:
    std::vector<face> with_landmarks(const rgb8_view& img, const std::vector<face_detection>& dets) const {
        std::vector<face> out;
        for (const auto& d : dets) {
            if (!box_has_pixels(d.box, img.width, img.height)) continue;
            face f;
            f.box = d.box;
            f.score = d.score;
            f.from_tile = d.from_tile;
            f.landmarks = lm_.detect(img, d.box);
            out.push_back(f);
        }
        return out;
    }
    // Checks the options before the (slow) model loading.
    static const FaceOptions& validated(const FaceOptions& o) {
        o.validate();
        return o;
    }
    TinyFaceDetectorOptions detector_options() const {
        TinyFaceDetectorOptions o;
        o.input_size = opt_.detector_size;
        o.score_threshold = opt_.min_score;
        return o;
    }

    FaceOptions opt_;
    tiny_face_detector det_;
    face_landmark68 lm_;
};

/// Index of the main face (largest box area; ties: higher score), or -1 when there is none.
inline long main_face(const std::vector<face>& faces) {
    long best = -1;
    for (std::size_t i = 0; i < faces.size(); ++i)
        if (best < 0 || faces[i].box.area() > faces[std::size_t(best)].box.area()) best = long(i);
    return best;
}

}  // namespace syncdsp::nn
