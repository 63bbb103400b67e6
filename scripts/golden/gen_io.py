#!/usr/bin/env python3
"""Golden files for the io tests, written by the references themselves:
numpy.save for .npy and scipy.io.wavfile.write for WAV (independent writers).

Regenerate:  /usr/bin/python3 scripts/golden/gen_io.py   (Debian python3-numpy, python3-scipy)
Output:      tests/golden/io/
"""
import os
import numpy as np
import scipy.io.wavfile as wavfile

out = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "golden", "io")
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(20261122)

# NPY: several dtypes and ranks, values the test recomputes from the same closed form.
def ramp(shape):
    n = int(np.prod(shape))
    return (np.arange(n, dtype=np.float64) * 0.25 - 3.0).reshape(shape)

np.save(os.path.join(out, "ramp_f4_2x3x4.npy"), ramp((2, 3, 4)).astype("<f4"))
np.save(os.path.join(out, "ramp_f8_5.npy"), ramp((5,)).astype("<f8"))
np.save(os.path.join(out, "ramp_f8_big_endian_3x2.npy"), ramp((3, 2)).astype(">f8"))
np.save(os.path.join(out, "ramp_i2_4x2.npy"), (ramp((4, 2)) * 4).astype("<i2"))
np.save(os.path.join(out, "ramp_u1_6.npy"), np.arange(6, dtype=np.uint8) * 40)
np.save(os.path.join(out, "scalar_f8.npy"), np.float64(2.5))
np.save(os.path.join(out, "empty_f4_0x3.npy"), np.zeros((0, 3), dtype=np.float32))

# WAV: the same integer ramp in each format scipy writes; the test knows the exact values.
n = 64
ints16 = ((np.arange(n) * 1021) % 65536 - 32768).astype(np.int16)
wavfile.write(os.path.join(out, "ramp_s16_stereo.wav"), 16000, np.stack([ints16, -ints16 - 1], axis=1))
wavfile.write(os.path.join(out, "ramp_u8_mono.wav"), 8000, (np.arange(n) * 4 % 256).astype(np.uint8))
wavfile.write(os.path.join(out, "ramp_s32_mono.wav"), 48000, ints16.astype(np.int32) << 16)
wavfile.write(os.path.join(out, "ramp_f32_3ch.wav"), 44100,
              np.stack([ints16 / 32768.0, ints16 / 65536.0, -ints16 / 32768.0], axis=1).astype(np.float32))
wavfile.write(os.path.join(out, "ramp_f64_mono.wav"), 22050, (ints16 / 32768.0).astype(np.float64))
print("wrote", sorted(os.listdir(out)))
