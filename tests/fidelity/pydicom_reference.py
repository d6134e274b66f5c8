#!/usr/bin/python3
"""Reference rendering with pydicom, for what DCMTK 3.6.7 does not implement: the LINEAR_EXACT VOI
function and per-frame Pixel Value Transformation / Frame VOI LUT of enhanced multi-frame images.
pydicom decodes the pixels and applies the Modality LUT and the window (apply_modality_lut,
apply_windowing); this script only selects the frame's values and scales to 8 bits.

usage: pydicom_reference.py FILE FRAME(1-based) (--file-window N | --window C,W) OUT.png
       pydicom_reference.py FILE FRAME --color OUT.png
The second form converts YBR_FULL / YBR_FULL_422 samples to RGB with pydicom's
convert_color_space (the equations of PS3.3 C.7.6.3.1.2; DCMTK uses an approximation that differs
by up to 2 levels).
"""
import copy
import sys

import numpy as np
import pydicom
from PIL import Image
from pydicom.pixel_data_handlers.util import apply_modality_lut, apply_windowing

from pydicom.pixel_data_handlers.util import convert_color_space

path, frame = sys.argv[1:3]
frame = int(frame) - 1
ds = pydicom.dcmread(path)
pixels = ds.pixel_array
if int(ds.get("NumberOfFrames", 1)) > 1:
    pixels = pixels[frame]

if sys.argv[3] == "--color":
    out = sys.argv[4]
    photometric = ds.PhotometricInterpretation
    if photometric in ("YBR_FULL", "YBR_FULL_422") and not ds.file_meta.TransferSyntaxUID.is_compressed:
        pixels = convert_color_space(pixels, photometric, "RGB")
    if pixels.dtype != np.uint8:
        pixels = np.round(pixels / (2 ** int(ds.BitsStored) - 1) * 255).astype(np.uint8)
    Image.fromarray(pixels.astype(np.uint8), mode="RGB").save(out)
    sys.exit(0)

mode, value, out = sys.argv[3:6]

# Lift the frame's functional groups to the top level, where pydicom's helpers look.
view = copy.deepcopy(ds)
for groups in (ds.get("SharedFunctionalGroupsSequence"), ds.get("PerFrameFunctionalGroupsSequence")):
    if not groups:
        continue
    item = groups[0] if len(groups) == 1 else groups[frame]
    for seq in ("PixelValueTransformationSequence", "FrameVOILUTSequence"):
        if seq in item:
            for elem in item[seq][0]:
                view[elem.tag] = elem

values = apply_modality_lut(pixels, view)
if mode == "--window":
    c, w = (float(v) for v in value.split(","))
    view.WindowCenter, view.WindowWidth = c, w
    index = 0
else:
    index = int(value) - 1
shown = apply_windowing(values.astype(np.float64), view, index=index)

# apply_windowing maps to the stored value range, shifted by the rescale.
bits = int(ds.BitsStored)
if int(ds.PixelRepresentation) == 0:
    y_min, y_max = 0, 2**bits - 1
else:
    y_min, y_max = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
if "RescaleSlope" in view and "ModalityLUTSequence" not in view:
    y_min = y_min * float(view.RescaleSlope) + float(view.RescaleIntercept)
    y_max = y_max * float(view.RescaleSlope) + float(view.RescaleIntercept)
unit = (shown - y_min) / (y_max - y_min)
grey = np.clip(np.round(unit * 255.0), 0, 255).astype(np.uint8)
if ds.PhotometricInterpretation == "MONOCHROME1":
    grey = 255 - grey
Image.fromarray(grey, mode="L").save(out)
