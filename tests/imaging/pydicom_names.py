#!/usr/bin/python3
"""Prints {path: {"PatientName": ..., "StudyDescription": ..., ...}} decoded by pydicom from each
file's Specific Character Set: the reference for Lightbox's text decoding."""
import json
import sys
import warnings

import pydicom

warnings.simplefilter("ignore")
out = {}
for path in sys.argv[1:]:
    try:
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        ds.decode()
    except Exception:
        continue
    entry = {}
    for kw in ("PatientName", "PatientID", "StudyDescription", "SeriesDescription", "InstitutionName", "ReferringPhysicianName"):
        if kw in ds and ds[kw].value not in (None, ""):
            v = ds[kw].value
            entry[kw] = str(v)  # a PersonName prints its component groups joined by '='

    out[path] = entry
print(json.dumps(out, ensure_ascii=False))
