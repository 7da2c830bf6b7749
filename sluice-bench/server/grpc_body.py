#!/usr/bin/env python3
"""Writes one gRPC message (5-byte prefix + serialized envoy RateLimitRequest) for h2load -d.

usage: grpc_body.py DOMAIN KEY VALUE OUT
RateLimitRequest{domain=1:string, descriptors=2:RateLimitDescriptor{entries=1:Entry{key=1,value=2}}}
"""
import struct
import sys


def ld(field, payload):  # length-delimited field (wire type 2); payloads here are < 128 bytes
    assert len(payload) < 128
    return bytes([(field << 3) | 2, len(payload)]) + payload


domain, key, value, out = sys.argv[1:5]
entry = ld(1, key.encode()) + ld(2, value.encode())
descriptor = ld(1, entry)
request = ld(1, domain.encode()) + ld(2, descriptor)
with open(out, "wb") as f:
    f.write(b"\x00" + struct.pack(">I", len(request)) + request)
