// Receipts: the gateway's compact JWS over {batchId, platformId, bodySha256, accepted,
// rejected, receivedAt}. Verified against the published JWKS; a batch call also checks that
// the receipt names the sha-256 of the very bytes the SDK sent.
import { createHash } from "node:crypto";
import { compactVerify, errors, type JWTVerifyGetKey } from "jose";
import { GatewayError, ReceiptError } from "./errors.js";

export interface Receipt {
  batchId: string;
  platformId: string;
  bodySha256: string;
  accepted: number;
  rejected: number;
  receivedAt: string;
  [k: string]: unknown;
}

export const GATEWAY_ALGS = ["ES256", "EdDSA", "Ed25519"];

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export async function verifyReceiptWith(keys: JWTVerifyGetKey, receipt: string, options: { expectedBodySha256?: string } = {}): Promise<Receipt> {
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(receipt, keys, { algorithms: GATEWAY_ALGS }));
  } catch (err) {
    // Not a verdict on the receipt: the key set could not be fetched (no answer, 5xx). The
    // caller may send the same call again; its Idempotency-Key brings back the same receipt.
    if (err instanceof errors.JWKSTimeout) throw new GatewayError(0, "NETWORK_ERROR", undefined, undefined, { cause: err });
    if (!(err instanceof errors.JOSEError)) throw err;
    throw new ReceiptError("RECEIPT_SIGNATURE_INVALID", `receipt signature does not verify: ${(err as Error).message}`, { cause: err });
  }
  let parsed: Receipt;
  try {
    parsed = JSON.parse(new TextDecoder().decode(payload)) as Receipt;
  } catch (err) {
    throw new ReceiptError("RECEIPT_MALFORMED", "receipt payload is not JSON", { cause: err });
  }
  if (typeof parsed?.batchId !== "string" || typeof parsed.bodySha256 !== "string" || typeof parsed.accepted !== "number") {
    throw new ReceiptError("RECEIPT_MALFORMED", "receipt payload lacks batchId, bodySha256 or accepted");
  }
  if (options.expectedBodySha256 !== undefined && parsed.bodySha256.toLowerCase() !== options.expectedBodySha256.toLowerCase()) {
    throw new ReceiptError("RECEIPT_MISMATCH", "receipt bodySha256 is not the hash of the body that was sent");
  }
  return parsed;
}
