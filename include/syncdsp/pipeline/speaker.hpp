// syncdsp/pipeline/speaker.hpp - who is speaking: from each face track's own offset search (its
// evidence), which track(s) the sound belongs to, and the video's one offset from them.
//
//   std::vector<pipeline::track_evidence> ev = ...;     // one per track: confidence, reliable, span
//   auto choice = pipeline::choose_speakers(ev);
//   choice.speakers  // ids used; choice.ambiguous: two faces explain the sound about equally well
//
// Rules (docs/faces.md):
//  - a track is a candidate when its search found a peak and its mouth moves;
//  - its speaking score is the confidence of its peak (how many surrogate sds the peak stands
//    above chance alignments of the same cues: sync/search.hpp);
//  - tracks that share time (overlap >= half of the shorter) compete: the strongest reliable one is
//    the speaker of that stretch; when the runner-up is reliable too and its score is within
//    `close_ratio` of the best, the choice is ambiguous and no track is named (no guess);
//  - tracks that do not share time (other shots) are speakers of their own stretches when reliable;
//  - without any reliable candidate the strongest candidate is kept as the best guess (the answer
//    stays unreliable);
//  - the video's offset is the mean of the speakers' offsets weighted by score x duration, over the
//    speakers that agree with the strongest one within `agree_ms` (the others are reported, not
//    averaged).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <sstream>
#include <string>
#include <vector>

#include "syncdsp/core/error.hpp"

namespace syncdsp::pipeline {

struct SpeakerOptions {
    double close_ratio = 0.8;   ///< runner-up score >= close_ratio x best (both reliable): ambiguous
    double min_overlap = 0.5;   ///< tracks sharing this fraction of the shorter one's time compete
    double agree_ms = 80;       ///< speakers within this of the strongest one are averaged

    /// What `syncdsp sync` uses.
    static SpeakerOptions standard() { return {}; }

    void validate() const {
        SYNCDSP_REQUIRE(close_ratio > 0 && close_ratio <= 1, "speaker", "close_ratio must be in (0, 1], got ", close_ratio);
        SYNCDSP_REQUIRE(min_overlap > 0 && min_overlap <= 1, "speaker", "min_overlap must be in (0, 1], got ", min_overlap);
        SYNCDSP_REQUIRE(agree_ms > 0 && std::isfinite(agree_ms), "speaker", "agree_ms must be > 0, got ", agree_ms);
    }
    std::string to_string() const {
        std::ostringstream s;
        s << "SpeakerOptions{close_ratio=" << close_ratio << ", min_overlap=" << min_overlap << ", agree_ms=" << agree_ms
          << "}";
        return s.str();
    }
};

/// What one track's search found.
struct track_evidence {
    std::size_t id = 0;
    double start_s = 0, end_s = 0;
    bool valid = false;     ///< the search found a peak
    bool moving = true;     ///< the mouth moves at all (false: a still face or a picture)
    bool reliable = false;  ///< the track's answer is reliable (sync/search.hpp)
    double score = 0;       ///< speaking score: the peak's confidence against surrogates
    double offset_ms = 0;
};

struct speaker_choice {
    std::vector<std::size_t> speakers;  ///< ids of the tracks used, strongest first
    bool ambiguous = false;             ///< two tracks explain the sound about equally well
    std::vector<std::size_t> rivals;    ///< when ambiguous: the tracks that tie
    bool reliable = false;              ///< the strongest speaker's answer is reliable
    double offset_ms = 0;               ///< weighted consensus of the agreeing speakers
    std::string why;                    ///< in words
};

inline double overlap_fraction(const track_evidence& a, const track_evidence& b) {
    const double shared = std::min(a.end_s, b.end_s) - std::max(a.start_s, b.start_s);
    const double shorter = std::min(a.end_s - a.start_s, b.end_s - b.start_s);
    return shorter > 0 ? std::max(0.0, shared) / shorter : 0.0;
}

/// Chooses the speaking track(s) from the evidence of every track.
inline speaker_choice choose_speakers(const std::vector<track_evidence>& tracks,
                                      const SpeakerOptions& opt = SpeakerOptions::standard()) {
    opt.validate();
    speaker_choice c;
    std::vector<const track_evidence*> cand;
    for (const auto& t : tracks)
        if (t.valid && t.moving && std::isfinite(t.score)) cand.push_back(&t);
    if (cand.empty()) {
        c.why = tracks.empty() ? "no face track" : "no face's mouth motion matches the sound";
        return c;
    }
    std::stable_sort(cand.begin(), cand.end(), [](const track_evidence* a, const track_evidence* b) {
        if (a->reliable != b->reliable) return a->reliable;
        return a->score > b->score;
    });
    if (!cand.front()->reliable) {  // best guess only
        c.speakers.push_back(cand.front()->id);
        c.offset_ms = cand.front()->offset_ms;
        std::ostringstream s;
        s << "no face's evidence is reliable; best guess: face " << cand.front()->id;
        c.why = s.str();
        return c;
    }
    std::vector<const track_evidence*> chosen;
    for (const auto* t : cand) {
        if (!t->reliable) break;
        const track_evidence* rival_of = nullptr;
        for (const auto* s : chosen)
            if (overlap_fraction(*s, *t) >= opt.min_overlap) rival_of = s;
        if (!rival_of) {
            chosen.push_back(t);
            continue;
        }
        if (t->score >= opt.close_ratio * rival_of->score) {
            c.ambiguous = true;
            if (std::find(c.rivals.begin(), c.rivals.end(), rival_of->id) == c.rivals.end()) c.rivals.push_back(rival_of->id);
            c.rivals.push_back(t->id);
        }
    }
    std::ostringstream s;
    if (c.ambiguous) {
        s << "faces";
        for (std::size_t i = 0; i < c.rivals.size(); ++i) s << (i ? (i + 1 == c.rivals.size() ? " and " : ", ") : " ") << c.rivals[i];
        s << " explain the sound about equally well (choose one with --face ID)";
        c.why = s.str();
        // The stretches without a tie keep their speakers.
        chosen.erase(std::remove_if(chosen.begin(), chosen.end(),
                                    [&](const track_evidence* t) {
                                        return std::find(c.rivals.begin(), c.rivals.end(), t->id) != c.rivals.end();
                                    }),
                     chosen.end());
        for (const auto* t : chosen) c.speakers.push_back(t->id);
        return c;
    }
    const track_evidence* best = chosen.front();
    double wsum = 0, sum = 0;
    for (const auto* t : chosen) {
        c.speakers.push_back(t->id);
        if (std::fabs(t->offset_ms - best->offset_ms) > opt.agree_ms) continue;
        const double w = t->score * std::max(1e-3, t->end_s - t->start_s);
        wsum += w;
        sum += w * t->offset_ms;
    }
    c.reliable = true;
    c.offset_ms = wsum > 0 ? sum / wsum : best->offset_ms;
    s << "face " << best->id << " speaks";
    if (chosen.size() > 1) s << " (and " << chosen.size() - 1 << " more face(s) in other stretches)";
    c.why = s.str();
    return c;
}

}  // namespace syncdsp::pipeline
