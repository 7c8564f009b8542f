#!/usr/bin/env python3
"""Check every vector in jwa_vectors.json with the Python `cryptography` library.

Usage: python verify_vectors.py [path/to/jwa_vectors.json] (scripts/test.sh runs it with the
Python venv of the fidelity check, which has `cryptography`). The Rust known-answer tests
(sdk/tests/known_answers.rs) run the same file through CryptographyClient.
Exit status 0 only if every vector in every family passes.

Per family:
  rsa_sign    key consistency (n == p*q, CRT values, d), SHA-2(message) == digest,
              verify(signature) over the message and over the prehashed digest;
              for deterministic (PKCS#1 v1.5) vectors sign() reproduces the signature.
              PS* uses PSS/MGF1 with salt length == hash length (RFC 7518 3.5).
  ec_sign     the public point is on the curve; d (when given) derives (x, y);
              SHA-2(message) == digest; verify(r||s) over message and digest;
              "deterministic": true vectors are reproduced with RFC 6979 signing
              (after low-S normalisation, s -> min(s, n-s), when "low_s" is true);
              otherwise a fresh random signature from d must verify.
  rsa_encrypt decrypt(ciphertext) == plaintext; encrypt/decrypt round trip.
  aes_kw      wrap(kek, key_data) == wrapped (RFC 3394 or RFC 5649) and unwrap back.
  aes_gcm     encrypt(key, iv, plaintext, aad) == ciphertext || tag and decrypt back.
  aes_cbc     encrypt reproduces ciphertext exactly (padding "none" or "pkcs7"),
              decrypt (and unpad) gives the plaintext.
"""
import hashlib
import json
import os
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, padding as sympad
from cryptography.hazmat.primitives.asymmetric import ec, rsa, padding, utils
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import (
    aes_key_unwrap, aes_key_unwrap_with_padding, aes_key_wrap,
    aes_key_wrap_with_padding)

HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
HASHLIB = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}
CURVES = {"P-256": (ec.SECP256R1, 32), "P-384": (ec.SECP384R1, 48),
          "P-521": (ec.SECP521R1, 66), "secp256k1": (ec.SECP256K1, 32),
          "P-256K": (ec.SECP256K1, 32)}
CURVE_ORDER = {
    "P-256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "P-384": int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
                 "581A0DB248B0A77AECEC196ACCC52973", 16),
    "P-521": int("01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
                 "FA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409", 16),
    "secp256k1": 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141,
}
CURVE_ORDER["P-256K"] = CURVE_ORDER["secp256k1"]


def h(x):
    return bytes.fromhex(x)


def i(x):
    return int(x, 16)


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


def alg_bits(alg):
    # RS256 / PS384 / ES512 / ES256K / HS256 -> "256"/"384"/"512"
    return alg[2:5]


def rsa_private(jwk):
    n, e, d = i(jwk["n"]), i(jwk["e"]), i(jwk["d"])
    p, q = i(jwk["p"]), i(jwk["q"])
    dp, dq, qi = i(jwk["dp"]), i(jwk["dq"]), i(jwk["qi"])
    check(p * q == n, "n != p*q")
    check(dp == d % (p - 1) and dq == d % (q - 1), "dp/dq inconsistent with d")
    check((qi * q) % p == 1, "qi is not q^-1 mod p")
    check(pow(pow(2, e, n), d, n) == 2, "d is not the inverse of e")
    pub = rsa.RSAPublicNumbers(e, n)
    return rsa.RSAPrivateNumbers(p, q, d, dp, dq, qi, pub).private_key()


def rsa_public(jwk):
    return rsa.RSAPublicNumbers(i(jwk["e"]), i(jwk["n"])).public_key()


def v_rsa_sign(v):
    bits = alg_bits(v["alg"])
    H = HASHES[bits]
    msg, sig = h(v["message"]), h(v["signature"])
    check(HASHLIB[bits](msg).hexdigest() == v["digest"], "digest mismatch")
    if v["alg"].startswith("RS"):
        pad = padding.PKCS1v15()
    elif v["alg"].startswith("PS"):
        pad = padding.PSS(mgf=padding.MGF1(H()), salt_length=H.digest_size)
    else:
        raise Fail("unknown alg")
    pub = rsa_public(v["jwk"])
    check(pub.key_size // 8 == len(sig) or (pub.key_size + 7) // 8 == len(sig),
          "signature length != modulus length")
    pub.verify(sig, msg, pad, H())
    pub.verify(sig, h(v["digest"]), pad, utils.Prehashed(H()))
    if "d" in v["jwk"]:
        priv = rsa_private(v["jwk"])
        if v.get("deterministic"):
            check(priv.sign(msg, pad, H()) == sig, "re-signing did not reproduce signature")
            check(priv.sign(h(v["digest"]), pad, utils.Prehashed(H())) == sig,
                  "prehashed re-signing did not reproduce signature")
        else:
            # PSS is randomised: a fresh signature must verify instead.
            pub.verify(priv.sign(msg, pad, H()), msg, pad, H())


def v_ec_sign(v):
    curve_cls, size = CURVES[v["crv"]]
    bits = alg_bits(v["alg"])
    H = HASHES[bits]
    msg, sig = h(v["message"]), h(v["signature"])
    check(HASHLIB[bits](msg).hexdigest() == v["digest"], "digest mismatch")
    check(len(h(v["x"])) == size and len(h(v["y"])) == size, "x/y not fixed width")
    check(len(sig) == 2 * size, "signature not fixed-width r||s")
    if v.get("low_s"):
        check(int.from_bytes(sig[size:], "big") <= CURVE_ORDER[v["crv"]] // 2, "s is not low-S")
    pub = ec.EllipticCurvePublicNumbers(i(v["x"]), i(v["y"]), curve_cls()).public_key()
    r, s = int.from_bytes(sig[:size], "big"), int.from_bytes(sig[size:], "big")
    der = utils.encode_dss_signature(r, s)
    pub.verify(der, msg, ec.ECDSA(H()))
    pub.verify(der, h(v["digest"]), ec.ECDSA(utils.Prehashed(H())))
    if v.get("d"):
        check(len(h(v["d"])) == size, "d not fixed width")
        priv = ec.derive_private_key(i(v["d"]), curve_cls())
        pn = priv.public_key().public_numbers()
        check((pn.x, pn.y) == (i(v["x"]), i(v["y"])), "d does not derive (x, y)")
        if v.get("deterministic"):
            r2, s2 = utils.decode_dss_signature(
                priv.sign(msg, ec.ECDSA(H(), deterministic_signing=True)))
            if v.get("low_s"):
                order = CURVE_ORDER[v["crv"]]
                if s2 > order // 2:
                    s2 = order - s2
            check((r2, s2) == (r, s), "RFC 6979 signing did not reproduce r||s")
        else:
            pub.verify(priv.sign(msg, ec.ECDSA(H())), msg, ec.ECDSA(H()))


def oaep_or_pkcs1(alg):
    if alg == "RSA1_5":
        return padding.PKCS1v15()
    if alg == "RSA-OAEP":
        return padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
    if alg == "RSA-OAEP-256":
        return padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    raise Fail("unknown alg")


def v_rsa_encrypt(v):
    pad = oaep_or_pkcs1(v["alg"])
    priv = rsa_private(v["jwk"])
    pt, ct = h(v["plaintext"]), h(v["ciphertext"])
    check(len(ct) == (priv.key_size + 7) // 8, "ciphertext length != modulus length")
    check(priv.decrypt(ct, pad) == pt, "decrypt did not give plaintext")
    check(priv.decrypt(rsa_public(v["jwk"]).encrypt(pt, pad), pad) == pt, "round trip failed")


def v_aes_kw(v):
    kek, kd, w = h(v["kek"]), h(v["key_data"]), h(v["wrapped"])
    if v["padded"]:
        check(aes_key_wrap_with_padding(kek, kd) == w, "KWP wrap mismatch")
        check(aes_key_unwrap_with_padding(kek, w) == kd, "KWP unwrap mismatch")
    else:
        check(aes_key_wrap(kek, kd) == w, "KW wrap mismatch")
        check(aes_key_unwrap(kek, w) == kd, "KW unwrap mismatch")


def v_aes_gcm(v):
    key, iv, aad = h(v["key"]), h(v["iv"]), h(v["aad"])
    pt, ct, tag = h(v["plaintext"]), h(v["ciphertext"]), h(v["tag"])
    check(len(tag) == 16, "tag is not 128 bits")
    g = AESGCM(key)
    check(g.encrypt(iv, pt, aad or None) == ct + tag, "GCM encrypt mismatch")
    check(g.decrypt(iv, ct + tag, aad or None) == pt, "GCM decrypt mismatch")


def v_aes_cbc(v):
    key, iv, pt, ct = h(v["key"]), h(v["iv"]), h(v["plaintext"]), h(v["ciphertext"])
    mode = v.get("padding", "none")
    if mode == "pkcs7":
        p = sympad.PKCS7(128).padder()
        data = p.update(pt) + p.finalize()
    elif mode == "none":
        data = pt
    else:
        raise Fail("unknown padding")
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    check(enc.update(data) + enc.finalize() == ct, "CBC encrypt mismatch")
    dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    out = dec.update(ct) + dec.finalize()
    if mode == "pkcs7":
        u = sympad.PKCS7(128).unpadder()
        out = u.update(out) + u.finalize()
    check(out == pt, "CBC decrypt mismatch")


CHECKS = {"rsa_sign": v_rsa_sign, "ec_sign": v_ec_sign, "rsa_encrypt": v_rsa_encrypt,
          "aes_kw": v_aes_kw, "aes_gcm": v_aes_gcm, "aes_cbc": v_aes_cbc}


def verify_entry(family, v):
    """Return None when the vector passes, else a short reason."""
    try:
        for key, val in v.items():
            if isinstance(val, str) and key not in ("source", "alg", "crv", "padding",
                                                     "deterministic"):
                bytes.fromhex(val)
                check(val == val.lower(), "hex not lowercase: " + key)
        CHECKS[family](v)
        return None
    except (Fail, InvalidSignature, ValueError, KeyError) as exc:
        return "%s: %s" % (type(exc).__name__, exc)
    except Exception as exc:  # noqa: BLE001 - report anything else as a failure
        return "%s: %s" % (type(exc).__name__, exc)


def main(path):
    with open(path) as f:
        data = json.load(f)
    failures = 0
    for family, entries in data.items():
        if family.startswith("_"):
            continue
        if family not in CHECKS:
            print("unknown family", family)
            failures += 1
            continue
        ok = 0
        for v in entries:
            why = verify_entry(family, v)
            if why:
                failures += 1
                print("FAIL %-12s %-8s %s -> %s" % (family, v.get("alg", ""), v["source"], why))
            else:
                ok += 1
        print("%-12s %3d/%d ok" % (family, ok, len(entries)))
    print("ALL OK" if not failures else "%d FAILURES" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    default = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jwa_vectors.json")
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else default))
