// A program built against the installed syncdsp::phones target: makes the pocketsphinx recogniser
// the offset estimator takes, and decodes a second of silence-free noise when the model is there.
#include <cstdio>
#include <vector>

#include <syncdsp/pocketsphinx.hpp>
#include <syncdsp/syncdsp.hpp>

int main() {
    const syncdsp::audio::phone_recogniser recognise = syncdsp::audio::pocketsphinx_recogniser();
    if (!syncdsp::audio::phone_recogniser_available()) {
        std::printf("consumer_phones ok (no model: %s)\n", syncdsp::audio::phone_recogniser_status().c_str());
        return 0;
    }
    std::vector<float> x(16000);
    unsigned seed = 1;
    for (auto& v : x) v = static_cast<float>((seed = seed * 1664525u + 1013904223u) >> 8) / 16777216.0f * 0.2f - 0.1f;
    const auto r = recognise(x.data(), x.size(), 16000);
    std::printf("consumer_phones ok: %zu utterance(s)\n", r.utterances.size());
    return r.utterances.size() == 1 ? 0 : 1;
}
