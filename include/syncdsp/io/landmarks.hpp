// syncdsp/io/landmarks.hpp - facial landmark files: plain CSV, JSON and OpenFace 2 CSV.
//
// A landmark file is one row per video frame that has a face: the frame index and P points
// (x, y) in pixels, P = 68 (iBUG / dlib order) or 20 (the mouth points 48..67 only).
//
// Formats
//  * CSV (read/write): `frame,x0,y0,x1,y1,...` -- one row per frame, a header line is optional
//    (recognised by its first field "frame"). P = (columns - 1) / 2.
//  * JSON (read/write): {"points": P, "frames": [{"frame": 0, "landmarks": [[x, y], ...]}, ...]};
//    a bare array of the frame objects is accepted too.
//  * OpenFace 2 CSV (read): the FeatureExtraction / FaceLandmarkVidMulti output; columns `frame`,
//    `success` (optional), `face_id` (optional), `x_0..x_67`, `y_0..y_67` (surrounding spaces in
//    names are ignored). OpenFace numbers frames from 1; they are converted to 0-based. Rows with
//    success = 0 are skipped; with several faces, only the lowest face_id of each frame is kept.
//
// Validation (documented in docs/vision.md):
//  * errors (parse_error, with file name and line): a row with the wrong number of values, a
//    value that is not a number, NaN or infinite coordinates, a point count other than 68 or 20
//    (unless options.any_point_count), frame indices negative or not strictly increasing.
//  * warnings (collected in landmark_file::warnings, never fatal): points outside the frame,
//    when options.frame_width/height are given (alignment often puts the chin slightly outside),
//    and skipped OpenFace rows.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "syncdsp/core/error.hpp"
#include "syncdsp/core/geometry.hpp"
#include "syncdsp/core/tensor.hpp"
#include "syncdsp/io/file.hpp"

namespace syncdsp::io {

/// What a landmark file holds: its rows (frame index per row and a (rows, points, 2) array of
/// (x, y) pixels; landmark_track::from_rows spreads them over a video's frames) and what the
/// reader noticed.
struct landmark_file : landmark_rows {
    std::vector<std::string> warnings;  ///< non-fatal findings (see the header comment)
};

struct LandmarkReadOptions {
    bool any_point_count = false;  ///< accept P other than 68 and 20
    long frame_width = 0;          ///< > 0: warn about points outside [0, width) x [0, height)
    long frame_height = 0;
    std::size_t max_warnings = 20;  ///< further warnings are counted in one summary line

    /// Checks the points against a frame size (warnings for points outside it).
    static LandmarkReadOptions for_frame(long width, long height) {
        LandmarkReadOptions o;
        o.frame_width = width;
        o.frame_height = height;
        return o;
    }

    void validate() const {
        SYNCDSP_REQUIRE(frame_width >= 0 && frame_height >= 0 && (frame_width == 0) == (frame_height == 0), "landmarks",
                        "give both frame_width and frame_height (>= 1), or neither (got ", frame_width, "x", frame_height,
                        ")");
    }
    std::string to_string() const {
        std::ostringstream s;
        s << "LandmarkReadOptions{points=" << (any_point_count ? "any" : "68 or 20") << ", frame=";
        if (frame_width > 0) s << frame_width << "x" << frame_height; else s << "unchecked";
        s << ", max_warnings=" << max_warnings << "}";
        return s.str();
    }
};

inline constexpr std::size_t max_landmark_points = 1000;
inline constexpr std::size_t max_landmark_rows = std::size_t(1) << 24;

namespace landmarks_impl {

[[noreturn]] inline void fail(const std::string& name, std::size_t line, const std::string& why) {
    detail::throw_parse_error("landmarks", name, ":", line, ": ", why);
}

inline std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '"')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '"')) s.remove_suffix(1);
    return s;
}

inline std::vector<std::string_view> split(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= line.size(); ++i)
        if (i == line.size() || line[i] == ',') {
            out.push_back(trim(line.substr(start, i - start)));
            start = i + 1;
        }
    return out;
}

inline bool parse_double(std::string_view tok, double& v) {
    if (tok.empty() || tok.size() > 64) return false;
    char buf[65];
    std::copy(tok.begin(), tok.end(), buf);
    buf[tok.size()] = '\0';
    char* end = nullptr;
    v = std::strtod(buf, &end);
    return end == buf + tok.size();
}

inline double number(std::string_view tok, const std::string& name, std::size_t line, const char* what) {
    double v = 0;
    if (!parse_double(tok, v)) fail(name, line, std::string(what) + " '" + std::string(tok.substr(0, 40)) + "' is not a number");
    return v;
}

inline std::vector<std::string_view> lines(std::string_view text) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= text.size(); ++i)
        if (i == text.size() || text[i] == '\n') {
            out.push_back(text.substr(start, i - start));
            start = i + 1;
        }
    return out;
}

/// Checks counts, finiteness, frame order and the frame bounds; builds the tensor.
inline landmark_file finish(std::vector<std::int64_t> frames, const std::vector<double>& xy, std::size_t P,
                             const std::vector<std::size_t>& line_of, const std::string& name,
                             const LandmarkReadOptions& opt) {
    if (!opt.any_point_count && P != 68 && P != 20)
        fail(name, line_of.empty() ? 1 : line_of[0],
             "rows have " + std::to_string(P) + " points; expected 68 (iBUG) or 20 (mouth only)");
    landmark_file t;
    t.points = tensor<float, 3>::from_shape({frames.size(), P, 2});
    std::size_t outside = 0;
    for (std::size_t r = 0; r < frames.size(); ++r) {
        if (frames[r] < 0) fail(name, line_of[r], "negative frame index " + std::to_string(frames[r]));
        if (r > 0 && frames[r] <= frames[r - 1])
            fail(name, line_of[r], "frame " + std::to_string(frames[r]) + " does not follow frame " +
                                       std::to_string(frames[r - 1]) + " (indices must increase)");
        for (std::size_t p = 0; p < P; ++p) {
            const double x = xy[(r * P + p) * 2], y = xy[(r * P + p) * 2 + 1];
            if (!std::isfinite(x) || !std::isfinite(y) || std::abs(x) > 1e7 || std::abs(y) > 1e7)
                fail(name, line_of[r], "point " + std::to_string(p) + " of frame " + std::to_string(frames[r]) +
                                           " is not finite (or absurdly large); drop the row for frames without a face");
            if (opt.frame_width > 0 && opt.frame_height > 0 &&
                (x < 0 || y < 0 || x >= double(opt.frame_width) || y >= double(opt.frame_height))) {
                if (outside < opt.max_warnings) {
                    std::ostringstream w;
                    w << name << ":" << line_of[r] << ": point " << p << " of frame " << frames[r] << " (" << x << ", "
                      << y << ") is outside the " << opt.frame_width << "x" << opt.frame_height << " frame";
                    t.warnings.push_back(w.str());
                }
                ++outside;
            }
            t.points(r, p, 0) = float(x);
            t.points(r, p, 1) = float(y);
        }
    }
    if (outside > opt.max_warnings)
        t.warnings.push_back(std::to_string(outside - opt.max_warnings) + " more points outside the frame");
    t.frame = std::move(frames);
    return t;
}

}  // namespace landmarks_impl

/// Parses the plain CSV format (`frame,x0,y0,...`). `name` appears in error messages.
inline landmark_file parse_landmarks_csv(std::string_view text, const std::string& name = "<csv>",
                                          const LandmarkReadOptions& opt = {}) {
    using namespace landmarks_impl;
    opt.validate();
    std::vector<std::int64_t> frames;
    std::vector<double> xy;
    std::vector<std::size_t> line_of;
    std::size_t P = 0, ncols = 0;
    const auto ls = lines(text);
    for (std::size_t i = 0; i < ls.size(); ++i) {
        const std::size_t ln = i + 1;
        const auto line = trim(ls[i]);
        if (line.empty() || line[0] == '#') continue;
        const auto f = split(line);
        if (f[0] == "frame") {
            if (ncols != 0 || !frames.empty()) fail(name, ln, "header line after data");
            ncols = f.size();
            if (ncols < 3 || ncols % 2 == 0) fail(name, ln, "header has " + std::to_string(ncols) + " columns; expected frame plus x,y pairs");
            P = (ncols - 1) / 2;
            continue;
        }
        if (ncols == 0) {
            ncols = f.size();
            if (ncols < 3 || ncols % 2 == 0)
                fail(name, ln, "row has " + std::to_string(ncols) + " values; expected a frame index plus x,y pairs");
            P = (ncols - 1) / 2;
        }
        if (P > max_landmark_points) fail(name, ln, "more than " + std::to_string(max_landmark_points) + " points per row");
        if (f.size() != ncols)
            fail(name, ln, "row has " + std::to_string(f.size()) + " values, expected " + std::to_string(ncols) +
                               " (frame + " + std::to_string(P) + " x,y pairs)");
        if (frames.size() >= max_landmark_rows) fail(name, ln, "too many rows");
        const double fr = number(f[0], name, ln, "frame index");
        if (fr != std::floor(fr) || std::abs(fr) > 1e15) fail(name, ln, "frame index '" + std::string(f[0]) + "' is not an integer");
        frames.push_back(std::int64_t(fr));
        for (std::size_t c = 1; c < ncols; ++c) xy.push_back(number(f[c], name, ln, "coordinate"));
        line_of.push_back(ln);
    }
    if (frames.empty()) fail(name, 1, "no landmark rows");
    return finish(std::move(frames), xy, P, line_of, name, opt);
}

/// Parses OpenFace 2 CSV output (see the header comment).
inline landmark_file parse_landmarks_openface(std::string_view text, const std::string& name = "<openface>",
                                               const LandmarkReadOptions& opt = {}) {
    using namespace landmarks_impl;
    opt.validate();
    const auto ls = lines(text);
    std::size_t hl = 0;
    while (hl < ls.size() && trim(ls[hl]).empty()) ++hl;
    if (hl >= ls.size()) fail(name, 1, "empty file");
    const auto header = split(trim(ls[hl]));
    std::map<std::string, std::size_t> col;
    for (std::size_t c = 0; c < header.size(); ++c) col[std::string(header[c])] = c;
    if (!col.count("frame")) fail(name, hl + 1, "no 'frame' column (not an OpenFace CSV?)");
    std::size_t P = 0;
    while (col.count("x_" + std::to_string(P)) && col.count("y_" + std::to_string(P))) ++P;
    if (P == 0) fail(name, hl + 1, "no x_0/y_0 landmark columns (not an OpenFace 2D landmark CSV?)");
    const bool has_success = col.count("success") > 0, has_face = col.count("face_id") > 0;
    std::vector<std::int64_t> frames;
    std::vector<double> xy;
    std::vector<std::size_t> line_of;
    std::size_t skipped = 0;
    double last_face = 0;
    for (std::size_t i = hl + 1; i < ls.size(); ++i) {
        const std::size_t ln = i + 1;
        const auto line = trim(ls[i]);
        if (line.empty()) continue;
        const auto f = split(line);
        if (f.size() != header.size())
            fail(name, ln, "row has " + std::to_string(f.size()) + " values, the header has " + std::to_string(header.size()));
        if (frames.size() >= max_landmark_rows) fail(name, ln, "too many rows");
        if (has_success && number(f[col["success"]], name, ln, "success") == 0) {
            ++skipped;
            continue;
        }
        const double fr = number(f[col["frame"]], name, ln, "frame");
        if (fr != std::floor(fr) || fr < 1 || fr > 1e15) fail(name, ln, "frame '" + std::string(f[col["frame"]]) + "' is not an integer >= 1");
        const double face = has_face ? number(f[col["face_id"]], name, ln, "face_id") : 0;
        if (!frames.empty() && std::int64_t(fr) - 1 == frames.back()) {
            // Another face of the same frame: keep the lowest face_id.
            if (face >= last_face) continue;
            frames.pop_back();
            line_of.pop_back();
            xy.resize(xy.size() - 2 * P);
        }
        last_face = face;
        frames.push_back(std::int64_t(fr) - 1);
        for (std::size_t p = 0; p < P; ++p) {
            xy.push_back(number(f[col["x_" + std::to_string(p)]], name, ln, "x"));
            xy.push_back(number(f[col["y_" + std::to_string(p)]], name, ln, "y"));
        }
        line_of.push_back(ln);
    }
    if (frames.empty()) fail(name, hl + 1, "no rows with a detected face");
    auto t = finish(std::move(frames), xy, P, line_of, name, opt);
    if (skipped) t.warnings.push_back(std::to_string(skipped) + " OpenFace rows with success=0 skipped");
    return t;
}

/// Parses the JSON format.
inline landmark_file parse_landmarks_json(std::string_view text, const std::string& name = "<json>",
                                           const LandmarkReadOptions& opt = {}) {
    using namespace landmarks_impl;
    opt.validate();
    nlohmann::json js;
    try {
        js = nlohmann::json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::exception& e) {
        detail::throw_parse_error("landmarks", name, ": invalid JSON: ", e.what());
    }
    const nlohmann::json* list = &js;
    if (js.is_object()) {
        if (!js.contains("frames") || !js["frames"].is_array()) fail(name, 1, "JSON object has no 'frames' array");
        list = &js["frames"];
    } else if (!js.is_array()) {
        fail(name, 1, "JSON must be an object with 'frames' or an array of frames");
    }
    std::vector<std::int64_t> frames;
    std::vector<double> xy;
    std::vector<std::size_t> line_of;
    std::size_t P = 0;
    for (std::size_t r = 0; r < list->size(); ++r) {
        const auto& e = (*list)[r];
        const std::string where = "frames[" + std::to_string(r) + "]";
        if (!e.is_object() || !e.contains("frame") || !e["frame"].is_number_integer() || !e.contains("landmarks") ||
            !e["landmarks"].is_array())
            detail::throw_parse_error("landmarks", name, ": ", where, " needs an integer 'frame' and a 'landmarks' array");
        const auto& L = e["landmarks"];
        if (r == 0) P = L.size();
        if (P == 0 || P > max_landmark_points) detail::throw_parse_error("landmarks", name, ": ", where, " has ", L.size(), " points");
        if (L.size() != P)
            detail::throw_parse_error("landmarks", name, ": ", where, " has ", L.size(), " points, the first frame has ", P);
        frames.push_back(e["frame"].get<std::int64_t>());
        for (const auto& pt : L) {
            if (!pt.is_array() || pt.size() != 2 || !pt[0].is_number() || !pt[1].is_number())
                detail::throw_parse_error("landmarks", name, ": ", where, ": each landmark must be [x, y] numbers");
            xy.push_back(pt[0].get<double>());
            xy.push_back(pt[1].get<double>());
        }
        line_of.push_back(r + 1);
    }
    if (frames.empty()) fail(name, 1, "no frames");
    if (js.is_object() && js.contains("points") && (!js["points"].is_number_integer() || js["points"].get<long long>() != (long long)P))
        fail(name, 1, "'points' does not match the landmark count " + std::to_string(P));
    return finish(std::move(frames), xy, P, line_of, name + " (row = frames index + 1)", opt);
}

/// Reads a landmark file, choosing the format from the content: JSON if it starts with '{' or
/// '[', OpenFace if the header has an `x_0` column, plain CSV otherwise.
inline landmark_file read_landmarks(const std::string& path, const LandmarkReadOptions& opt = {}) {
    opt.validate();
    const auto bytes = read_file(path);
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    std::size_t i = 0;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\n' || text[i] == '\r' || text[i] == '\t')) ++i;
    if (i < text.size() && (text[i] == '{' || text[i] == '[')) return parse_landmarks_json(text, path, opt);
    const auto first_line = text.substr(0, std::min(text.find('\n'), text.size()));
    for (const auto& f : landmarks_impl::split(first_line))
        if (f == "x_0") return parse_landmarks_openface(text, path, opt);
    return parse_landmarks_csv(text, path, opt);
}

namespace landmarks_impl {
inline void require_track(const landmark_rows& t, const char* where) {
    SYNCDSP_REQUIRE(t.points.dimension() == 3 && t.points.shape()[2] == 2, where, "points must be (rows, P, 2)");
    SYNCDSP_REQUIRE(t.frame.size() == t.rows(), where, "frame count ", t.frame.size(), " != rows ", t.rows());
}
}  // namespace landmarks_impl

/// The plain CSV text (header included), coordinates with 9 significant digits (float-exact).
inline std::string format_landmarks_csv(const landmark_rows& t) {
    landmarks_impl::require_track(t, "write_landmarks");
    std::ostringstream out;
    out.precision(9);
    out << "frame";
    for (std::size_t p = 0; p < t.point_count(); ++p) out << ",x" << p << ",y" << p;
    out << "\n";
    for (std::size_t r = 0; r < t.rows(); ++r) {
        out << t.frame[r];
        for (std::size_t p = 0; p < t.point_count(); ++p) out << "," << t.points(r, p, 0) << "," << t.points(r, p, 1);
        out << "\n";
    }
    return out.str();
}

/// The JSON text.
inline std::string format_landmarks_json(const landmark_rows& t) {
    landmarks_impl::require_track(t, "write_landmarks");
    nlohmann::json js;
    js["points"] = t.point_count();
    js["frames"] = nlohmann::json::array();
    for (std::size_t r = 0; r < t.rows(); ++r) {
        nlohmann::json L = nlohmann::json::array();
        for (std::size_t p = 0; p < t.point_count(); ++p) L.push_back({t.points(r, p, 0), t.points(r, p, 1)});
        js["frames"].push_back({{"frame", t.frame[r]}, {"landmarks", L}});
    }
    return js.dump();
}

inline void write_landmarks_csv(const std::string& path, const landmark_rows& t) {
    const auto s = format_landmarks_csv(t);
    write_file_atomic(path, s.data(), s.size());
}
inline void write_landmarks_json(const std::string& path, const landmark_rows& t) {
    const auto s = format_landmarks_json(t);
    write_file_atomic(path, s.data(), s.size());
}

}  // namespace syncdsp::io
