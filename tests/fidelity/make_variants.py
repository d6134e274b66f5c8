#!/usr/bin/python3
"""Writes DICOM variants of real images that exercise display-pipeline paths the shared corpora
lack (VOI LUT, Modality LUT, SIGMOID, LINEAR_EXACT, MONOCHROME1, Presentation LUT INVERSE, several
windows, pixel padding ranges, 16-bit palettes, planar RGB, YBR_FULL, bits stored < allocated with
noise in the unused bits, signed 8-bit, 1-bit, big-endian).

usage: make_variants.py CT_FILE MR_FILE RGB_FILE OUTDIR
Prints one line per file: NAME<TAB>LIGHTBOX_ARGS<TAB>REFERENCE, where LIGHTBOX_ARGS are the extra
arguments of `lightbox render` and REFERENCE says how the test builds the expected image:
"dcmtk SOURCE ARGS..." (dcmj2pnm of SOURCE, "-" for the variant itself, with those arguments) or
"pydicom WINDOW" (pydicom_reference.py with the file's window number WINDOW) or "pydicom-color".
"""
import copy
import sys

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, ExplicitVRBigEndian, generate_uid

ct_path, mr_path, rgb_path, out = sys.argv[1:5]


def load(path):
    ds = pydicom.dcmread(path)
    ds.decompress() if ds.file_meta.TransferSyntaxUID.is_compressed else None
    return ds


def save(ds, name, ours, reference, big_endian=False):
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    if big_endian:
        ds.file_meta.TransferSyntaxUID = ExplicitVRBigEndian
        ds.is_little_endian = False
    else:
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.save_as(f"{out}/{name}.dcm", write_like_original=False)
    print(f"{name}.dcm\t{ours}\t{reference}")


def strip_voi(ds):
    for kw in ("WindowCenter", "WindowWidth", "WindowCenterWidthExplanation", "VOILUTFunction", "VOILUTSequence"):
        if kw in ds:
            delattr(ds, kw)


ct = load(ct_path)
mr = load(mr_path)
rgb = load(rgb_path)
ct_px = ct.pixel_array.astype(np.int32)

# MONOCHROME1: the same pixels shown inverted.
d = copy.deepcopy(ct)
d.PhotometricInterpretation = "MONOCHROME1"
save(d, "mono1", "--window 40,400", "dcmtk - +Ww 40 400")

# Presentation LUT Shape INVERSE on MONOCHROME2.
d = copy.deepcopy(ct)
d.PresentationLUTShape = "INVERSE"
save(d, "presentation_inverse", "--window 40,400", "dcmtk - +Ww 40 400")

# Several windows with explanations: each must be selectable.
d = copy.deepcopy(ct)
d.WindowCenter = [40, -600, 400]
d.WindowWidth = [400, 1500, 1800]
d.WindowCenterWidthExplanation = ["SOFT", "LUNG", "BONE"]
save(d, "three_windows", "--file-window 3", "dcmtk - +Wi 3")

# VOI LUT Sequence, 16-bit entries: a gamma curve over [-1024, 3071] HU.
d = copy.deepcopy(ct)
strip_voi(d)
item = Dataset()
entries = 4096
lut = (np.linspace(0, 1, entries) ** 0.5 * 65535).astype(np.uint16)
item.add_new(0x00283002, "SS", [entries, -1024, 16])  # signed input: first mapped value is SS
item.LUTExplanation = "GAMMA 0.5"
item.add_new(0x00283006, "US", lut.tolist())
d.VOILUTSequence = Sequence([item])
save(d, "voi_lut16", "--voi-lut 1", "dcmtk - +Wl 1")

# VOI LUT with 8-bit entries (packed as words), over the MR's stored range.
d = copy.deepcopy(mr)
strip_voi(d)
item = Dataset()
entries = 1024
lut8 = (np.sin(np.linspace(0, np.pi / 2, entries)) * 255).astype(np.uint16)
item.add_new(0x00283002, "US", [entries, 0, 8])
item.add_new(0x00283006, "US", lut8.tolist())
d.VOILUTSequence = Sequence([item])
save(d, "voi_lut8", "--voi-lut 1", "dcmtk - +Wl 1")

# Modality LUT Sequence instead of rescale, then a window on its output.
d = copy.deepcopy(mr)
for kw in ("RescaleSlope", "RescaleIntercept", "RescaleType"):
    if kw in d:
        delattr(d, kw)
item = Dataset()
entries = 4096
mlut = (np.arange(entries) * 3 // 2 + 100).clip(0, 65535).astype(np.uint16)
item.add_new(0x00283002, "US", [entries, 0, 16])
item.ModalityLUTType = "US"
item.add_new(0x00283006, "US", mlut.tolist())
d.ModalityLUTSequence = Sequence([item])
d.WindowCenter = 800
d.WindowWidth = 1200
save(d, "modality_lut", "--window 800,1200", "dcmtk - +Ww 800 1200")

# SIGMOID VOI LUT Function.
d = copy.deepcopy(ct)
d.WindowCenter = 40
d.WindowWidth = 400
d.VOILUTFunction = "SIGMOID"
save(d, "sigmoid", "--file-window 1", "dcmtk - +Wi 1 +Wfs")

# LINEAR_EXACT: DCMTK 3.6.7 has no such function; pydicom's apply_windowing is the reference.
d = copy.deepcopy(ct)
d.WindowCenter = 40
d.WindowWidth = 400
d.VOILUTFunction = "LINEAR_EXACT"
save(d, "linear_exact", "--file-window 1", "pydicom 1")

# Bits stored 12 of 16 with noise in the unused high bits: they must be masked.
d = copy.deepcopy(mr)
raw = mr.pixel_array.astype(np.uint16)
noise = (np.random.default_rng(7).integers(0, 16, raw.shape).astype(np.uint16) << 12)
d.PixelData = (raw | noise).tobytes()
save(d, "high_bits_noise", "--window 300,600", "dcmtk - +Ww 300 600")

# Signed 16-bit stored values (CT without intercept) and signed 8-bit.
d = copy.deepcopy(ct)
hu = ct_px * int(ct.RescaleSlope) + int(ct.RescaleIntercept)
d.PixelRepresentation = 1
d.BitsStored = 16
d.HighBit = 15
d.RescaleIntercept = 0
d.PixelData = hu.astype(np.int16).tobytes()
save(d, "signed16", "--window 40,400", "dcmtk - +Ww 40 400")

d = copy.deepcopy(ct)
small = np.clip(hu // 16, -128, 127).astype(np.int8)
d.BitsAllocated = 8
d.BitsStored = 8
d.HighBit = 7
d.PixelRepresentation = 1
d.RescaleIntercept = 0
d.RescaleSlope = 16
d.PixelData = small.tobytes()
save(d, "signed8", "--window 40,400", "dcmtk - +Ww 40 400")

# Pixel padding with a range limit (air outside the body).
d = copy.deepcopy(ct)
px = ct_px.copy()
px[:40, :] = 0
px[:40, :20] = 5
d.PixelData = px.astype(np.uint16).tobytes()
d.PixelPaddingValue = 0
d.PixelPaddingRangeLimit = 5
d["PixelPaddingValue"].VR = "US"
d["PixelPaddingRangeLimit"].VR = "US"
save(d, "padding_range", "--window 40,400", "dcmtk - +Ww 40 400")

# Big endian copies (16-bit CT, 8-bit RGB): DCMTK 3.6.7 mishandles some of these, so the reference
# is the little-endian original.
d = copy.deepcopy(ct)
save(d, "ct_bigendian_le", "--window 40,400", "dcmtk - +Ww 40 400")
d.PixelData = ct_px.astype(">u2").tobytes()  # OW values in big-endian byte order
save(d, "ct_bigendian", "--window 40,400", "dcmtk ct_bigendian_le.dcm +Ww 40 400", big_endian=True)
d = copy.deepcopy(rgb)
save(d, "rgb_bigendian_le", "", "dcmtk -")
save(d, "rgb_bigendian", "", "dcmtk rgb_bigendian_le.dcm", big_endian=True)

# RGB planar configuration 1 and YBR_FULL (native).
rgb_px = rgb.pixel_array.astype(np.uint8)
d = copy.deepcopy(rgb)
d.PlanarConfiguration = 1
d.PixelData = np.ascontiguousarray(rgb_px.transpose(2, 0, 1)).tobytes()
save(d, "rgb_planar", "", "dcmtk -")

d = copy.deepcopy(rgb)
r, g, b = [rgb_px[..., i].astype(np.float64) for i in range(3)]
y = 0.299 * r + 0.587 * g + 0.114 * b
cb = -0.168736 * r - 0.331264 * g + 0.5 * b + 128
cr = 0.5 * r - 0.418688 * g - 0.081312 * b + 128
ybr = np.stack([y, cb, cr], axis=-1).round().clip(0, 255).astype(np.uint8)
d.PhotometricInterpretation = "YBR_FULL"
d.PlanarConfiguration = 0
d.PixelData = ybr.tobytes()
save(d, "ybr_full", "", "pydicom-color")

# 16-bit palette colour (palette entries of 16 bits, 8-bit indices).
d = Dataset()
d.file_meta = copy.deepcopy(ct.file_meta)
for kw in ("PatientName", "PatientID", "StudyInstanceUID", "SeriesInstanceUID", "SOPClassUID", "Modality"):
    setattr(d, kw, getattr(ct, kw))
d.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
d.Rows, d.Columns = 64, 256
d.SamplesPerPixel = 1
d.PhotometricInterpretation = "PALETTE COLOR"
d.BitsAllocated = d.BitsStored = 8
d.HighBit = 7
d.PixelRepresentation = 0
idx = np.tile(np.arange(256, dtype=np.uint8), (64, 1))
d.PixelData = idx.tobytes()
ramp = np.arange(256)
for name, values in (("Red", ramp * 257), ("Green", (255 - ramp) * 257), ("Blue", np.abs(128 - ramp) * 2 * 257)):
    setattr(d, f"{name}PaletteColorLookupTableDescriptor", [256, 0, 16])
    setattr(d, f"{name}PaletteColorLookupTableData", np.clip(values, 0, 65535).astype("<u2").tobytes())
    d[f"{name}PaletteColorLookupTableDescriptor"].VR = "US"
d.file_meta.MediaStorageSOPClassUID = d.SOPClassUID
save(d, "palette16", "", "dcmtk -")

# 1-bit (e.g. a segmentation-like mask) with a non-multiple-of-8 width: frames are bit-packed.
d = Dataset()
d.file_meta = copy.deepcopy(ct.file_meta)
for kw in ("PatientName", "PatientID", "StudyInstanceUID", "SeriesInstanceUID", "Modality"):
    setattr(d, kw, getattr(ct, kw))
d.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
d.file_meta.MediaStorageSOPClassUID = d.SOPClassUID
d.Rows, d.Columns = 37, 45
d.SamplesPerPixel = 1
d.PhotometricInterpretation = "MONOCHROME2"
d.BitsAllocated = d.BitsStored = 1
d.HighBit = 0
d.PixelRepresentation = 0
yy, xx = np.mgrid[0:37, 0:45]
mask = ((xx - 22) ** 2 + (yy - 18) ** 2 < 150).astype(np.uint8)
d.PixelData = np.packbits(mask.ravel(), bitorder="little").tobytes()
save(d, "one_bit", "--window 0.5,1", "dcmtk - +Ww 0.5 1")
