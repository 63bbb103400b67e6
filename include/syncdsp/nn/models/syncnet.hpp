// syncdsp/nn/models/syncnet.hpp - SyncNet v2 (Chung & Zisserman 2016, the public syncnet_python
// model `S`): an audio encoder on 1x13x20 MFCC windows and a lip encoder on 3x5x224x224 frame
// stacks, each giving one embedding (1024-d at full width) per 5-frame window.
//
// Weights are read by the original state-dict names ("netcnnaud.0.weight", "netfclip.3.bias", ...)
// so a checkpoint exported with scripts/export_syncnet.py loads without renaming. Every
// BatchNorm (eps 1e-5, eval mode) is folded into the conv/linear before it at load time. The width
// is a parameter (syncnet_config), so reduced-width test models with the same layers load too.
//
// Layer table (full width; kernels (T,)H,W; every conv/linear has a bias; BN after each conv and
// after the first linear; ReLU after each BN):
//   audio: conv 1->64 3x3 p1 | maxpool 1x1 (identity) | conv 64->192 3x3 p1 | maxpool 3x3 s(1,2) |
//          conv 192->384 3x3 p1 | conv 384->256 3x3 p1 | conv 256->256 3x3 p1 | maxpool 3x3 s2 |
//          conv 256->512 5x4 | fc 512->512 (BN, ReLU) | fc 512->1024
//   lip:   conv3d 3->96 5x7x7 s(1,2,2) | maxpool (1,3,3) s(1,2,2) | conv3d 96->256 (1,5,5) s(1,2,2)
//          p(0,1,1) | maxpool (1,3,3) s(1,2,2) p(0,1,1) | 3x conv3d 256->256 (1,3,3) p(0,1,1) |
//          maxpool (1,3,3) s(1,2,2) | conv3d 256->512 (1,6,6) | fc 512->512 (BN, ReLU) | fc 512->1024
// Lip input: N x 3 x 5 x 224 x 224, channels in **BGR** order, raw 0..255 values (no mean/std).
// Audio input: N x 1 x 13 x 20, python_speech_features MFCCs of int16-scale audio (100 per second).
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "syncdsp/core/error.hpp"
#include "syncdsp/core/tensor.hpp"
#include "syncdsp/nn/conv.hpp"
#include "syncdsp/nn/layers.hpp"
#include "syncdsp/nn/pool.hpp"
#include "syncdsp/nn/weights.hpp"

namespace syncdsp::nn {

/// Channel widths of a SyncNet; full() is the published model, reduced(k) divides every width by k.
struct syncnet_config {
    std::array<std::size_t, 6> audio{64, 192, 384, 256, 256, 512};  ///< conv output channels
    std::array<std::size_t, 6> lip{96, 256, 256, 256, 256, 512};
    std::size_t fc_hidden = 512;   ///< output of the first linear of each head
    std::size_t embedding = 1024;  ///< output of each head

    static syncnet_config full() { return {}; }

    static syncnet_config reduced(std::size_t divisor) {
        SYNCDSP_REQUIRE(divisor >= 1 && 64 % divisor == 0 && 96 % divisor == 0, "syncnet",
                        "width divisor ", divisor, " must divide 64 and 96 (1, 2, 4, 8, 16, 32)");
        syncnet_config c;
        for (auto& v : c.audio) v /= divisor;
        for (auto& v : c.lip) v /= divisor;
        c.fc_hidden /= divisor;
        c.embedding /= divisor;
        return c;
    }

    /// Reads the widths from the weight shapes (netcnnaud.*.weight dim 0, netfc*.0/3.weight dim 0).
    static syncnet_config infer(const weight_store& w) {
        syncnet_config c;
        const std::array<int, 6> idx{0, 4, 8, 11, 14, 18};
        for (std::size_t i = 0; i < 6; ++i) {
            c.audio[i] = first_dim(w, "netcnnaud." + std::to_string(idx[i]) + ".weight");
            c.lip[i] = first_dim(w, "netcnnlip." + std::to_string(idx[i]) + ".weight");
        }
        c.fc_hidden = first_dim(w, "netfcaud.0.weight");
        c.embedding = first_dim(w, "netfcaud.3.weight");
        return c;
    }

private:
    static std::size_t first_dim(const weight_store& w, const std::string& name) {
        const auto& a = w.at(name);
        SYNCDSP_REQUIRE(a.dimension() >= 1 && a.shape()[0] >= 1, "syncnet", "tensor '", name,
                        "' has no output-channel axis");
        return a.shape()[0];
    }
};

/// Every tensor a SyncNet of this width needs, with PyTorch shapes (conv OI(D)HW, linear [out, in]).
inline std::vector<weight_spec> syncnet_weight_specs(const syncnet_config& c) {
    std::vector<weight_spec> s;
    const std::array<int, 6> conv{0, 4, 8, 11, 14, 18};
    const std::array<std::array<std::size_t, 2>, 6> ak{{{3, 3}, {3, 3}, {3, 3}, {3, 3}, {3, 3}, {5, 4}}};
    const std::array<std::array<std::size_t, 3>, 6> lk{{{5, 7, 7}, {1, 5, 5}, {1, 3, 3}, {1, 3, 3}, {1, 3, 3}, {1, 6, 6}}};
    auto bn = [&](const std::string& p, std::size_t ch) {
        for (const char* f : {"weight", "bias", "running_mean", "running_var"}) s.push_back({p + "." + f, {ch}});
    };
    for (std::size_t i = 0; i < 6; ++i) {
        const std::size_t ain = i == 0 ? 1 : c.audio[i - 1], lin = i == 0 ? 3 : c.lip[i - 1];
        const std::string a = "netcnnaud." + std::to_string(conv[i]);
        const std::string l = "netcnnlip." + std::to_string(conv[i]);
        s.push_back({a + ".weight", {c.audio[i], ain, ak[i][0], ak[i][1]}});
        s.push_back({a + ".bias", {c.audio[i]}});
        bn("netcnnaud." + std::to_string(conv[i] + 1), c.audio[i]);
        s.push_back({l + ".weight", {c.lip[i], lin, lk[i][0], lk[i][1], lk[i][2]}});
        s.push_back({l + ".bias", {c.lip[i]}});
        bn("netcnnlip." + std::to_string(conv[i] + 1), c.lip[i]);
    }
    for (const char* head : {"netfcaud", "netfclip"}) {
        const std::size_t in = head[5] == 'a' ? c.audio[5] : c.lip[5];
        const std::string h = head;
        s.push_back({h + ".0.weight", {c.fc_hidden, in}});
        s.push_back({h + ".0.bias", {c.fc_hidden}});
        bn(h + ".1", c.fc_hidden);
        s.push_back({h + ".3.weight", {c.embedding, c.fc_hidden}});
        s.push_back({h + ".3.bias", {c.embedding}});
    }
    return s;
}

/// A loaded SyncNet with batch norms folded. Forward passes are const and thread-safe.
class syncnet {
public:
    /// Checks the store against the config (all problems reported by name; BatchNorm
    /// num_batches_tracked entries are ignored) and folds the batch norms.
    static syncnet load(const weight_store& w, const syncnet_config& c) {
        w.check(syncnet_weight_specs(c), [](const std::string& n) {
            const std::string suffix = ".num_batches_tracked";
            return n.size() > suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0;
        });
        syncnet net;
        net.config_ = c;
        const std::array<int, 6> conv{0, 4, 8, 11, 14, 18};
        for (std::size_t i = 0; i < 6; ++i) {
            net.audio_[i] = load_conv(w, "netcnnaud", conv[i], true);
            net.lip_[i] = load_conv(w, "netcnnlip", conv[i], false);
        }
        net.fc_audio_ = load_head(w, "netfcaud");
        net.fc_lip_ = load_head(w, "netfclip");
        return net;
    }

    /// Loads a .safetensors file, inferring the width from its shapes.
    static syncnet load(const std::string& path) {
        const auto w = weight_store::load(path);
        return load(w, syncnet_config::infer(w));
    }

    const syncnet_config& config() const { return config_; }

    /// Audio embeddings (N x embedding) of N MFCC windows (N x 1 x 13 x 20).
    tensor<float, 2> embed_audio(const tensor<float, 4>& mfcc, unsigned threads = 1) const {
        const auto& s = mfcc.shape();
        SYNCDSP_REQUIRE(s[1] == 1 && s[2] == 13 && s[3] == 20, "syncnet",
                        "audio input must be N x 1 x 13 x 20 MFCC windows, got ", s[0], "x", s[1], "x", s[2], "x", s[3]);
        require_finite(mfcc.data(), mfcc.size(), "syncnet", "audio input");
        tensor<float, 5> x = tensor<float, 5>::from_shape({s[0], 1, 1, 13, 20});
        std::copy(mfcc.begin(), mfcc.end(), x.begin());
        x = run_conv(x, audio_[0], {0, 1, 1}, threads);
        // netcnnaud.3 is a 1x1 max pool with stride 1: the identity, skipped.
        x = run_conv(x, audio_[1], {0, 1, 1}, threads);
        x = pool(x, {1, 3, 3}, {1, 1, 2}, {0, 0, 0}, threads);
        x = run_conv(x, audio_[2], {0, 1, 1}, threads);
        x = run_conv(x, audio_[3], {0, 1, 1}, threads);
        x = run_conv(x, audio_[4], {0, 1, 1}, threads);
        x = pool(x, {1, 3, 3}, {1, 2, 2}, {0, 0, 0}, threads);
        x = run_conv(x, audio_[5], {0, 0, 0}, threads);
        return head(nn::flatten(x), fc_audio_);
    }

    /// Flattened lip features before the FC head (N x lip[5]); what forward_lipfeat returns.
    tensor<float, 2> lip_features(const tensor<float, 5>& frames, unsigned threads = 1) const {
        const auto& s = frames.shape();
        SYNCDSP_REQUIRE(s[1] == 3 && s[2] == 5 && s[3] == 224 && s[4] == 224, "syncnet",
                        "lip input must be N x 3 x 5 x 224 x 224 (BGR, 0..255), got ", s[0], "x", s[1], "x", s[2], "x",
                        s[3], "x", s[4]);
        require_finite(frames.data(), frames.size(), "syncnet", "lip input");
        tensor<float, 5> x = run_conv(frames, lip_[0], {0, 0, 0}, threads, {1, 2, 2});
        x = pool(x, {1, 3, 3}, {1, 2, 2}, {0, 0, 0}, threads);
        x = run_conv(x, lip_[1], {0, 1, 1}, threads, {1, 2, 2});
        x = pool(x, {1, 3, 3}, {1, 2, 2}, {0, 1, 1}, threads);
        x = run_conv(x, lip_[2], {0, 1, 1}, threads);
        x = run_conv(x, lip_[3], {0, 1, 1}, threads);
        x = run_conv(x, lip_[4], {0, 1, 1}, threads);
        x = pool(x, {1, 3, 3}, {1, 2, 2}, {0, 0, 0}, threads);
        x = run_conv(x, lip_[5], {0, 0, 0}, threads);
        return nn::flatten(x);
    }

    /// Lip embeddings (N x embedding) of N frame stacks (N x 3 x 5 x 224 x 224, BGR 0..255).
    tensor<float, 2> embed_lip(const tensor<float, 5>& frames, unsigned threads = 1) const {
        return head(lip_features(frames, threads), fc_lip_);
    }

    /// Multiply-accumulates per window of each stream (for GFLOP/s figures).
    double audio_macs_per_window() const { return macs(true); }
    double lip_macs_per_window() const { return macs(false); }

private:
    struct conv_layer {
        tensor<float, 5> w;  // (Cout, Cin, kD, kH, kW), BN folded
        tensor<float, 1> b;
    };
    struct fc_head {
        tensor<float, 2> w0, w3;
        tensor<float, 1> b0, b3;
    };

    static batch_norm_params load_bn(const weight_store& w, const std::string& p, std::size_t ch) {
        batch_norm_params bn;
        bn.gamma = w.get<1>(p + ".weight", {ch});
        bn.beta = w.get<1>(p + ".bias", {ch});
        bn.mean = w.get<1>(p + ".running_mean", {ch});
        bn.var = w.get<1>(p + ".running_var", {ch});
        bn.eps = 1e-5f;
        return bn;
    }

    static conv_layer load_conv(const weight_store& w, const std::string& net, int idx, bool two_d) {
        const std::string p = net + "." + std::to_string(idx);
        const auto& a = w.at(p + ".weight");
        conv_layer l;
        const auto& s = a.shape();
        if (two_d) l.w = tensor<float, 5>::from_shape({s[0], s[1], 1, s[2], s[3]});
        else l.w = tensor<float, 5>::from_shape({s[0], s[1], s[2], s[3], s[4]});
        std::copy(a.begin(), a.end(), l.w.begin());
        l.b = w.get<1>(p + ".bias", {s[0]});
        fold_batch_norm(l.w, l.b, load_bn(w, net + "." + std::to_string(idx + 1), s[0]));
        return l;
    }

    static fc_head load_head(const weight_store& w, const std::string& net) {
        fc_head h;
        const auto& a0 = w.at(net + ".0.weight");
        const auto& a3 = w.at(net + ".3.weight");
        h.w0 = w.get<2>(net + ".0.weight", {a0.shape()[0], a0.shape()[1]});
        h.b0 = w.get<1>(net + ".0.bias", {a0.shape()[0]});
        h.w3 = w.get<2>(net + ".3.weight", {a3.shape()[0], a3.shape()[1]});
        h.b3 = w.get<1>(net + ".3.bias", {a3.shape()[0]});
        fold_batch_norm(h.w0, h.b0, load_bn(w, net + ".1", a0.shape()[0]));
        return h;
    }

    static tensor<float, 5> run_conv(const tensor<float, 5>& x, const conv_layer& l, std::array<std::size_t, 3> pad,
                                     unsigned threads, std::array<std::size_t, 3> stride = {1, 1, 1}) {
        conv3d_options o;
        o.padding = pad;
        o.stride = stride;
        o.act = activation::relu;
        o.threads = threads;
        return conv3d(x, l.w, l.b, o);
    }

    static tensor<float, 5> pool(const tensor<float, 5>& x, std::array<std::size_t, 3> k,
                                 std::array<std::size_t, 3> s, std::array<std::size_t, 3> p, unsigned threads) {
        pool3d_options o;
        o.kernel = k;
        o.stride = s;
        o.padding = p;
        o.threads = threads;
        return max_pool3d(x, o);
    }

    static tensor<float, 2> head(const tensor<float, 2>& x, const fc_head& h) {
        tensor<float, 2> y = linear(x, h.w0, h.b0);
        relu_inplace(y);
        return linear(y, h.w3, h.b3);
    }

    double macs(bool audio) const {
        // Output positions per conv layer at the fixed input sizes (see the layer table).
        const std::array<double, 6> apos{13 * 20, 13 * 20, 11 * 9, 11 * 9, 11 * 9, 1};
        const std::array<double, 6> lpos{109 * 109, 26 * 26, 13 * 13, 13 * 13, 13 * 13, 1};
        const auto& L = audio ? audio_ : lip_;
        double m = 0;
        for (std::size_t i = 0; i < 6; ++i)
            m += (audio ? apos[i] : lpos[i]) * double(L[i].w.size());
        const auto& h = audio ? fc_audio_ : fc_lip_;
        return m + double(h.w0.size() + h.w3.size());
    }

    syncnet_config config_;
    std::array<conv_layer, 6> audio_, lip_;
    fc_head fc_audio_, fc_lip_;
};

}  // namespace syncdsp::nn
