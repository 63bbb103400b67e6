// nn op tests against PyTorch. Golden data: scripts/golden/gen_nn.py (torch 1.13 float32, random
// inputs with odd sizes, the exact F.* call and parameters are in the script and mirrored here).
// Regenerate: /usr/bin/python3 scripts/golden/gen_nn.py
// Tolerance: max|ours - torch| / max|torch| <= 1e-4 (float32 sums in a different order; the
// observed errors are ~1e-7).
#include "nn_test_support.hpp"
#include "syncdsp/nn/conv.hpp"
#include "syncdsp/nn/layers.hpp"
#include "syncdsp/nn/pool.hpp"

namespace test_ops {

using namespace syncdsp;
using syncdsp::test::load_nn;
using syncdsp::test::relative_error;
using syncdsp::test::shapes_equal;

namespace {
constexpr double tol = 1e-4;

void check_conv2d(const std::string& c, nn::conv2d_options o, unsigned threads = 1) {
    o.threads = threads;
    const auto x = load_nn<4>("ops/" + c + "_x");
    const auto w = load_nn<4>("ops/" + c + "_w");
    const auto b = load_nn<1>("ops/" + c + "_b");
    const auto y = load_nn<4>("ops/" + c + "_y");
    const auto got = nn::conv2d(x, w, b, o);
    REQUIRE(shapes_equal(got, y));
    CHECK(relative_error(got, y) <= tol);
}

void check_conv3d(const std::string& c, nn::conv3d_options o) {
    const auto x = load_nn<5>("ops/" + c + "_x");
    const auto w = load_nn<5>("ops/" + c + "_w");
    const auto b = load_nn<1>("ops/" + c + "_b");
    const auto y = load_nn<5>("ops/" + c + "_y");
    const auto got = nn::conv3d(x, w, b, o);
    REQUIRE(shapes_equal(got, y));
    CHECK(relative_error(got, y) <= tol);
}

template <std::size_t R, class F>
void check_unary(const std::string& c, F f) {
    const auto x = load_nn<R>("ops/" + c + "_x");
    const auto y = load_nn<R>("ops/" + c + "_y");
    const auto got = f(x);
    INFO(c);
    REQUIRE(shapes_equal(got, y));
    CHECK(relative_error(got, y) <= tol);
}
}  // namespace

TEST_CASE("conv2d matches torch: padding, stride, dilation, groups, depthwise, 1x1") {
    nn::conv2d_options o;
    o.padding = {1, 1};
    check_conv2d("conv2d_basic", o);
    check_conv2d("conv2d_basic", o, 2);  // batch split over threads gives the same answer

    nn::conv2d_options s;
    s.stride = {2, 3};
    s.padding = {2, 1};
    s.dilation = {2, 1};
    s.groups = 2;
    check_conv2d("conv2d_strided", s);

    nn::conv2d_options d;
    d.stride = {2, 2};
    d.padding = {1, 1};
    d.groups = 6;
    check_conv2d("conv2d_depthwise", d);
    check_conv2d("conv2d_depthwise", d, 2);

    check_conv2d("conv2d_pointwise", {});
    check_conv2d("conv2d_audio_like", {});
}

TEST_CASE("depthwise_conv2d sets groups from the input") {
    nn::conv2d_options d;
    d.stride = {2, 2};
    d.padding = {1, 1};
    const auto x = load_nn<4>("ops/conv2d_depthwise_x");
    const auto w = load_nn<4>("ops/conv2d_depthwise_w");
    const auto b = load_nn<1>("ops/conv2d_depthwise_b");
    const auto y = load_nn<4>("ops/conv2d_depthwise_y");
    CHECK(relative_error(nn::depthwise_conv2d(x, w, b, d), y) <= tol);
}

TEST_CASE("conv3d matches torch") {
    nn::conv3d_options o;
    o.stride = {1, 2, 2};
    o.padding = {1, 0, 2};
    o.dilation = {1, 2, 1};
    check_conv3d("conv3d_basic", o);

    nn::conv3d_options g;
    g.padding = {0, 1, 1};
    g.groups = 2;
    check_conv3d("conv3d_groups", g);

    nn::conv3d_options l;
    l.stride = {1, 2, 2};
    l.threads = 2;
    check_conv3d("conv3d_lip_like", l);
}

TEST_CASE("batch norm in eval mode, and folded into the conv before it") {
    nn::batch_norm_params bn;
    bn.gamma = load_nn<1>("ops/batchnorm_gamma");
    bn.beta = load_nn<1>("ops/batchnorm_beta");
    bn.mean = load_nn<1>("ops/batchnorm_mean");
    bn.var = load_nn<1>("ops/batchnorm_var");
    check_unary<4>("batchnorm", [&](const auto& x) { return nn::batch_norm(x, bn); });

    auto w = load_nn<4>("ops/conv_bn_relu_w");
    auto b = load_nn<1>("ops/conv_bn_relu_b");
    nn::fold_batch_norm(w, b, bn);
    nn::conv2d_options o;
    o.padding = {1, 1};
    o.act = nn::activation::relu;
    check_unary<4>("conv_bn_relu", [&](const auto& x) { return nn::conv2d(x, w, b, o); });
}

TEST_CASE("pooling matches torch incl. padding, ceil_mode, dilation, count_include_pad") {
    nn::pool2d_options m;
    m.kernel = {3, 3};
    m.stride = {2, 2};
    m.padding = {1, 1};
    m.ceil_mode = true;
    check_unary<4>("maxpool2d_ceil", [&](const auto& x) { return nn::max_pool2d(x, m); });

    nn::pool2d_options md;
    md.kernel = {3, 2};
    md.stride = {1, 2};
    md.padding = {1, 0};
    md.dilation = {2, 3};
    check_unary<4>("maxpool2d_dil", [&](const auto& x) { return nn::max_pool2d(x, md); });

    nn::pool2d_options mf;
    mf.kernel = {3, 3};
    mf.stride = {1, 2};
    check_unary<4>("maxpool2d_floor", [&](const auto& x) { return nn::max_pool2d(x, mf); });

    nn::pool2d_options a = m;
    check_unary<4>("avgpool2d_incl", [&](const auto& x) { return nn::avg_pool2d(x, a); });
    nn::pool2d_options ae;
    ae.kernel = {3, 4};
    ae.stride = {2, 2};
    ae.padding = {1, 2};
    ae.ceil_mode = true;
    ae.count_include_pad = false;
    check_unary<4>("avgpool2d_excl", [&](const auto& x) { return nn::avg_pool2d(x, ae); });

    nn::pool3d_options m3;
    m3.kernel = {1, 3, 3};
    m3.stride = {1, 2, 2};
    m3.padding = {0, 1, 1};
    m3.ceil_mode = true;
    check_unary<5>("maxpool3d", [&](const auto& x) { return nn::max_pool3d(x, m3); });

    nn::pool3d_options a3;
    a3.kernel = {2, 3, 3};
    a3.stride = {1, 2, 2};
    a3.padding = {1, 1, 1};
    a3.ceil_mode = true;
    check_unary<5>("avgpool3d_incl", [&](const auto& x) { return nn::avg_pool3d(x, a3); });
    a3.ceil_mode = false;
    a3.count_include_pad = false;
    check_unary<5>("avgpool3d_excl", [&](const auto& x) { return nn::avg_pool3d(x, a3); });
}

TEST_CASE("activations, linear, normalize, distances match torch") {
    check_unary<2>("relu", [](const auto& x) { return nn::relu(x); });
    check_unary<2>("leaky", [](const auto& x) { return nn::leaky_relu(x, 0.1f); });
    const auto w = load_nn<2>("ops/linear_w");
    const auto b = load_nn<1>("ops/linear_b");
    check_unary<2>("linear", [&](const auto& x) { return nn::linear(x, w, b); });
    check_unary<2>("normalize", [](const auto& x) { return nn::l2_normalize(x); });
    const auto p = load_nn<2>("ops/pairwise_w");
    const auto x = load_nn<2>("ops/pairwise_x");
    const auto y = load_nn<1>("ops/pairwise_y");
    CHECK(relative_error(nn::pairwise_distance(x, p), y) <= tol);
    const auto e = load_nn<2>("ops/cdist_w");
    check_unary<2>("cdist", [&](const auto& a) { return nn::cdist(a, e); });
}

TEST_CASE("flatten and concat follow torch.flatten(x, 1) and torch.cat (closed form)") {
    tensor<float, 4> x = xt::arange<float>(0.f, 24.f).reshape({2, 3, 2, 2});
    const auto f = nn::flatten(x);
    CHECK(f.shape()[0] == 2);
    CHECK(f.shape()[1] == 12);
    CHECK(f(1, 0) == 12.f);
    tensor<float, 2> a = {{1, 2}, {3, 4}};
    tensor<float, 2> b = {{5}, {6}};
    const auto c = nn::concat<float, 2>({a, b}, 1);
    const tensor<float, 2> want = {{1, 2, 5}, {3, 4, 6}};
    CHECK(c == want);
    const auto r = nn::concat<float, 2>({a, a}, 0);
    CHECK(r.shape()[0] == 4);
    CHECK(r(3, 1) == 4.f);
    CHECK_THROWS_AS((nn::concat<float, 2>({a, b}, 0)), invalid_argument);
}

TEST_CASE("shape mismatches are clear errors") {
    tensor<float, 4> x = xt::zeros<float>({1, 3, 8, 8});
    tensor<float, 4> w = xt::zeros<float>({4, 2, 3, 3});
    tensor<float, 1> none;
    CHECK_THROWS_WITH_AS(nn::conv2d(x, w, none), doctest::Contains("input channels"), invalid_argument);
    tensor<float, 4> w2 = xt::zeros<float>({4, 3, 9, 9});
    CHECK_THROWS_WITH_AS(nn::conv2d(x, w2, none), doctest::Contains("larger than the padded input"),
                         invalid_argument);
    tensor<float, 4> w3 = xt::zeros<float>({4, 3, 3, 3});
    tensor<float, 1> b3 = xt::zeros<float>({5});
    CHECK_THROWS_WITH_AS(nn::conv2d(x, w3, b3), doctest::Contains("bias has 5"), invalid_argument);
    nn::conv2d_options g;
    g.groups = 2;
    CHECK_THROWS_AS(nn::conv2d(x, w3, none, g), invalid_argument);
    nn::pool2d_options p;
    p.kernel = {3, 3};
    p.padding = {2, 2};
    CHECK_THROWS_WITH_AS(nn::max_pool2d(x, p), doctest::Contains("half the kernel"), invalid_argument);
    p.padding = {0, 0};
    p.kernel = {9, 9};
    CHECK_THROWS_AS(nn::max_pool2d(x, p), invalid_argument);
    tensor<float, 2> a = xt::zeros<float>({2, 3});
    tensor<float, 2> lw = xt::zeros<float>({4, 5});
    CHECK_THROWS_WITH_AS(nn::linear(a, lw, none), doctest::Contains("3 features"), invalid_argument);
}

TEST_CASE("max pooling propagates NaN like torch (closed form)") {
    tensor<float, 4> x = xt::zeros<float>({1, 1, 4, 4});
    x(0, 0, 1, 1) = std::nanf("");
    x(0, 0, 3, 3) = 5.f;
    nn::pool2d_options o;
    o.kernel = {2, 2};
    const auto y = nn::max_pool2d(x, o);
    CHECK(std::isnan(y(0, 0, 0, 0)));
    CHECK(y(0, 0, 0, 1) == 0.f);
    CHECK(y(0, 0, 1, 1) == 5.f);
}

}  // namespace test_ops
