// ingestMerchants: a signed batch of merchant (shop) records from one platform. Each shop is
// upserted per (platform, shopId) and points at its entity, found across ALL platforms by USCC
// (or, for individual sellers without one, by idNumberHash): one entity selling on two
// platforms is one entity with two shops. Everything in ONE transaction, set-based.
//
// Rules (documented for platforms):
// - Duplicates inside one batch: the first valid record of a shopId is applied; later ones are
//   `duplicate` with code DUPLICATE_IN_BATCH and are not applied.
// - A record equal to the shop's stored record is `duplicate` (a resend changes nothing).
// - A record that changes an existing shop's registered fields (name, address, regionCode,
//   category, identifiers, entityType, licences) also leaves a shop_record_change row.
// - A new entity takes its data from the records that registered it (the last of the batch;
//   registration facts from the first that has them); their shops are its corroborated source.
// - A shop naming an entity another platform registered is a claimed link unless it matches
//   (see entity-claims.ts). Only corroborated shops update an entity, and only its address and
//   type (last write wins) and the identifiers and registration facts it lacks; name, region
//   and category are never moved by a platform. Disagreements are recorded
//   (entity_master_conflict) for regulators.
// - A record whose USCC and idNumberHash point at two different entities is rejected
//   (IDENTITY_CONFLICT): the gateway will not merge entities on a platform's word.
import { uuidv7 } from "uuidv7";
import { countResults, recordBatch, type BatchOutcome } from "./batch-store.js";
import { authorize, ownPlatform } from "../auth/authorize.js";
import { inBackfill } from "./backfill-gate.js";
import { requestRescores, type ExchangeContext } from "./context.js";
import type { IngestInput } from "./ingest-events.js";
import { conflictsOf, findEntitySources, linkToExisting, recordMasterConflicts, type CorroboratedBy, type EntitySources, type LinkState, type MasterConflict } from "./entity-claims.js";
import { findEntities, findShopStates, insertEntities, recordShopChanges, updateEntities, upsertShops, type EntityData, type ShopRow } from "./merchant-store.js";
import { checkMerchantRecord, rejected, type MerchantRecord, type RecordResult } from "./records.js";

interface Valid {
  index: number;
  record: MerchantRecord;
}

const identityOf = (r: MerchantRecord) => (r.uscc !== undefined ? `u:${r.uscc}` : `h:${r.idNumberHash!}`);

/** The group's entity data: the last record's, with registration facts from the first record that has them. */
function entityDataOfGroup(id: string, members: readonly Valid[]): EntityData {
  const data = entityDataOf(id, members[members.length - 1]!.record);
  const first = <T>(pick: (r: MerchantRecord) => T | undefined): T | null => members.map((m) => pick(m.record)).find((x) => x !== undefined) ?? null;
  return { ...data, est: first((r) => r.establishedOn), cap: first((r) => r.registeredCapitalCents), auth: first((r) => r.registrationAuthority) };
}

function entityDataOf(id: string, r: MerchantRecord): EntityData {
  return {
    id,
    uscc: r.uscc ?? null,
    h: r.idNumberHash ?? null,
    name: r.entityName ?? r.name,
    type: r.entityType,
    region: r.regionCode,
    address: r.address,
    category: r.category,
    est: r.establishedOn ?? null,
    cap: r.registeredCapitalCents ?? null,
    auth: r.registrationAuthority ?? null,
  };
}

const differs = (a: EntityData, b: EntityData) =>
  a.name !== b.name || a.type !== b.type || a.region !== b.region || a.address !== b.address || a.category !== b.category ||
  (a.uscc === null && b.uscc !== null) || (a.h === null && b.h !== null) ||
  (a.est === null && b.est !== null) || (a.cap === null && b.cap !== null) || (a.auth === null && b.auth !== null);

/**
 * An existing entity as its corroborated records leave it: address and type from the last,
 * identifiers and registration facts it lacks from the first that has them; name, region and
 * category as registered.
 */
function updatedByCorroborated(found: EntityData, records: readonly MerchantRecord[]): EntityData {
  if (records.length === 0) return found;
  const last = records[records.length - 1]!;
  const first = <T>(pick: (r: MerchantRecord) => T | undefined): T | null => records.map(pick).find((x) => x !== undefined) ?? null;
  return {
    ...found,
    type: last.entityType,
    address: last.address,
    uscc: found.uscc ?? first((r) => r.uscc),
    h: found.h ?? first((r) => r.idNumberHash),
    est: found.est ?? first((r) => r.establishedOn),
    cap: found.cap ?? first((r) => r.registeredCapitalCents),
    auth: found.auth ?? first((r) => r.registrationAuthority),
  };
}

export async function ingestMerchants(ctx: ExchangeContext, input: IngestInput): Promise<BatchOutcome> {
  const platform = authorize(ctx.actor, ownPlatform("merchants:write", { platformId: input.platformId, operatorMay: true }));
  const { db, clock } = ctx.deps;
  const platformId = platform.platformId;
  const receivedAt = clock.now();
  const batchId = uuidv7();
  const results: RecordResult[] = new Array(input.records.length);

  // 1. Each record alone; then the first valid record of a shopId wins.
  const applied: Valid[] = [];
  const firstIndex = new Map<string, number>();
  const laterDuplicates: Array<{ index: number; shopId: string; first: number }> = [];
  input.records.forEach((raw, index) => {
    const checked = checkMerchantRecord(ctx.validators.merchant, raw, index, receivedAt.getTime(), input.screenNul ?? true);
    if (!checked.ok) return void (results[index] = rejected(index, checked.error));
    const first = firstIndex.get(checked.record.shopId);
    if (first !== undefined) return void laterDuplicates.push({ index, shopId: checked.record.shopId, first });
    firstIndex.set(checked.record.shopId, index);
    applied.push({ index, record: checked.record });
  });

  const outcome = await db.transaction(async (tx) => {
    // 2. Identical resends change nothing.
    const states = await findShopStates(tx, platformId, applied.map((v) => ({ k: v.record.shopId, rec: v.record })));
    const changed = applied.filter((v) => {
      const state = states.get(v.record.shopId);
      if (state?.same) results[v.index] = { index: v.index, status: "duplicate", entityId: state.entityId };
      return !state?.same;
    });

    // 3. Entities by identity: existing ones (maybe updated) or new ones.
    const groups = new Map<string, Valid[]>();
    for (const v of changed) {
      const key = identityOf(v.record);
      const members = groups.get(key);
      if (members) members.push(v);
      else groups.set(key, [v]);
    }
    const usccs = changed.flatMap((v) => (v.record.uscc ? [v.record.uscc] : []));
    const hashes = changed.flatMap((v) => (v.record.idNumberHash ? [v.record.idNumberHash] : []));
    const entityOfGroup = new Map<string, string>();
    const toUpdate = new Map<string, EntityData>();
    const rescore = new Set<string>();
    const linkOfShop = new Map<string, { link: LinkState; by: CorroboratedBy | null }>();
    const conflicts: MasterConflict[] = [];
    const resolve = (existing: EntityData[], sources: Map<string, EntitySources>, keys: Iterable<string>, allowNew: boolean): EntityData[] => {
      const byUscc = new Map(existing.filter((e) => e.uscc).map((e) => [e.uscc!, e]));
      const byHash = new Map(existing.filter((e) => e.h).map((e) => [e.h!, e]));
      const fresh: EntityData[] = [];
      for (const key of keys) {
        const members = groups.get(key)!;
        const last = members[members.length - 1]!.record;
        const eU = last.uscc ? byUscc.get(last.uscc) : undefined;
        const eH = last.idNumberHash ? byHash.get(last.idNumberHash) : undefined;
        if (eU && eH && eU.id !== eH.id) {
          for (const m of members) {
            results[m.index] = rejected(m.index, { code: "IDENTITY_CONFLICT", message: "uscc and idNumberHash belong to two different entities", pointer: `/records/${m.index}` });
          }
          groups.delete(key);
          continue;
        }
        const found = eU ?? eH;
        if (found) {
          entityOfGroup.set(key, found.id);
          const corroborated: MerchantRecord[] = [];
          for (const { record: r } of members) {
            const state = states.get(r.shopId);
            // A shop already tied to this entity keeps its link; a new tie is judged now.
            const link = state && state.entityId === found.id
              ? { link: state.link, by: null }
              : linkToExisting(platformId, found, sources.get(found.id), r);
            linkOfShop.set(r.shopId, link);
            if (link.link === "corroborated") corroborated.push(r);
            conflicts.push(...conflictsOf(r.shopId, found, r, link.link));
          }
          const desired = updatedByCorroborated(found, corroborated);
          if (differs(found, desired)) toUpdate.set(found.id, desired);
        } else if (allowNew) {
          fresh.push(entityDataOfGroup(uuidv7(), members));
          entityOfGroup.set(key, fresh[fresh.length - 1]!.id);
          for (const { record: r } of members) linkOfShop.set(r.shopId, { link: "corroborated", by: "registered" });
        }
      }
      return fresh;
    };
    const withSources = async (existing: EntityData[]) => ({ existing, sources: await findEntitySources(tx, existing.map((e) => e.id)) });
    const known = await withSources(await findEntities(tx, usccs, hashes));
    const fresh = resolve(known.existing, known.sources, [...groups.keys()], true);
    const inserted = await insertEntities(tx, fresh, receivedAt);
    for (const id of inserted) rescore.add(id);
    // Lost a race with a concurrent batch (or two identities in this batch met): re-read those.
    const freshIds = new Set(fresh.map((f) => f.id));
    const raced = [...groups.keys()].filter((k) => {
      const id = entityOfGroup.get(k);
      return id === undefined || (freshIds.has(id) && !inserted.has(id));
    });
    if (raced.length > 0) {
      for (const k of raced) entityOfGroup.delete(k);
      const again = raced.flatMap((k) => groups.get(k)!.map((m) => m.record));
      const reread = await withSources(await findEntities(tx, again.flatMap((r) => (r.uscc ? [r.uscc] : [])), again.flatMap((r) => (r.idNumberHash ? [r.idNumberHash] : []))));
      resolve(reread.existing, reread.sources, raced, false);
      for (const k of raced) {
        if (entityOfGroup.has(k) || !groups.has(k)) continue;
        for (const m of groups.get(k)!) results[m.index] = rejected(m.index, { code: "IDENTITY_CONFLICT", message: "the entity could not be resolved; resend the record", pointer: `/records/${m.index}` });
        groups.delete(k);
      }
    }
    await updateEntities(tx, [...toUpdate.values()], receivedAt);
    for (const id of toUpdate.keys()) rescore.add(id);

    // 4. Shops: upsert the changed ones.
    const shopRows: ShopRow[] = [];
    const entityOfShop = new Map<string, string>();
    for (const [key, members] of groups) {
      const entityId = entityOfGroup.get(key)!;
      for (const { record: r } of members) {
        entityOfShop.set(r.shopId, entityId);
        shopRows.push({
          id: uuidv7(), k: r.shopId, e: entityId, name: r.name, category: r.category, region: r.regionCode, address: r.address,
          url: r.url ?? null, lr: r.legalRepresentativeHash ?? null, ph: r.phoneHash ?? null, opened: r.openedAt ?? null,
          lic: r.licences ?? null, rec: r, l: linkOfShop.get(r.shopId)!.link, cb: linkOfShop.get(r.shopId)!.by,
        });
      }
    }
    // Registered-field changes of existing shops are kept (shop_record_change): the shop row
    // only holds the latest record, and record_changes_365d and monitoring need the history.
    // Only shops found in step 2 can have changed (a new one has nothing to compare with).
    await recordShopChanges(tx, { platformId, batchId, receivedAt, rows: shopRows.filter((row) => states.has(row.k)) });
    const written = await upsertShops(tx, platformId, shopRows, receivedAt);
    await recordMasterConflicts(tx, { platformId, batchId, at: receivedAt, rows: conflicts.filter((c) => entityOfShop.get(c.k) === c.e) });
    for (const row of shopRows) {
      const index = firstIndex.get(row.k)!;
      const previous = states.get(row.k);
      if (written.has(row.k)) {
        results[index] = { index, status: "accepted", entityId: row.e, link: row.l };
        // A claim changes nothing the entity is scored on; a shop leaving a corroborated link does.
        if (row.l === "corroborated") rescore.add(row.e);
        if (previous && previous.entityId !== row.e && previous.link === "corroborated") rescore.add(previous.entityId);
      } else {
        results[index] = { index, status: "duplicate", entityId: row.e, link: row.l };
      }
    }
    for (const d of laterDuplicates) {
      const first = results[d.first]!;
      results[d.index] = first.status === "rejected"
        ? rejected(d.index, first.error!)
        : { index: d.index, status: "duplicate", ...(first.entityId ? { entityId: first.entityId } : {}), error: { code: "DUPLICATE_IN_BATCH", message: `shopId already appears at index ${d.first} in this batch`, pointer: `/records/${d.index}/shopId` } };
    }

    if (!input.skipRescore && !(await inBackfill(tx, platformId))) await requestRescores(ctx.deps, tx, rescore);
    const counts = countResults(results);
    await input.alsoInTransaction?.(tx, { recordCount: input.records.length, ...counts });
    const receipt = await recordBatch(tx, ctx.deps, {
      batchId, platformId, actor: ctx.actor!, kind: "merchants", receivedAt, evidence: input.batchEvidence, recordCount: input.records.length, ...counts,
    });
    return { batchId, receivedAt: receivedAt.toISOString(), ...counts, results, receipt };
  });
  if (outcome.accepted > 0) ctx.deps.kick();
  return outcome;
}
