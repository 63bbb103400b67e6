// syncdsp/pipeline/classic_options.hpp - what the training-free estimator (pipeline/classic.hpp)
// is told: where the mouth is, which cues, and the search, calibration and tolerance it answers
// with. Presets: standard() (what `syncdsp sync` runs), fast(), raw().
#pragma once

#include <cstddef>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "syncdsp/audio/band_energy.hpp"
#include "syncdsp/audio/phone_openness.hpp"
#include "syncdsp/core/error.hpp"
#include "syncdsp/core/geometry.hpp"
#include "syncdsp/nn/models/face_tracks.hpp"
#include "syncdsp/pipeline/face_track.hpp"
#include "syncdsp/pipeline/speaker.hpp"
#include "syncdsp/sync/calibration.hpp"
#include "syncdsp/sync/search.hpp"
#include "syncdsp/sync/verdict.hpp"
#include "syncdsp/vision/mouth.hpp"
#include "syncdsp/vision/mouth_motion.hpp"
#include "syncdsp/vision/shot_cut.hpp"

namespace syncdsp::pipeline {

/// Where the mouth box comes from.
enum class mouth_source {
    automatic,  ///< the given box if any; else a face crop's lower centre if the frame is square-ish; else an error
    face_crop,  ///< always the lower centre of the frame (the video is a tight face crop)
    box,        ///< the box in ClassicOptions::mouth_box
};

/// Whether to find the mouth with the face-api networks (scripts/get_models.sh installs them).
enum class face_mode {
    automatic,  ///< use them when the model files are found and no box was given; else the face-crop box
    on,         ///< require them (error when the models are missing)
    off,        ///< never
};

/// Which face's mouth is measured when the face networks find several (docs/faces.md).
enum class face_choice {
    speaker,  ///< every face track is searched; the one(s) whose mouth explains the sound are used
    largest,  ///< the largest face of every frame (the single-face path, as before issue 12)
    id,       ///< the track ClassicOptions::face_id (ids as `syncdsp sync --json` lists them)
};

/// Whether to add the phone cue (needs a recogniser: ClassicOptions::recognise_phones).
enum class phone_mode {
    automatic,  ///< on when a recogniser is given and the audio sounds like speech
    on,         ///< required (error when no recogniser is given)
    off,
};

/// A phone recogniser: 16 kHz mono samples in, phone segments out (audio::pocketsphinx_recogniser()
/// in syncdsp/pocketsphinx.hpp makes one).
using audio::phone_recogniser;

/// Names of the cues; calibration leads are keyed by them.
namespace cue_names {
inline constexpr const char* flow_opening = "mouth opening rate (flow)";
inline constexpr const char* outer_mar = "outer mouth aspect ratio";
inline constexpr const char* band_energy = "1-4 kHz log energy";
inline constexpr const char* phone_openness = "phone openness";
}  // namespace cue_names

struct ClassicOptions {
    // Where the mouth is.
    mouth_source source = mouth_source::automatic;
    std::optional<rect> mouth_box;           ///< in frame pixels
    std::vector<rect> mouth_boxes;           ///< one per frame (e.g. from landmarks); overrides mouth_box
    face_mode faces = face_mode::automatic;
    FaceTrackOptions face;                   ///< detector cadence, models directory
    face_choice choose_face = face_choice::speaker;
    std::size_t face_id = 0;                 ///< with face_choice::id
    nn::FaceTracksOptions tracks;            ///< multi-face tracking (its detect_every is face.detect_every)
    vision::ShotCutOptions shot_cuts;        ///< tracks end at shot cuts
    SpeakerOptions speaker;                  ///< which track(s) speak
    /// Below this median |mouth opening rate| (px of the 32 px box per frame) over the frames, with
    /// the mouth aspect ratio's spread below min_mar_spread too, the mouth does not move: a still
    /// picture or a face-like pattern, and no offset is given.
    double min_mouth_motion = 0.02;
    double min_mar_spread = 0.01;
    std::string landmarks_path;              ///< landmark file (CSV/JSON/OpenFace), frame index per row
    std::string save_landmarks_path;         ///< write the landmarks used (CSV) here, for re-use with landmarks_path
    vision::MouthRoiOptions mouth_roi = landmark_mouth_roi();  ///< the mouth boxes of landmarks
    /// Bytes of gray mouth neighbourhoods the face pass may keep so the flow needs no second decode
    /// (a 720p talk uses about 30 kB per frame); beyond it, the video is decoded twice.
    std::size_t single_decode_budget = std::size_t(512) << 20;
    // The cues.
    phone_mode phones = phone_mode::automatic;
    phone_recogniser recognise_phones;       ///< empty: no phone cue
    audio::BandEnergyOptions energy;
    vision::MouthMotionOptions mouth;
    unsigned sample_rate = 16000;
    // The search and the answer.
    sync::SearchOptions search = standard_search();
    sync::Calibration calibration = sync::Calibration::speech_lead();
    sync::ToleranceProfile tolerance = sync::ToleranceProfile::itu();

    /// What `syncdsp sync` runs: every cue available, 5 s windows (to see a change of offset),
    /// the calibrated zero, ITU-R BT.1359 tolerance.
    static ClassicOptions standard() { return {}; }
    /// The fastest honest answer: flow against band energy, no face networks, no phones.
    static ClassicOptions fast() {
        ClassicOptions o;
        o.faces = face_mode::off;
        o.phones = phone_mode::off;
        return o;
    }
    /// The cues' own estimate with no lead removed (for research and the synthetic-truth test).
    static ClassicOptions raw() {
        ClassicOptions o;
        o.calibration = sync::Calibration::none();
        return o;
    }
    /// Mouth boxes from landmarks: margin 0.35 (side = 1.7 x the mouth's larger extent), the
    /// centre smoothed over 5 frames.
    static vision::MouthRoiOptions landmark_mouth_roi() {
        vision::MouthRoiOptions o;
        o.margin = 0.35;
        return o;
    }
    static sync::SearchOptions standard_search() {
        auto s = sync::SearchOptions::classic();
        s.window_s = 5;
        return s;
    }

    void validate() const {
        search.validate();
        calibration.validate();
        tolerance.validate();
        SYNCDSP_REQUIRE(sample_rate >= 8000 && sample_rate <= 48000, "estimate_offset", "sample_rate ", sample_rate,
                        " must be in 8000..48000");
        face.validate();
        tracks.validate();
        shot_cuts.validate();
        speaker.validate();
        SYNCDSP_REQUIRE(min_mouth_motion >= 0 && min_mar_spread >= 0, "estimate_offset", "min_mouth_motion ",
                        min_mouth_motion, " and min_mar_spread ", min_mar_spread, " must be >= 0");
        mouth_roi.validate();
        energy.validate(double(sample_rate));
        mouth.validate();
        if (source == mouth_source::box && !mouth_box)
            detail::throw_invalid_argument("estimate_offset", "mouth_source::box needs mouth_box");
    }
    std::string to_string() const {
        std::ostringstream s;
        s << "ClassicOptions{faces=" << int(faces) << ", phones=" << int(phones) << ", single_decode_budget=" << single_decode_budget
          << ", recogniser=" << (recognise_phones ? "yes" : "no") << ", " << face.to_string() << ", choose_face="
          << int(choose_face) << ", face_id=" << face_id << ", " << tracks.to_string() << ", " << shot_cuts.to_string()
          << ", " << speaker.to_string() << ", min_mouth_motion=" << min_mouth_motion << ", min_mar_spread="
          << min_mar_spread << ", "
          << mouth_roi.to_string() << ", " << energy.to_string() << ", " << mouth.to_string() << ", " << search.to_string() << ", "
          << calibration.to_string() << ", tolerance=" << tolerance.to_string() << "}";
        return s.str();
    }
};

}  // namespace syncdsp::pipeline
