#!/usr/bin/env python3
"""Measures the audio-video offset of a file and, when it is reliably out of tolerance, writes a
fixed copy (audio moved by -offset, no re-encoding) - the rule of `syncdsp fix`.

    python3 examples/python/fix_offset.py talk.mp4 -o fixed.mp4

Exit status: 0 = fixed (and re-measured) or already in sync; 1 = declined (not reliable, the
interval reaches into tolerance, or the offset changes within the clip): nothing is written.
"""
import argparse
import sys

import syncdsp


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("video")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--tolerance", default="itu", help="itu, ebu, atsc or EARLY,LATE in ms")
    ap.add_argument("--faces", default="auto", choices=["auto", "on", "off"])
    ap.add_argument("--phones", default="auto", choices=["auto", "on", "off"])
    args = ap.parse_args()
    options = dict(tolerance=args.tolerance, faces=args.faces, phones=args.phones)

    r = syncdsp.sync(args.video, **options)
    print(r.verdict)  # e.g. "audio 500 ms late (+420..+580 ms): out of tolerance (...) - run syncdsp fix"
    print(f"confidence {r.confidence:.1f}, p = {r.p_value:.2g}, reliable: {r.reliable}")
    decision = r.fix_decision()
    if decision == "in_sync":
        print("nothing to fix")
        return 0
    if decision != "shift":
        print(f"not fixed ({decision}): nothing written")
        return 1
    syncdsp.shift_audio(args.video, args.output, -r.offset_ms)
    after = syncdsp.sync(args.output, **options)
    print(f"wrote {args.output} (audio moved by {-r.offset_ms:+.0f} ms); re-measured: {after.verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
