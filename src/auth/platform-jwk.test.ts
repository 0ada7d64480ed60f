import { exportJWK, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import { checkPlatformJwk } from "./platform-jwk.js";
import { parseDetached } from "./body-signature.js";

describe("platform public keys", () => {
  it("accepts P-256 and Ed25519 public keys, keeping only public members", async () => {
    const ec = await generateKeyPair("ES256", { extractable: true });
    const ed = await generateKeyPair("EdDSA", { extractable: true });
    const a = await checkPlatformJwk({ ...(await exportJWK(ec.publicKey)), kid: "ec", x5c: ["junk"] });
    expect(a).toMatchObject({ kid: "ec", alg: "ES256" });
    expect(Object.keys(a.publicJwk).sort()).toEqual(["alg", "crv", "kid", "kty", "use", "x", "y"]);
    expect((await checkPlatformJwk({ ...(await exportJWK(ed.publicKey)), kid: "ed", alg: "Ed25519" })).alg).toBe("Ed25519");
    expect((await checkPlatformJwk({ ...(await exportJWK(ed.publicKey)), kid: "ed" })).alg).toBe("EdDSA");
  });

  it("refuses private keys, other curves and types, bad points, mismatched alg", async () => {
    const ec = await generateKeyPair("ES256", { extractable: true });
    const priv = { ...(await exportJWK(ec.privateKey)), kid: "p" };
    await expect(checkPlatformJwk(priv)).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
    await expect(checkPlatformJwk({ kty: "EC", crv: "P-384", x: "a", y: "b", kid: "x" })).rejects.toThrow(/unsupported/);
    await expect(checkPlatformJwk({ kty: "oct", k: "abc", kid: "x" })).rejects.toThrow(/private/);
    await expect(checkPlatformJwk({ kty: "EC", crv: "P-256", x: "AAAA", y: "AAAA", kid: "x" })).rejects.toThrow(/valid public key/);
    await expect(checkPlatformJwk({ ...(await exportJWK(ec.publicKey)), kid: "x", alg: "EdDSA" })).rejects.toThrow(/does not fit/);
    await expect(checkPlatformJwk({ ...(await exportJWK(ec.publicKey)) })).rejects.toThrow(/kid/);
  });
});

describe("detached signature shape", () => {
  const enc = (h: object) => Buffer.from(JSON.stringify(h)).toString("base64url");
  const good = { alg: "ES256", kid: "k", b64: false, crit: ["b64"], iat: 1, jti: "j", htm: "POST", htu: "/v1/events/batch" };
  it("parses a well-formed header", () => {
    expect(parseDetached(`${enc(good)}..c2ln`).header).toMatchObject({ kid: "k", iat: 1, jti: "j", htm: "POST", htu: "/v1/events/batch" });
  });
  it.each([
    ["attached payload", `${enc(good)}.cGF5.c2ln`],
    ["crit missing", `${enc({ ...good, crit: undefined })}..c2ln`],
    ["alg none", `${enc({ ...good, alg: "none" })}..c2ln`],
    ["HS256", `${enc({ ...good, alg: "HS256" })}..c2ln`],
    ["fractional iat", `${enc({ ...good, iat: 1.5 })}..c2ln`],
    ["array header", `${enc([1])}..c2ln`],
    ["no htm", `${enc({ ...good, htm: undefined })}..c2ln`],
    ["lower-case htm", `${enc({ ...good, htm: "post" })}..c2ln`],
    ["no htu", `${enc({ ...good, htu: undefined })}..c2ln`],
    ["a full URL as htu", `${enc({ ...good, htu: "https://gateway.example/v1/events/batch" })}..c2ln`],
  ])("refuses %s as SIGNATURE_MALFORMED", (_name, jws) => {
    expect(() => parseDetached(jws)).toThrow(expect.objectContaining({ code: "SIGNATURE_MALFORMED" }));
  });
});
