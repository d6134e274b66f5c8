#!/usr/bin/python3
"""Reference reformats with pydicom and numpy, for `lightbox render --view`: stacks the slices of an
axial series (sorted by Image Position along the slice normal, as PS3.3 C.7.6.2.1.1 defines it),
takes the plane through a voxel row or column, or the maximum along one axis, and windows it with
pydicom's apply_windowing (the LINEAR function of PS3.3 C.11.2.1.2).

usage: reformat_reference.py FOLDER VIEW POSITION C,W OUT.png
  VIEW: axial (POSITION: z), coronal (y), sagittal (x), mip (whole volume, seen from the front).
Images are shown as radiologists read them: axial seen from the feet (patient right on the left,
anterior up), coronal from the front (right on the left, head up), sagittal from the patient's left
(anterior on the left, head up). The series must be axial (row +x, column +y), 1 mm isotropic.
"""
import glob
import sys

import numpy as np
import pydicom
from PIL import Image
from pydicom.pixel_data_handlers.util import apply_modality_lut, apply_windowing

folder, view, position, window, out = sys.argv[1:6]
slices = [pydicom.dcmread(f) for f in glob.glob(folder + "/*.dcm")]
slices.sort(key=lambda ds: float(ds.ImagePositionPatient[2]))
volume = np.stack([apply_modality_lut(ds.pixel_array, ds).astype(np.float64) for ds in slices])  # z, y, x
first = slices[0]
x0, y0, z0 = (float(v) for v in first.ImagePositionPatient)
row_spacing, col_spacing = (float(v) for v in first.PixelSpacing)
z_step = float(slices[1].ImagePositionPatient[2]) - z0
p = float(position)
if view == "axial":
    plane = volume[int(round((p - z0) / z_step))]
elif view == "coronal":
    plane = volume[:, int(round((p - y0) / row_spacing)), :][::-1]
elif view == "sagittal":
    plane = volume[:, :, int(round((p - x0) / col_spacing))][::-1]
elif view == "mip":
    plane = volume.max(axis=1)[::-1]
else:
    sys.exit("unknown view " + view)

c, w = (float(v) for v in window.split(","))
view_ds = pydicom.Dataset()
view_ds.WindowCenter, view_ds.WindowWidth = c, w
view_ds.BitsStored, view_ds.PixelRepresentation = 16, 1
view_ds.PhotometricInterpretation = "MONOCHROME2"
shown = apply_windowing(plane, view_ds)
unit = (shown + 32768.0) / 65535.0
Image.fromarray(np.clip(np.round(unit * 255.0), 0, 255).astype(np.uint8), mode="L").save(out)
