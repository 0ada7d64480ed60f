// A partner's new or removed link, or a related entity's worse class, can move an entity's
// relationship indicators and nothing else of it. At city scale those requests were most of all
// classifications (a new member of an address cluster asks for every other member again), and
// most of them changed nothing: the model reads a count through a few bins (same_address_entities:
// 0 | 1-5 | 6+), so the fifth member of a cluster moves no partner's score. Such an entity is
// classified again only when something would read its new relationship values differently:
//  - the active model (a relationship feature falls in another state), or a model other than
//    the one that scored it is active;
//  - an enabled monitoring rule (a comparison over an indicator comes out otherwise);
//  - or no values were recorded for it yet.
// Otherwise its score, class, warnings and fence decision would come out as they are (its other
// indicators did not change: that is what the request says), so only its screening tags take the
// new values. Time alone moving its other indicators is the daily run's to catch, as for every
// entity with no news.
import type { Executor } from "../db/client.js";
import { lockEntities } from "./classify.js";
import { RELATIONSHIP_INDICATOR_IDS, sameStates, type IndicatorRow } from "../scoring/index.js";
import type { ComputeRelationshipIndicators, RelationshipReaders } from "./contracts.js";
import { getActiveModel } from "./models.js";
import { computeRelationshipIndicators } from "./relationships.js";

/**
 * Locks `entityIds` (uuid order, as classify does: no deadlock with another drain) and answers
 * which of `relationshipsOnly` need no classification, having recorded their new values.
 */
export type RecheckRelationships = (tx: Executor, entityIds: readonly string[], relationshipsOnly: readonly string[], asOf: Date) => Promise<Set<string>>;

const WATCHED = new Set(RELATIONSHIP_INDICATOR_IDS);

export function makeRecheckRelationships(readers: RelationshipReaders, compute: ComputeRelationshipIndicators = computeRelationshipIndicators): RecheckRelationships {
  return async (tx, entityIds, relationshipsOnly, asOf) => {
    if (relationshipsOnly.length === 0) return new Set();
    // Locked before anything is read: a drain classifying one of them meanwhile has committed
    // its values (and tags) by the time they are compared here.
    const locked = await lockEntities(tx, entityIds);
    const model = await getActiveModel(tx);
    const wanted = new Set(relationshipsOnly);
    const candidates = locked.filter((r) => wanted.has(r.id) && r.model_version === model.version).map((r) => r.id);
    if (candidates.length === 0) return new Set();
    const unchanged = new Map<string, IndicatorRow>();
    const recorded = await readers.recorded(tx, candidates);
    const rulesDiffer = await readers.rulesReadChange(tx);
    const fresh = await compute(tx, candidates, asOf);
    for (const id of candidates) {
      const before = recorded.get(id);
      const now = fresh.get(id);
      if (!before || !now) continue;
      const after: IndicatorRow = { ...now };
      if (sameStates(model.compiled, before, after, WATCHED) && !rulesDiffer(before, after)) unchanged.set(id, after);
    }
    await readers.record(tx, asOf, unchanged);
    return new Set(unchanged.keys());
  };
}
