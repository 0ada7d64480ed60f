// A minimal platform client for the benchmarks: private_key_jwt tokens and a detached JWS over
// each body, as a platform would send them (the SDK adds retries the benchmarks must not hide).
import { randomUUID } from "node:crypto";
import { FlattenedSign, SignJWT, type CryptoKey } from "jose";

export function platformClient(url: string, clientId: string, kid: string, key: CryptoKey) {
  let token: { value: string; until: number } | undefined;
  const accessToken = async () => {
    const now = Math.floor(Date.now() / 1000);
    if (token && token.until > now + 30) return token.value;
    const assertion = await new SignJWT({ iss: clientId, sub: clientId, aud: `${url}/oauth/token`, jti: randomUUID(), iat: now, exp: now + 60 })
      .setProtectedHeader({ alg: "ES256", kid, typ: "JWT" })
      .sign(key);
    const res = await fetch(`${url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: clientId,
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion: assertion,
      }),
    });
    const body = (await res.json()) as { access_token: string; expires_in: number };
    token = { value: body.access_token, until: now + body.expires_in };
    return token.value;
  };
  return {
    async post(path: string, text: string): Promise<{ accepted: number }> {
      const bytes = Buffer.from(text);
      const jws = await new FlattenedSign(bytes)
        .setProtectedHeader({ alg: "ES256", kid, b64: false, crit: ["b64"], iat: Math.floor(Date.now() / 1000), jti: randomUUID(), htm: "POST", htu: path.split("?")[0] })
        .sign(key);
      const res = await fetch(url + path, {
        method: "POST",
        headers: {
          authorization: `Bearer ${await accessToken()}`,
          "content-type": "application/json",
          "x-jws-signature": `${jws.protected}..${jws.signature}`,
          "idempotency-key": randomUUID(),
        },
        body: bytes,
      });
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${(await res.text()).slice(0, 300)}`);
      return (await res.json()) as { accepted: number };
    },
  };
}
