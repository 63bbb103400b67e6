// The digital-silence rule (audio/digital_silence.hpp): exact zeros only.
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "support.hpp"
#include "syncdsp/audio/digital_silence.hpp"

namespace test_digital_silence {

using syncdsp::audio::is_digital_silence;

TEST_CASE("digital silence: every sample exactly 0, nothing else") {
    std::vector<float> z(400, 0.f);
    CHECK(is_digital_silence(z.data(), z.size()));
    CHECK(is_digital_silence(z.data(), 0));  // nothing there: nothing to call data
    z[399] = -0.f;                           // negative zero is zero
    CHECK(is_digital_silence(z.data(), z.size()));
    z[399] = std::numeric_limits<float>::denorm_min();  // the quietest real sample is data
    CHECK_FALSE(is_digital_silence(z.data(), z.size()));
    z[399] = std::numeric_limits<float>::quiet_NaN();  // NaN is not zero
    CHECK_FALSE(is_digital_silence(z.data(), z.size()));
    CHECK(is_digital_silence(z.data(), 399));

    const std::vector<double> d = {0.0, 0.0, 1e-300};
    CHECK(is_digital_silence(d.data(), 2));
    CHECK_FALSE(is_digital_silence(d.data(), 3));
    const std::vector<std::int16_t> pcm = {0, 0, 0, 1};
    CHECK(is_digital_silence(pcm.data(), 3));
    CHECK_FALSE(is_digital_silence(pcm.data(), 4));
}

}  // namespace test_digital_silence
