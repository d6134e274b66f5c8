#!/usr/bin/python3
"""usage: pydicom_decode.py CHARSET pn|text HEX...
Prints a JSON list: each value's bytes (hex) decoded by pydicom's own decoder for the Specific
Character Set CHARSET (values separated by '\\'), with the delimiters of a PN or a text value.
The reference for Lightbox's CharsetDecoder on bytes no test file holds."""
import json
import sys
import warnings

from pydicom.charset import convert_encodings, decode_bytes
from pydicom.valuerep import PN_DELIMS, TEXT_VR_DELIMS

warnings.simplefilter("ignore")
charset, kind, values = sys.argv[1], sys.argv[2], sys.argv[3:]
encodings = convert_encodings(charset.split("\\"))
delimiters = PN_DELIMS | {0x3D} if kind == "pn" else TEXT_VR_DELIMS
print(json.dumps([decode_bytes(bytes.fromhex(v), encodings, delimiters) for v in values], ensure_ascii=False))
