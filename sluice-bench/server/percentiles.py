#!/usr/bin/env python3
"""Latency percentiles (ms) and achieved rate from h2load --log-file files.

usage: percentiles.py [--expect STATUS] LOG...
  (columns: start us since epoch, status, latency us; STATUS defaults to 200)
prints: count rate_per_s p50 p90 p99 p99.9 max unexpected_status
"""
import sys

args = sys.argv[1:]
expect = "200"
if args[:1] == ["--expect"]:
    expect, args = args[1], args[2:]
lat, starts, bad = [], [], 0
for path in args:
    with open(path) as f:
        for line in f:
            cols = line.split()
            if len(cols) < 3:
                continue
            starts.append(int(cols[0]))
            if cols[1] != expect:
                bad += 1
            lat.append(int(cols[2]))
if not lat:
    print("0 0 - - - - - 0")
    sys.exit(0)
lat.sort()
span = (max(starts) - min(starts)) / 1e6 or 1


def p(q):
    return lat[min(len(lat) - 1, int(q * len(lat)))] / 1000.0


print(f"{len(lat)} {len(lat) / span:.0f} {p(0.5):.2f} {p(0.9):.2f} {p(0.99):.2f} "
      f"{p(0.999):.2f} {lat[-1] / 1000.0:.2f} {bad}")
