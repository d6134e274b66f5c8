#!/usr/bin/python3
"""Writes a DICOM file over 16 MiB (the size above which Lightbox copies a file instead of reading it
into memory): pydicom's CT_small as a 3-frame 2048x2048 16-bit image, with a patient of its own.
usage: make_big_instance.py OUT.dcm"""
import sys

import numpy as np
import pydicom
from pydicom.data import get_testdata_file
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
ds.PatientName = "Bigfile^Zelda^Quintessa"
ds.PatientID = "BIG-99417-QZ"
ds.AccessionNumber = "ACC-BIG-5521"
ds.Rows = ds.Columns = 2048
ds.NumberOfFrames = 3
rng = np.random.default_rng(7)
ds.PixelData = rng.integers(0, 4000, size=(3, 2048, 2048), dtype=np.uint16).tobytes()
ds.save_as(sys.argv[1], write_like_original=False)
