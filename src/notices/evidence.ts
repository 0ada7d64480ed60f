// Rectification evidence in the database: one submission's items stored set-based (one
// statement for the metadata, one for the file bytes), and one file read back for the parties
// of its case. (The items of a case are listed by rectification-verbs.ts evidenceOf.)
import { sql } from "drizzle-orm";
import { uuidv7 } from "uuidv7";
import { rowsOf, type Executor } from "../db/client.js";
import { rectificationEvidence, rectificationFile } from "../db/schema/notices.js";
import type { components } from "../generated/openapi.js";
import type { CheckedFile } from "./evidence-check.js";

export type EvidenceItem = components["schemas"]["EvidenceItem"];

export interface SubmissionInput {
  caseId: string;
  /** 1 for the first submission, n + 1 after n. */
  submission: number;
  /** The actor label (merchant:<noticeId> or platform:<id>). */
  submittedBy: string;
  at: Date;
  text?: string | undefined;
  links?: readonly string[] | undefined;
  /** Already checked (evidence-check.ts). */
  files: readonly CheckedFile[];
}

/** Stores a submission's items (text first, then links, then files, in that order); returns them as listed. */
export async function storeSubmission(tx: Executor, input: SubmissionInput): Promise<EvidenceItem[]> {
  const common = { caseId: input.caseId, submission: input.submission, submittedBy: input.submittedBy, submittedAt: input.at, createdAt: input.at };
  // uuidv7 ids increase as they are made, so id order (the listing's) is the order made here.
  const textRows = input.text !== undefined ? [{ ...common, id: uuidv7(), kind: "text" as const, text: input.text }] : [];
  const linkRows = (input.links ?? []).map((url) => ({ ...common, id: uuidv7(), kind: "link" as const, url }));
  const fileRows = input.files.map((file) => ({
    ...common,
    id: uuidv7(),
    kind: "file" as const,
    fileName: file.name,
    contentType: file.contentType,
    sizeBytes: file.bytes.length,
    sha256: file.sha256,
  }));
  const rows = [...textRows, ...linkRows, ...fileRows];
  if (rows.length === 0) return [];
  await tx.insert(rectificationEvidence).values(rows);
  if (fileRows.length > 0) await tx.insert(rectificationFile).values(fileRows.map((r, i) => ({ evidenceId: r.id, content: input.files[i]!.bytes })));
  return rows.map((r) => ({
    evidenceId: r.id,
    submission: r.submission,
    kind: r.kind,
    ...("text" in r ? { text: r.text } : {}),
    ...("url" in r ? { url: r.url } : {}),
    ...("fileName" in r ? { fileName: r.fileName, contentType: r.contentType, sizeBytes: r.sizeBytes, sha256: r.sha256 } : {}),
    submittedAt: input.at.toISOString(),
    submittedBy: input.submittedBy,
  }));
}

export interface StoredFile {
  evidenceId: string;
  fileName: string;
  contentType: string;
  sha256: string;
  content: Buffer;
}

/** One file of one case (null when the evidence is not a file of that case). */
export async function readEvidenceFile(on: Executor, where: { caseId: string; evidenceId: string }): Promise<StoredFile | null> {
  const [row] = rowsOf<{ id: string; file_name: string; content_type: string; sha256: string; content: Uint8Array }>(
    await on.execute(sql`
      select e.id, e.file_name, e.content_type, e.sha256, f.content
      from rectification_evidence e join rectification_file f on f.evidence_id = e.id
      where e.id = ${where.evidenceId}::uuid and e.case_id = ${where.caseId}::uuid and e.kind = 'file'`),
  );
  if (!row) return null;
  // postgres.js returns a Buffer, PGlite a Uint8Array.
  return { evidenceId: row.id, fileName: row.file_name, contentType: row.content_type, sha256: row.sha256, content: Buffer.from(row.content.buffer, row.content.byteOffset, row.content.byteLength) };
}
