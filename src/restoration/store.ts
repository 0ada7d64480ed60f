// Restoration applications in the database: insert (one open per entity, enforced by the partial
// unique index), read one, lock one for review, list a region's keyset-paged, and the views the
// API returns. Files are stored with the application in the same transaction; listings read
// their metadata only, for a page of applications in one statement.
import { sql, type SQL } from "drizzle-orm";
import { uuidv7 } from "uuidv7";
import { rowsOf, type Executor, isoTime as iso, isoTimeOrNull } from "../db/client.js";
import { restorationFile } from "../db/schema/restoration.js";
import type { components } from "../generated/openapi.js";
import type { CheckedFile } from "../notices/evidence-check.js";

export type ApplicationView = components["schemas"]["RestorationApplication"];
type CreditClass = "A" | "B" | "C" | "D";

export interface ApplicationRow extends Record<string, unknown> {
  id: string;
  entity_id: string;
  entity_name: string;
  region_code: string;
  status: "open" | "accepted" | "rejected";
  applied_by: string;
  applied_at: Date | string;
  text: string | null;
  links: string[] | string;
  class_at_application: CreditClass | null;
  reviewed_at: Date | string | null;
  review_comment: string | null;
}

const SELECT = sql`
  select a.id::text as id, a.entity_id::text as entity_id, e.name as entity_name, a.region_code, a.status, a.applied_by, a.applied_at,
         a.text, a.links, a.class_at_application, a.reviewed_at, a.review_comment
  from restoration_application a join entity e on e.id = a.entity_id`;

interface FileRow extends Record<string, unknown> {
  id: string;
  application_id: string;
  file_name: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
}

/** The views of the rows, their files' metadata read in one statement. */
export async function toViews(on: Executor, rows: readonly ApplicationRow[]): Promise<ApplicationView[]> {
  if (rows.length === 0) return [];
  const files = rowsOf<FileRow>(await on.execute(sql`
    select id::text as id, application_id::text as application_id, file_name, content_type, size_bytes, sha256
    from restoration_file where application_id in (select (jsonb_array_elements_text(${JSON.stringify(rows.map((r) => r.id))}::jsonb))::uuid)
    order by id`));
  return rows.map((r) => ({
    applicationId: r.id,
    entityId: r.entity_id,
    entityName: r.entity_name,
    regionCode: r.region_code,
    status: r.status,
    appliedBy: r.applied_by,
    appliedAt: iso(r.applied_at),
    text: r.text,
    links: typeof r.links === "string" ? (JSON.parse(r.links) as string[]) : r.links,
    files: files
      .filter((f) => f.application_id === r.id)
      .map((f) => ({ fileId: f.id, fileName: f.file_name, contentType: f.content_type, sizeBytes: Number(f.size_bytes), sha256: f.sha256 })),
    classAtApplication: r.class_at_application,
    reviewedAt: isoTimeOrNull(r.reviewed_at),
    reviewComment: r.review_comment,
  }));
}

export async function readApplications(on: Executor, where: SQL, tail: SQL = sql``): Promise<ApplicationRow[]> {
  return rowsOf<ApplicationRow>(await on.execute(sql`${SELECT} where ${where} ${tail}`));
}

/** The entity's open application, if any. */
export async function openApplicationOf(on: Executor, entityId: string): Promise<ApplicationView | null> {
  const rows = await readApplications(on, sql`a.entity_id = ${entityId}::uuid and a.status = 'open'`);
  return (await toViews(on, rows))[0] ?? null;
}

export interface NewApplication {
  entityId: string;
  regionCode: string;
  appliedBy: string;
  at: Date;
  text: string | undefined;
  links: readonly string[];
  classAtApplication: string | null;
  files: readonly CheckedFile[];
}

/** Inserts the application and its files; null when the entity already has an open one. */
export async function insertApplication(tx: Executor, a: NewApplication): Promise<string | null> {
  const id = uuidv7();
  const inserted = rowsOf<{ id: string }>(await tx.execute(sql`
    insert into restoration_application (id, entity_id, region_code, status, applied_by, applied_at, text, links, class_at_application)
    values (${id}::uuid, ${a.entityId}::uuid, ${a.regionCode}, 'open', ${a.appliedBy}, ${a.at.toISOString()}::timestamptz,
            ${a.text ?? null}, ${JSON.stringify(a.links)}::jsonb, ${a.classAtApplication})
    on conflict (entity_id) where status = 'open' do nothing
    returning id::text as id`));
  if (inserted.length === 0) return null;
  if (a.files.length > 0) {
    await tx.insert(restorationFile).values(
      a.files.map((f) => ({ id: uuidv7(), applicationId: id, fileName: f.name, contentType: f.contentType, sizeBytes: f.bytes.length, sha256: f.sha256, content: f.bytes })),
    );
  }
  return id;
}

export interface StoredApplicationFile {
  fileName: string;
  contentType: string;
  sha256: string;
  content: Buffer;
}

/** One file of an application inside the region prefix (null otherwise). */
export async function readApplicationFile(on: Executor, where: { applicationId: string; fileId: string; prefix: string }): Promise<StoredApplicationFile | null> {
  const [row] = rowsOf<{ file_name: string; content_type: string; sha256: string; content: Uint8Array }>(await on.execute(sql`
    select f.file_name, f.content_type, f.sha256, f.content
    from restoration_file f join restoration_application a on a.id = f.application_id
    where f.id = ${where.fileId}::uuid and a.id = ${where.applicationId}::uuid and starts_with(a.region_code, ${where.prefix})`));
  if (!row) return null;
  // postgres.js returns a Buffer, PGlite a Uint8Array.
  return { fileName: row.file_name, contentType: row.content_type, sha256: row.sha256, content: Buffer.from(row.content.buffer, row.content.byteOffset, row.content.byteLength) };
}
