#!/usr/bin/python3
"""Plans the fidelity comparison for every file under the given folders, using pydicom to read
each header (so that what counts as an image, its photometric interpretation and the window to
compare at do not come from Lightbox). Prints one JSON object per line:
  {"path", "kind": "mono"|"color"|"none", "frames", "window": [c, w] | null, "reference", "lossy"}
reference is "dcmj2pnm", "dcml2pnm" (JPEG-LS), "gdcm+dcmj2pnm" (JPEG 2000: gdcmconv --raw first)
or "pydicom" (what DCMTK 3.6.7 does not do right: per-frame functional group rescale, native
YBR colour, 32-bit big endian).
"""
import json
import os
import sys
import warnings

import pydicom

warnings.simplefilter("ignore")
JPEG_LS = {"1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81"}
J2K = {"1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.201",
       "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.203"}
LOSSY = {"1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.81",
         "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.203"}


def plan(path):
    try:
        ds = pydicom.dcmread(path, stop_before_pixels=False)
    except Exception:
        return None
    if "PixelData" not in ds or "Rows" not in ds:
        return {"path": path, "kind": "none"}
    meta = getattr(ds, "file_meta", None)
    ts = str(meta.TransferSyntaxUID) if meta is not None and "TransferSyntaxUID" in meta else ""
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2"))
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    entry = {"path": path, "frames": frames, "lossy": ts in LOSSY or str(ds.get("LossyImageCompression", "")) == "01"}
    reference = "dcmj2pnm"
    if ts in JPEG_LS:
        reference = "dcml2pnm"
    elif ts in J2K:
        reference = "gdcm+dcmj2pnm"
    if ts == "1.2.840.10008.1.2.2" and int(ds.get("BitsAllocated", 0)) == 32:
        reference = "pydicom"
    if photometric.startswith("MONOCHROME"):
        entry["kind"] = "mono"
        per_frame = ds.get("PerFrameFunctionalGroupsSequence")
        shared = ds.get("SharedFunctionalGroupsSequence")
        if (per_frame and "PixelValueTransformationSequence" in per_frame[0]) or \
           (shared and "PixelValueTransformationSequence" in shared[0]):
            reference = "pydicom"
        window = None
        if "WindowCenter" in ds and "WindowWidth" in ds:
            c, w = ds.WindowCenter, ds.WindowWidth
            c = c[0] if isinstance(c, pydicom.multival.MultiValue) else c
            w = w[0] if isinstance(w, pydicom.multival.MultiValue) else w
            if float(w) >= 1:
                window = [float(c), float(w)]
        if window is None:
            # The whole stored range after the rescale: every value of the image stays visible.
            bits = int(ds.BitsStored)
            lo = -(2 ** (bits - 1)) if int(ds.PixelRepresentation) else 0
            hi = lo + 2 ** bits - 1
            slope = float(ds.get("RescaleSlope", 1) or 1)
            intercept = float(ds.get("RescaleIntercept", 0) or 0)
            a, b = lo * slope + intercept, hi * slope + intercept
            window = [(a + b) / 2, abs(b - a) + 1]
        entry["window"] = window
    else:
        entry["kind"] = "color"
        entry["window"] = None
        if photometric in ("YBR_FULL", "YBR_FULL_422") and ts not in LOSSY and ts not in J2K and ts not in JPEG_LS:
            reference = "pydicom"
    entry["reference"] = reference
    return entry


for root in sys.argv[1:]:
    for folder, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            try:
                p = plan(os.path.join(folder, name))
            except Exception:  # a header pydicom cannot interpret: robustness tests cover it
                p = None
            if p is not None:
                print(json.dumps(p))
