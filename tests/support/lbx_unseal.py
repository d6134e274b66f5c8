#!/usr/bin/python3
"""An independent reader of Lightbox's encrypted cache, written from the format's description
(storage/cache_crypto.h, app/security/cache_unlock.h) with Python's `cryptography` and `argon2`
packages, not with Lightbox's code: the tests' oracle for what is stored.

usage: lbx_unseal.py CACHE_DIR PASSPHRASE name UID            print the stored file's path for a UID
       lbx_unseal.py CACHE_DIR PASSPHRASE sop UID OUT         decrypt the instance's file to OUT
       lbx_unseal.py CACHE_DIR PASSPHRASE file PATH OUT       decrypt any sealed file to OUT
Exit 1 with a message when the passphrase, a tag or the format is wrong.
"""
import base64, hashlib, hmac, json, struct, sys

from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def cache_key(cache, passphrase):
    doors = json.load(open(cache + "/key.json"))["doors"]
    for door in doors:
        w = door["wrapped"]
        if w["kdf"] != "argon2id":
            continue
        salt = base64.b64decode(w["salt"])
        kek = hash_secret_raw(passphrase.encode(), salt, time_cost=w["t"], memory_cost=w["m"], parallelism=w["p"], hash_len=32, type=Type.ID)
        aad = ("lightbox cache key v1|argon2id|%d|%d|%d|" % (w["m"], w["t"], w["p"])).encode() + salt
        try:
            return AESGCM(kek).decrypt(base64.b64decode(w["nonce"]), base64.b64decode(w["ciphertext"]), aad)
        except Exception:
            continue
    sys.exit("lbx_unseal: no passphrase door opens with this passphrase")


def stored_name(key, uid):
    name_key = hmac.new(key, b"lightbox file names v1", hashlib.sha256).digest()
    return hmac.new(name_key, uid.encode(), hashlib.sha256).digest()[:20].hex()


def decrypt(key, path):
    data = open(path, "rb").read()
    header = data[:64]
    if header[:7] != b"LBXENC1" or header[7] != 1:
        sys.exit("lbx_unseal: %s is not a sealed file" % path)
    chunk = struct.unpack(">I", header[8:12])[0]
    size = struct.unpack(">Q", header[16:24])[0]
    file_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=header[24:56], info=b"lightbox cache file v1").derive(key)
    aad_header = header[:16] + bytes(8) + header[24:]
    count = max(1, -(-size // chunk))
    out, pos = bytearray(), 64
    for i in range(count):
        last = i == count - 1
        n = (size - i * chunk) if last else chunk
        nonce = bytes(4) + struct.pack(">Q", i)
        aad = aad_header + struct.pack(">Q", i) + bytes([1 if last else 0]) + struct.pack(">Q", size if last else 0)
        try:
            out += AESGCM(file_key).decrypt(nonce, data[pos:pos + n + 16], aad)
        except Exception:
            sys.exit("lbx_unseal: chunk %d of %s fails its tag" % (i, path))
        pos += n + 16
    if pos != len(data):
        sys.exit("lbx_unseal: %s has %d bytes after its last chunk" % (path, len(data) - pos))
    return bytes(out)


def main():
    cache, passphrase, what = sys.argv[1], sys.argv[2], sys.argv[3]
    key = cache_key(cache, passphrase)
    if what == "name":
        n = stored_name(key, sys.argv[4])
        print("%s/files/%s/%s.dcm" % (cache, n[:2], n))
        return
    path = sys.argv[4]
    if what == "sop":
        n = stored_name(key, path)
        path = "%s/files/%s/%s.dcm" % (cache, n[:2], n)
    open(sys.argv[5], "wb").write(decrypt(key, path))


main()
