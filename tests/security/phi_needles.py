#!/usr/bin/python3
"""What must never be readable in an encrypted cache, read from the source files by pydicom (not by
Lightbox): each file's patient name (as stored, in its character set, and decoded to UTF-8, whole
and by component), patient ID, birth date and accession number, and a run of uncompressed pixel
bytes. Prints JSON: [{"file": PATH, "kind": "name"|"id"|"birth"|"accession"|"pixels", "hex": HEX}].
Values shorter than 5 bytes are left out: too short to be told from chance in megabytes.
usage: phi_needles.py FILE...
"""
import json, sys

import pydicom
from pydicom.uid import UncompressedTransferSyntaxes

MIN = 5
out, seen = [], set()


def add(path, kind, value):
    value = value.strip(b" \x00")
    if len(value) >= MIN and value not in seen:
        seen.add(value)
        out.append({"file": path, "kind": kind, "hex": value.hex()})


for path in sys.argv[1:]:
    try:
        ds = pydicom.dcmread(path)
    except Exception:
        continue
    raw = ds.get_item(0x00100010)
    if raw is not None and raw.value:
        stored = bytes(raw.value)
        add(path, "name", stored)
        for group in stored.split(b"="):
            add(path, "name", group)
            for part in group.split(b"^"):
                add(path, "name", part)
        try:
            text = str(ds.PatientName)
            add(path, "name", text.encode("utf-8"))
            for group in text.split("="):
                for part in group.split("^"):
                    add(path, "name", part.encode("utf-8"))
        except Exception:
            pass
    for tag, kind in ((0x00100020, "id"), (0x00100030, "birth"), (0x00080050, "accession")):
        item = ds.get_item(tag)
        if item is not None and item.value:
            add(path, kind, bytes(item.value))
    if "PixelData" in ds and ds.file_meta.TransferSyntaxUID in UncompressedTransferSyntaxes:
        pixels = ds.PixelData
        for start in range(len(pixels) // 2, len(pixels) - 48, 997):
            run = pixels[start:start + 48]
            if len(set(run)) >= 12:  # varied bytes, not a flat background
                add(path, "pixels", run)
                break

json.dump(out, sys.stdout)
