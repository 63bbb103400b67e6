#!/usr/bin/env python3
"""Golden safetensors files for tests/nn/test_safetensors.cpp and the fuzz seed corpus.

The writer below is a direct statement of the safetensors layout (u64-LE header length, JSON header,
little-endian C-order data); dtype conversion is done by numpy/torch (float16 by numpy, bfloat16 by
torch), and the expected float32 values are saved next to the file as .npy.

Regenerate:  /usr/bin/python3 scripts/golden/gen_nn_safetensors.py   (python3-numpy, python3-torch)
Output:      tests/golden/nn/st_mixed.safetensors, tests/golden/nn/st_mixed_<name>.npy,
             tests/fuzz/corpus/safetensors/*.safetensors
"""
import json
import os
import struct
import numpy as np
import torch

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
gold = os.path.join(root, "tests", "golden", "nn")
corpus = os.path.join(root, "tests", "fuzz", "corpus", "safetensors")
os.makedirs(gold, exist_ok=True)
os.makedirs(corpus, exist_ok=True)


def write(path, tensors, metadata=None, align=8):
    """tensors: list of (name, dtype string, shape, raw little-endian bytes)."""
    header, blobs, pos = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [pos, pos + len(raw)]}
        blobs.append(raw)
        pos += len(raw)
    js = json.dumps(header, separators=(",", ":")).encode()
    js += b" " * ((align - len(js) % align) % align)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(js)) + js + b"".join(blobs))


rng = np.random.default_rng(7)
f32 = rng.standard_normal((3, 5)).astype("<f4")
f16 = np.array([0.0, -0.0, 1.0, -2.5, 65504.0, 6.1035156e-05, 5.9604645e-08, 3.140625, np.inf, -np.inf],
               dtype="<f2")  # incl. max normal, min normal, min subnormal, infinities
bf = torch.tensor(rng.standard_normal(7).astype(np.float32)).to(torch.bfloat16)
bf_bits = bf.view(torch.int16).numpy().astype("<i2")
f64 = rng.standard_normal((2, 2)).astype("<f8")
i64 = np.array(12345, dtype="<i8")
# Stored widest dtype first (as the reference serializer orders them) so every tensor is aligned.
write(os.path.join(gold, "st_mixed.safetensors"), [
    ("d.f64", "F64", f64.shape, f64.tobytes()),
    ("e.num_batches_tracked", "I64", (), i64.tobytes()),
    ("a.f32", "F32", f32.shape, f32.tobytes()),
    ("b.f16", "F16", f16.shape, f16.tobytes()),
    ("c.bf16", "BF16", (7,), bf_bits.tobytes()),
], metadata={"format": "pt", "source": "gen_nn_safetensors.py"})
np.save(os.path.join(gold, "st_mixed_a.npy"), f32)
np.save(os.path.join(gold, "st_mixed_b.npy"), f16.astype(np.float32))
np.save(os.path.join(gold, "st_mixed_c.npy"), bf.to(torch.float32).numpy())
np.save(os.path.join(gold, "st_mixed_d.npy"), f64.astype(np.float32))

# Seeds for the fuzzer: the mixed file, an empty one, a scalar, and a zero-size tensor.
write(os.path.join(corpus, "mixed.safetensors"), [
    ("w", "F32", (2, 2), np.arange(4, dtype="<f4").tobytes()),
    ("h", "F16", (3,), np.array([1, 2, 3], dtype="<f2").tobytes()),
    ("b", "BF16", (1,), np.array([0x3f80], dtype="<u2").tobytes()),
], metadata={"k": "v"})
write(os.path.join(corpus, "empty.safetensors"), [])
write(os.path.join(corpus, "scalar_and_zero.safetensors"), [
    ("i", "I64", (1,), np.array([7], dtype="<i8").tobytes()),
    ("s", "F32", (), np.array(1.5, dtype="<f4").tobytes()),
    ("z", "F32", (0, 3), b""),
])
print("wrote golden and corpus files")
