#!/usr/bin/python3
"""usage: pydicom_pixel.py FILE ROW COLUMN
Prints what pydicom reads at one pixel of FILE's first frame, as JSON: {"rgb": [r, g, b]} for
colour, else {"stored": s, "value": v} with v the modality value (Rescale Slope/Intercept or the
Modality LUT applied). The reference for Lightbox's pixel readout."""
import json
import sys
import warnings

import pydicom
from pydicom.pixel_data_handlers.util import apply_modality_lut

warnings.simplefilter("ignore")
ds = pydicom.dcmread(sys.argv[1])
row, column = int(sys.argv[2]), int(sys.argv[3])
pixels = ds.pixel_array
if int(ds.get("NumberOfFrames", 1) or 1) > 1:
    pixels = pixels[0]
if ds.get("SamplesPerPixel", 1) == 3:
    print(json.dumps({"rgb": [int(x) for x in pixels[row, column]]}))
else:
    print(json.dumps({"stored": int(pixels[row, column]), "value": float(apply_modality_lut(pixels, ds)[row, column])}))
