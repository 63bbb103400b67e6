// A program built against the *installed* syncdsp package with default compiler flags: the nn GEMM
// must link (Highway comes with syncdsp::syncdsp) and dispatch at run time to the CPU's best SIMD,
// not to the baseline the program was compiled for.
#include <cstdio>
#include <string>
#include <vector>

#include <syncdsp/nn/gemm.hpp>

int main() {
    const std::vector<float> a{1, 2, 3, 4, 5, 6}, b{1, 0, 0, 1, 1, 1}, bias{10, 20};
    std::vector<float> c(4);
    syncdsp::nn::gemm_args g;  // (2x3) . (3x2) + row bias
    g.M = 2;
    g.N = 2;
    g.K = 3;
    g.a = a.data();
    g.lda = 3;
    g.b = b.data();
    g.ldb = 2;
    g.c = c.data();
    g.ldc = 2;
    g.row_bias = bias.data();
    syncdsp::nn::gemm(g);
    if (c != std::vector<float>{14, 15, 30, 31}) return 1;
    const std::string backend = syncdsp::nn::gemm_backend();
    std::printf("consumer nn ok: gemm backend %s\n", backend.c_str());
#if defined(__x86_64__) && defined(__GNUC__)
    // Built without -m flags, yet on an AVX2 machine the AVX2 (or AVX-512) kernel must be the one used.
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && backend.find("AVX") == std::string::npos) return 2;
#endif
    return 0;
}
