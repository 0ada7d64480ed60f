#!/usr/bin/env python3
"""Signing for the Credit Sandbox Gateway without the SDK (Python 3.8+, `pip install cryptography`).

  sign_detached.py assertion KEY.jwk.json CLIENT_ID TOKEN_ENDPOINT   -> client assertion JWT for /oauth/token
  sign_detached.py sign KEY.jwk.json BODY_FILE METHOD PATH           -> X-JWS-Signature value for that body,
                                                                        sent as METHOD to PATH (e.g. POST /v1/events/batch)

KEY.jwk.json is the platform's private JWK (EC P-256 -> ES256, or Ed25519 -> EdDSA) with its kid.
Sign the exact bytes you send: write the body to a file once and send that same file. METHOD and
PATH (the request path without host or query) go into the protected header as htm and htu: the
gateway refuses the signature on any other route (SIGNATURE_ROUTE_MISMATCH).
IAT and JTI in the environment fix the header's iat and jti (only to reproduce a worked example).
"""
import base64, json, os, sys, time, uuid

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_key(path):
    jwk = json.load(open(path, encoding="utf-8"))
    d = b64url_decode(jwk["d"])
    if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
        key = ed25519.Ed25519PrivateKey.from_private_bytes(d)
        return jwk["kid"], jwk.get("alg", "EdDSA"), lambda data: key.sign(data)
    if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
        key = ec.derive_private_key(int.from_bytes(d, "big"), ec.SECP256R1())

        def sign_es256(data):
            # JWS wants r || s, 32 bytes each, not the DER that cryptography returns.
            r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")

        return jwk["kid"], "ES256", sign_es256
    sys.exit("unsupported key: use EC P-256 or Ed25519")


def compact_json(value) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def main(argv):
    now = int(os.environ.get("IAT", time.time()))
    jti = os.environ.get("JTI", str(uuid.uuid4()))
    if len(argv) == 5 and argv[1] == "assertion":
        kid, alg, sign = load_key(argv[2])
        header = b64url(compact_json({"alg": alg, "kid": kid, "typ": "JWT"}))
        claims = b64url(compact_json({"iss": argv[3], "sub": argv[3], "aud": argv[4], "iat": now, "exp": now + 120, "jti": jti}))
        print(f"{header}.{claims}.{b64url(sign(f'{header}.{claims}'.encode('ascii')))}")
    elif len(argv) == 6 and argv[1] == "sign":
        kid, alg, sign = load_key(argv[2])
        body = open(argv[3], "rb").read()
        htm, htu = argv[4].upper(), argv[5].split("?")[0]
        protected = b64url(compact_json({"alg": alg, "kid": kid, "b64": False, "crit": ["b64"], "iat": now, "jti": jti, "htm": htm, "htu": htu}))
        # RFC 7797: the signing input is the encoded header, a dot, then the raw body bytes.
        signature = sign(protected.encode("ascii") + b"." + body)
        print(f"{protected}..{b64url(signature)}")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
