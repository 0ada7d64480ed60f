// Splitting a submission into batches the gateway accepts (at most 10,000 records and 10 MB
// each). Records are serialised one by one, once; a batch's body is assembled from those
// exact strings, and those are the bytes that are signed, sent and hashed for the receipt.

export const MAX_BATCH_RECORDS = 10_000;
/** A little under the gateway's 10 MB default, leaving room for the envelope. */
export const MAX_BATCH_BYTES = 10 * 1024 * 1024 - 1024;

export interface BatchBody {
  /** Index in the caller's array of this batch's first record. */
  offset: number;
  count: number;
  bytes: Uint8Array;
}

export function* batchBodies(records: readonly unknown[], limits = { maxRecords: MAX_BATCH_RECORDS, maxBytes: MAX_BATCH_BYTES }): Generator<BatchBody> {
  const encoder = new TextEncoder();
  const OPEN = '{"records":[';
  const CLOSE = "]}";
  let parts: string[] = [];
  let size = OPEN.length + CLOSE.length;
  let offset = 0;
  const flush = (): BatchBody => {
    const body = { offset, count: parts.length, bytes: encoder.encode(OPEN + parts.join(",") + CLOSE) };
    offset += parts.length;
    parts = [];
    size = OPEN.length + CLOSE.length;
    return body;
  };
  for (const record of records) {
    const json = JSON.stringify(record);
    if (json === undefined) throw new TypeError(`record ${offset + parts.length} cannot be serialised as JSON`);
    const bytes = Buffer.byteLength(json) + 1; // + the comma
    // A record alone above the byte limit still goes alone: the gateway answers 413 for it.
    if (parts.length > 0 && (parts.length >= limits.maxRecords || size + bytes > limits.maxBytes)) yield flush();
    parts.push(json);
    size += bytes;
  }
  if (parts.length > 0) yield flush();
}
