#!/usr/bin/env python3
"""Golden data for the nn op tests (tests/nn/test_ops.cpp), computed by PyTorch itself.

Every case is random data with odd sizes; the op is the torch.nn.functional call named below with the
parameters the C++ test uses (keep the two in sync). Values are float32.

Regenerate:  /usr/bin/python3 scripts/golden/gen_nn.py     (Debian python3-torch 1.13, python3-numpy)
Output:      tests/golden/nn/ops/<case>_{x,w,b,y,...}.npy
"""
import os
import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(20261122)
torch.set_num_threads(1)
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "golden", "nn", "ops")
os.makedirs(out, exist_ok=True)


def save(case, **arrays):
    for k, v in arrays.items():
        np.save(os.path.join(out, f"{case}_{k}.npy"), np.ascontiguousarray(v.detach().numpy().astype(np.float32)))


def r(*shape):
    return torch.randn(*shape, dtype=torch.float32)


# --- conv2d --------------------------------------------------------------------------------
def conv2d_case(case, xs, ws, stride, padding, dilation, groups, bias=True):
    x, w = r(*xs), r(*ws)
    b = r(ws[0]) if bias else torch.zeros(0)
    y = F.conv2d(x, w, b if bias else None, stride, padding, dilation, groups)
    save(case, x=x, w=w, b=b, y=y)

conv2d_case("conv2d_basic", (2, 3, 11, 13), (5, 3, 3, 3), 1, 1, 1, 1)
conv2d_case("conv2d_strided", (1, 4, 17, 15), (6, 2, 3, 5), (2, 3), (2, 1), (2, 1), 2)
conv2d_case("conv2d_depthwise", (2, 6, 13, 9), (12, 1, 3, 3), 2, 1, 1, 6)
conv2d_case("conv2d_pointwise", (1, 7, 9, 11), (5, 7, 1, 1), 1, 0, 1, 1, bias=False)
conv2d_case("conv2d_audio_like", (3, 1, 13, 20), (9, 1, 5, 4), 1, 0, 1, 1)

# --- conv3d --------------------------------------------------------------------------------
def conv3d_case(case, xs, ws, stride, padding, dilation, groups):
    x, w, b = r(*xs), r(*ws), r(ws[0])
    y = F.conv3d(x, w, b, stride, padding, dilation, groups)
    save(case, x=x, w=w, b=b, y=y)

conv3d_case("conv3d_basic", (2, 3, 5, 13, 11), (4, 3, 3, 3, 5), (1, 2, 2), (1, 0, 2), (1, 2, 1), 1)
conv3d_case("conv3d_groups", (1, 4, 3, 9, 9), (6, 2, 1, 3, 3), 1, (0, 1, 1), 1, 2)
conv3d_case("conv3d_lip_like", (2, 3, 5, 23, 21), (7, 3, 5, 7, 7), (1, 2, 2), 0, 1, 1)

# --- batch norm (eval) and its folding into a conv ------------------------------------------
C = 5
gamma, beta = torch.rand(C) + 0.5, r(C) * 0.1
mean, var = r(C) * 0.1, torch.rand(C) + 0.5
x = r(2, C, 7, 3)
y = F.batch_norm(x, mean, var, gamma, beta, training=False, eps=1e-5)
save("batchnorm", x=x, y=y, gamma=gamma, beta=beta, mean=mean, var=var)
xc, w, b = r(2, 3, 9, 7), r(C, 3, 3, 3), r(C)
y = F.relu(F.batch_norm(F.conv2d(xc, w, b, padding=1), mean, var, gamma, beta, training=False, eps=1e-5))
save("conv_bn_relu", x=xc, w=w, b=b, y=y)

# --- pooling -----------------------------------------------------------------------------------
x = r(2, 3, 11, 14)
save("maxpool2d_ceil", x=x, y=F.max_pool2d(x, 3, 2, 1, ceil_mode=True))
save("maxpool2d_dil", x=x, y=F.max_pool2d(x, (3, 2), (1, 2), (1, 0), (2, 3)))
save("maxpool2d_floor", x=x, y=F.max_pool2d(x, 3, (1, 2), 0))
save("avgpool2d_incl", x=x, y=F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=True))
save("avgpool2d_excl", x=x, y=F.avg_pool2d(x, (3, 4), 2, (1, 2), ceil_mode=True, count_include_pad=False))
x3 = r(1, 3, 4, 13, 12)
save("maxpool3d", x=x3, y=F.max_pool3d(x3, (1, 3, 3), (1, 2, 2), (0, 1, 1), ceil_mode=True))
save("avgpool3d_incl", x=x3, y=F.avg_pool3d(x3, (2, 3, 3), (1, 2, 2), (1, 1, 1), ceil_mode=True, count_include_pad=True))
save("avgpool3d_excl", x=x3, y=F.avg_pool3d(x3, (2, 3, 3), (1, 2, 2), (1, 1, 1), ceil_mode=False, count_include_pad=False))

# --- small layers ------------------------------------------------------------------------------
x = r(3, 7)
save("relu", x=x, y=F.relu(x))
save("leaky", x=x, y=F.leaky_relu(x, 0.1))
x, w, b = r(5, 13), r(7, 13), r(7)
save("linear", x=x, w=w, b=b, y=F.linear(x, w, b))
a, c = r(6, 9), r(6, 9)
save("normalize", x=a, y=F.normalize(a, p=2, dim=1))
save("pairwise", x=a, w=c, y=F.pairwise_distance(a, c))
e = r(4, 9)
save("cdist", x=a, w=e, y=torch.cdist(a, e))
print("wrote", len(os.listdir(out)), "files to", os.path.normpath(out))
