#!/usr/bin/env python3
"""Convert a syncnet_python checkpoint (syncnet_v2.model, a torch.save'd state dict of model `S`)
to safetensors, keeping the original state-dict names, so `syncdsp syncnet --weights` can load it.

    /usr/bin/python3 scripts/export_syncnet.py syncnet_v2.model syncnet_v2.safetensors

Needs PyTorch only to unpickle the checkpoint (Debian: apt-get install python3-torch python3-numpy).
Writes float32 tensors (so every tensor is 4-byte aligned), drops BatchNorm's integer
`num_batches_tracked` counters (inference does not use them), and records the source file in
__metadata__. Also accepts a checkpoint whose state dict sits under "state_dict" or "model", and a
pickled nn.Module. Checks that the names are SyncNet's (netcnnaud/netfcaud/netcnnlip/netfclip).
"""
import json
import os
import struct
import sys

SYNCNET_PREFIXES = ("netcnnaud.", "netfcaud.", "netcnnlip.", "netfclip.")


def write_safetensors(path, named_arrays, metadata=None):
    """named_arrays: list of (name, numpy float32 array). Writes atomically (temp file + rename)."""
    import numpy as np
    header, blobs, pos = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, arr in named_arrays:
        a = np.ascontiguousarray(arr, dtype="<f4")
        raw = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [pos, pos + len(raw)]}
        blobs.append(raw)
        pos += len(raw)
    js = json.dumps(header, separators=(",", ":")).encode()
    js += b" " * ((8 - len(js) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(js)))
        f.write(js)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def state_dict_to_arrays(state):
    """Float tensors as (name, float32 numpy) in state-dict order; num_batches_tracked dropped."""
    out = []
    for name, t in state.items():
        if name.endswith("num_batches_tracked"):
            continue
        if not t.is_floating_point():
            raise SystemExit(f"export_syncnet: tensor '{name}' has non-float dtype {t.dtype}")
        out.append((name, t.detach().cpu().float().numpy()))
    return out


def main(argv):
    if len(argv) != 3 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 2 if len(argv) != 2 else 0
    src, dst = argv[1], argv[2]
    if not os.path.isfile(src):
        print(f"export_syncnet: checkpoint '{src}' not found. The SyncNet v2 weights come from "
              "syncnet_python (download_model.sh: syncnet_v2.model); syncdsp cannot download them.", file=sys.stderr)
        return 1
    try:
        import numpy  # noqa: F401
        import torch
    except ImportError as e:
        print(f"export_syncnet: needs PyTorch and numpy to read the checkpoint ({e}). "
              "On Debian: apt-get install python3-torch python3-numpy, and run with /usr/bin/python3.", file=sys.stderr)
        return 1
    obj = torch.load(src, map_location="cpu")
    if isinstance(obj, torch.nn.Module):
        obj = obj.state_dict()
    for key in ("state_dict", "model"):
        if isinstance(obj, dict) and key in obj and isinstance(obj[key], dict):
            obj = obj[key]
    if not isinstance(obj, dict):
        print(f"export_syncnet: '{src}' does not hold a state dict (got {type(obj).__name__})", file=sys.stderr)
        return 1
    arrays = state_dict_to_arrays(obj)
    odd = [n for n, _ in arrays if not n.startswith(SYNCNET_PREFIXES)]
    if odd:
        print(f"export_syncnet: {len(odd)} tensors are not SyncNet v2 names (e.g. {odd[:3]}); "
              "only syncnet_python's model S is supported", file=sys.stderr)
        return 1
    write_safetensors(dst, arrays, {"format": "pt", "source": os.path.basename(src), "model": "syncnet_v2"})
    print(f"wrote {len(arrays)} tensors to {dst}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
