// Example: SyncNet embeddings and the SyncNet offset protocol on a face-crop video.
//   example_syncnet_embed [weights.safetensors [face_crop_224_25fps.mp4 [max_frames]]]
// Defaults: the reduced-width test model committed in tests/golden/nn (random weights: the numbers
// show the mechanics, not a real measurement) and the first 50 frames of the bundled clip.
// Writes video_emb.npy and audio_emb.npy (windows x embedding) into the current directory.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>
#include <exception>

#include <syncdsp/audio/mfcc.hpp>
#include <syncdsp/io/ffmpeg.hpp>
#include <syncdsp/io/npy.hpp>
#include <syncdsp/io/subprocess.hpp>
#include <syncdsp/nn.hpp>

/// The clip's audio as syncnet_python extracts it (ffmpeg's 16-bit PCM), as doubles.
static syncdsp::tensor<double, 1> decode_audio_s16(const std::string& path) {
    const auto pcm = syncdsp::io::decode_audio_pcm16(path, 16000);
    syncdsp::tensor<double, 1> s = syncdsp::tensor<double, 1>::from_shape({pcm.size()});
    for (std::size_t i = 0; i < s.size(); ++i) s(i) = double(pcm(i));
    return s;
}

int main(int argc, char** argv) {
    using namespace syncdsp;
    const std::string weights = argc > 1 ? argv[1] : SYNCDSP_EXAMPLE_DATA "/../tests/golden/nn/syncnet_div8.safetensors";
    const std::string video = argc > 2 ? argv[2] : SYNCDSP_EXAMPLE_DATA "/lrs3_C8zY0oAdQrs_00018/facecrop_224.mp4";
    const std::size_t max_frames = argc > 3 ? std::size_t(std::atol(argv[3])) : 50;
    try {
        // 1. The network: width is read from the file, batch norms are folded on load.
        const auto net = nn::syncnet::load(weights);
        std::printf("SyncNet with %zu-d embeddings from %s\n", net.config().embedding, weights.c_str());

        // 2. Inputs: BGR frames as decoded, and python_speech_features MFCCs of the int16 audio.
        io::VideoDecodeOptions vo;
        vo.format = io::pixel_format::bgr;
        vo.max_frames = max_frames;
        const auto frames = io::decode_video(video, vo);
        const auto s16 = decode_audio_s16(video);
        auto mo = audio::MfccOptions::python_speech_features(16000);
        mo.logmel.stft.input_scale = 1.0;  // the samples already are int16 values
        const auto feats = audio::mfcc(s16, mo);
        tensor<float, 2> mfcc = tensor<float, 2>::from_shape({feats.shape()[0], feats.shape()[1]});
        std::copy(feats.begin(), feats.end(), mfcc.begin());

        // 3. Embeddings per 5-frame window, then the distance protocol.
        const std::size_t windows = nn::syncnet_window_count(frames.count(), s16.size());
        const auto emb = nn::syncnet_embed(net, frames.frames, nn::frame_order::bgr, mfcc, windows);
        const auto r = nn::syncnet_offset(emb.video, emb.audio, 15, 25.0);
        io::write_npy("video_emb.npy", emb.video);
        io::write_npy("audio_emb.npy", emb.audio);
        std::printf("%zu windows: AV offset %d frames (%+.0f ms, syncdsp sign), min dist %.3f, confidence %.3f\n",
                    r.windows(), r.av_offset_frames, r.offset_ms, r.min_dist, r.confidence);
        std::printf("wrote video_emb.npy and audio_emb.npy\n");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
