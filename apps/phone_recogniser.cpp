// apps/phone_recogniser.cpp - the phone recogniser of the `syncdsp` program. The one file of the
// program that asks whether pocketsphinx is built in (SYNCDSP_HAVE_POCKETSPHINX, set by the CMake
// target syncdsp::phones), so no inline function changes meaning between its translation units.
#include <string>

#include "options.hpp"
#include "syncdsp/audio/phones.hpp"
#include "syncdsp/core/error.hpp"

#if defined(SYNCDSP_HAVE_POCKETSPHINX)
#include "syncdsp/audio/pocketsphinx.hpp"
#endif

namespace syncdsp::cli {

#if defined(SYNCDSP_HAVE_POCKETSPHINX)

audio::phone_recogniser program_phone_recogniser(const audio::phone_options& opt) {
    return audio::pocketsphinx_recogniser(opt);
}

std::string phone_recogniser_status(const audio::phone_options& opt) { return audio::phone_recogniser_status(opt); }

#else

audio::phone_recogniser program_phone_recogniser(const audio::phone_options&) {
    return [](const float*, std::size_t, unsigned) -> audio::phone_result {
        detail::throw_unsupported("phones", audio::pocketsphinx_missing_message);
    };
}

std::string phone_recogniser_status(const audio::phone_options&) { return audio::pocketsphinx_missing_message; }

#endif

}  // namespace syncdsp::cli
