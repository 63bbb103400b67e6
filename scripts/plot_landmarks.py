#!/usr/bin/env python3
"""Draws docs/figures/landmarks_mouth.svg: the 20 mouth points of the 68-point iBUG / dlib
landmark scheme (48..67; 0..19 in a mouth-only set) and the distances the two MAR definitions
use. Plain SVG, no plotting library needed.

Run: /usr/bin/python3 scripts/plot_landmarks.py
"""
import os

# A typical open mouth, in arbitrary units (x right, y down), iBUG order 48..67.
outer = {48: (0, 50), 49: (22, 30), 50: (45, 20), 51: (60, 24), 52: (75, 20), 53: (98, 30), 54: (120, 50),
         55: (100, 78), 56: (78, 92), 57: (60, 95), 58: (42, 92), 59: (20, 78)}
inner = {60: (12, 50), 61: (42, 38), 62: (60, 40), 63: (78, 38), 64: (108, 50), 65: (78, 66), 66: (60, 70),
         67: (42, 66)}
pts = {**outer, **inner}
S, OX, OY = 5.0, 60, 60


def xy(i):
    x, y = pts[i]
    return OX + S * x, OY + S * y


out = []
W, H = 2 * OX + int(S * 120), 2 * OY + int(S * 95) + 90
out.append(f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif">')
out.append(f'<rect width="{W}" height="{H}" fill="white"/>')


def poly(ids, color):
    p = " ".join(f"{xy(i)[0]:.1f},{xy(i)[1]:.1f}" for i in ids + [ids[0]])
    out.append(f'<polyline points="{p}" fill="none" stroke="{color}" stroke-width="2"/>')


def seg(a, b, color, dash):
    (x1, y1), (x2, y2) = xy(a), xy(b)
    out.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{color}" '
               f'stroke-width="2" stroke-dasharray="{dash}"/>')


poly(list(range(48, 60)), "#888")
poly(list(range(60, 68)), "#bbb")
for a, b in [(50, 58), (51, 57), (52, 56), (48, 54)]:
    seg(a, b, "#d62728", "6,4")
for a, b in [(61, 67), (62, 66), (63, 65), (60, 64)]:
    seg(a, b, "#1f77b4", "2,3")
for i, (x, y) in ((i, xy(i)) for i in pts):
    color = "#d62728" if i < 60 else "#1f77b4"
    out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{color}"/>')
    dy = -10 if (i in (49, 50, 51, 52, 53, 61, 62, 63)) else 20
    dx = -28 if i in (48, 60) else (8 if i in (54, 64) else -8)
    out.append(f'<text x="{x + dx:.1f}" y="{y + dy:.1f}" font-size="14">{i} ({i - 48})</text>')
ty = OY + S * 95 + 35
out.append(f'<text x="10" y="{ty}" font-size="14" fill="#d62728">outer MAR = (|p50-p58| + |p51-p57| + |p52-p56|) / (3 |p48-p54|)</text>')
out.append(f'<text x="10" y="{ty + 22}" font-size="14" fill="#1f77b4">inner MAR = (|p61-p67| + |p62-p66| + |p63-p65|) / (3 |p60-p64|)</text>')
out.append(f'<text x="10" y="{ty + 44}" font-size="12" fill="#444">labels: iBUG-68 index (index in the 20-point mouth set); image coordinates, y down</text>')
out.append("</svg>")
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "figures", "landmarks_mouth.svg")
with open(path, "w") as f:
    f.write("\n".join(out) + "\n")
print("wrote", os.path.normpath(path))
