// syncdsp/syncdsp.hpp stays light (DESIGN.md): it may pull in neither the ffmpeg subprocess code
// (posix_spawn, unistd.h, sys/wait.h), nor pocketsphinx, nor the io, nn or pipeline layers.
// Part of the syncdsp_header_check program (tests/CMakeLists.txt), whose main() this is.

// Any header that declares one of these names stops the build here.
#pragma GCC poison posix_spawnp posix_spawn_file_actions_init waitpid ps_init ps_decoder_t

#include "syncdsp/syncdsp.hpp"

#if defined(_UNISTD_H) || defined(_SPAWN_H) || defined(_SYS_WAIT_H) || defined(_FCNTL_H)
#error "syncdsp/syncdsp.hpp pulled in POSIX process headers: keep subprocess code behind syncdsp/io.hpp"
#endif

// A namespace alias may not reuse the name of an existing namespace, so these fail to compile
// ("conflicts with a previous declaration") if syncdsp.hpp declared anything in those layers.
namespace syncdsp {
namespace io = ::std;
namespace nn = ::std;
namespace pipeline = ::std;
}  // namespace syncdsp

int main() { return 0; }
