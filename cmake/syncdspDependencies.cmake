# Finds syncdsp's dependencies and sets SYNCDSP_DEPENDENCY_TARGETS.
# Used by the source tree and, installed, by syncdspConfig.cmake, so a consumer of the installed
# package gets the same targets. A missing dependency stops with the Debian package to install.
include(CMakeFindDependencyMacro OPTIONAL)

macro(_syncdsp_missing what debian)
  message(FATAL_ERROR "syncdsp needs ${what}, which was not found. On Debian/Ubuntu: "
                      "apt-get install ${debian} (or run scripts/setup.sh)")
endmacro()

find_package(Eigen3 3.3 QUIET NO_MODULE)
if(NOT TARGET Eigen3::Eigen)
  _syncdsp_missing("Eigen 3" "libeigen3-dev")
endif()
find_package(xtensor QUIET)
if(NOT TARGET xtensor)
  _syncdsp_missing("xtensor" "xtensor-dev")
endif()
find_package(Threads REQUIRED)
find_package(PkgConfig QUIET)
if(NOT PKG_CONFIG_FOUND)
  _syncdsp_missing("pkg-config" "pkg-config")
endif()
if(NOT TARGET PkgConfig::SYNCDSP_FFTW3)
  pkg_check_modules(SYNCDSP_FFTW3 QUIET IMPORTED_TARGET GLOBAL fftw3)
endif()
if(NOT TARGET PkgConfig::SYNCDSP_FFTW3)
  _syncdsp_missing("FFTW 3 (double)" "libfftw3-dev")
endif()
if(NOT TARGET PkgConfig::SYNCDSP_FFTW3F)
  pkg_check_modules(SYNCDSP_FFTW3F QUIET IMPORTED_TARGET GLOBAL fftw3f)
endif()
if(NOT TARGET PkgConfig::SYNCDSP_FFTW3F)
  _syncdsp_missing("FFTW 3 (float)" "libfftw3-dev")
endif()
if(NOT TARGET PkgConfig::SYNCDSP_STB)
  pkg_check_modules(SYNCDSP_STB QUIET IMPORTED_TARGET GLOBAL stb)
endif()
if(NOT TARGET PkgConfig::SYNCDSP_STB)
  _syncdsp_missing("stb (stb_image, stb_image_write)" "libstb-dev")
endif()
find_package(nlohmann_json 3.9 QUIET)
if(NOT TARGET nlohmann_json::nlohmann_json)
  _syncdsp_missing("nlohmann-json 3" "nlohmann-json3-dev")
endif()

# Google Highway: run-time SIMD dispatch of the nn GEMM (syncdsp/nn/gemm.hpp). The kernels are
# compiled in the consumer's translation units; libhwy supplies the CPU detection they dispatch on.
find_package(hwy 1.0 QUIET CONFIG)
if(TARGET hwy::hwy)
  set(_syncdsp_hwy_target hwy::hwy)
else()
  if(NOT TARGET PkgConfig::SYNCDSP_HWY)
    pkg_check_modules(SYNCDSP_HWY QUIET IMPORTED_TARGET GLOBAL libhwy>=1.0)
  endif()
  if(NOT TARGET PkgConfig::SYNCDSP_HWY)
    _syncdsp_missing("Google Highway >= 1.0" "libhwy-dev")
  endif()
  set(_syncdsp_hwy_target PkgConfig::SYNCDSP_HWY)
endif()

set(SYNCDSP_DEPENDENCY_TARGETS Eigen3::Eigen xtensor PkgConfig::SYNCDSP_FFTW3 PkgConfig::SYNCDSP_FFTW3F
    PkgConfig::SYNCDSP_STB nlohmann_json::nlohmann_json ${_syncdsp_hwy_target} Threads::Threads)

# Optional: pocketsphinx (Debian libpocketsphinx-dev + libsphinxbase-dev, model pocketsphinx-en-us)
# for the phone recogniser (syncdsp/audio/pocketsphinx.hpp). Without it everything else builds; the target
# syncdsp::phones then does not exist.
if(NOT TARGET PkgConfig::SYNCDSP_POCKETSPHINX)
  pkg_check_modules(SYNCDSP_POCKETSPHINX QUIET IMPORTED_TARGET GLOBAL pocketsphinx sphinxbase)
  # Debian's sphinxbase.pc names /usr/include/sphinxbase, which does not exist (the headers are in
  # the multiarch directory). A consumer linking the installed syncdsp::phones would then fail to
  # configure ("includes non-existent path"), so keep only the directories that exist.
  if(TARGET PkgConfig::SYNCDSP_POCKETSPHINX)
    get_target_property(_syncdsp_ps_dirs PkgConfig::SYNCDSP_POCKETSPHINX INTERFACE_INCLUDE_DIRECTORIES)
    set(_syncdsp_ps_existing)
    foreach(_dir IN LISTS _syncdsp_ps_dirs)
      if(IS_DIRECTORY "${_dir}")
        list(APPEND _syncdsp_ps_existing "${_dir}")
      endif()
    endforeach()
    set_target_properties(PkgConfig::SYNCDSP_POCKETSPHINX PROPERTIES
                          INTERFACE_INCLUDE_DIRECTORIES "${_syncdsp_ps_existing}")
  endif()
endif()
