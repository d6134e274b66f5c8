#!/usr/bin/python3
"""Lists the pixels of a native (uncompressed) single-frame greyscale image whose stored word has bits
set above High Bit, read straight from the Pixel Data bytes (pydicom parses the header; no pixel
decoder and no masking is involved). One line per pixel: ROW COL WORD MASKED, where MASKED keeps
the Bits Stored bits ending at High Bit (unsigned images only).

usage: high_bits.py FILE
"""
import sys

import numpy as np
import pydicom

ds = pydicom.dcmread(sys.argv[1])
if ds.file_meta.TransferSyntaxUID.is_compressed or int(ds.SamplesPerPixel) != 1 or int(ds.PixelRepresentation) != 0:
    sys.exit("high_bits.py: only native unsigned greyscale images")
allocated, stored, high = int(ds.BitsAllocated), int(ds.BitsStored), int(ds.HighBit)
dtype = {8: "u1", 16: "u2", 32: "u4"}[allocated]
order = "<" if ds.file_meta.TransferSyntaxUID.is_little_endian else ">"
rows, cols = int(ds.Rows), int(ds.Columns)
words = np.frombuffer(ds.PixelData, dtype=order + dtype, count=rows * cols).reshape(rows, cols).astype(np.int64)
masked = (words >> (high + 1 - stored)) & ((1 << stored) - 1)
for r, c in zip(*np.nonzero(words >> (high + 1))):
    print(r, c, words[r, c], masked[r, c])
