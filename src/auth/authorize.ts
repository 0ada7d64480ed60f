// The one authorisation model. Every verb's first line is `authorize(ctx.actor, requirement)`;
// the answer says on whose behalf the verb runs and, for regulators, the region prefix its SQL
// must filter on. Routes only authenticate (and pre-check the spec's role as a courtesy); the
// verb decides, so the CLI, jobs and HTTP all meet the same rules.
//
// Requirements:
//   regulator(role, region?)  a regulator with at least `role` (viewer < officer < admin); the
//                             grant carries the prefix its SQL filters on: the caller's own, or
//                             the narrower `region` asked for (null when that region lies outside
//                             the caller's scope: nothing there is visible to it).
//   cityWide(role)            city-wide configuration (rules, templates, fence policy, models,
//                             platforms and their keys, gateway keys): the regulator's scope must
//                             cover a whole city (a prefix of at most 4 digits, e.g. 5101, or
//                             national). A district admin is refused with CITY_SCOPE_REQUIRED.
//   platform(scope?, id?)     a platform acting on its own data, its token holding `scope`.
//   merchantNotice(id?)       a merchant link acting on its own notice.
//   operator()                the CLI or the gateway's own jobs only.
// Operators (the CLI, system jobs) hold the database credentials anyway: they pass every
// regulator and city-wide requirement with the national scope, and act for a platform only where
// the requirement allows it (`operatorMay: true`, e.g. loading a platform's history).
import type { Principal } from "../http/context.js";
import { AppError } from "../http/errors.js";
import type { Actor } from "./actor.js";

export type RegulatorRole = "viewer" | "officer" | "admin";
const ROLE_RANK: Record<RegulatorRole, number> = { viewer: 1, officer: 2, admin: 3 };
export const isRole = (s: string): s is RegulatorRole => s in ROLE_RANK;
export const roleAtLeast = (role: RegulatorRole, least: RegulatorRole): boolean => ROLE_RANK[role] >= ROLE_RANK[least];

/** The widest prefix that still counts as one city: 2 digits province + 2 digits city. */
export const CITY_PREFIX_LENGTH = 4;

export type RegulatorRequirement = { kind: "regulator"; least: RegulatorRole; region?: string | undefined };
export type CityWideRequirement = { kind: "cityWide"; least: RegulatorRole };
export type PlatformRequirement = { kind: "platform"; scope?: string | undefined; platformId?: string | undefined; operatorMay?: boolean };
export type MerchantNoticeRequirement = { kind: "merchantNotice"; noticeId?: string | undefined };
export type OperatorRequirement = { kind: "operator" };
export type Requirement = RegulatorRequirement | CityWideRequirement | PlatformRequirement | MerchantNoticeRequirement | OperatorRequirement;

export const regulator = (least: RegulatorRole, region?: string): RegulatorRequirement => ({ kind: "regulator", least, region });
export const cityWide = (least: RegulatorRole = "admin"): CityWideRequirement => ({ kind: "cityWide", least });
export const ownPlatform = (scope?: string, opts: { platformId?: string; operatorMay?: boolean } = {}): PlatformRequirement => ({ kind: "platform", scope, ...opts });
export const merchantNotice = (noticeId?: string): MerchantNoticeRequirement => ({ kind: "merchantNotice", noticeId });
export const operatorOnly = (): OperatorRequirement => ({ kind: "operator" });

/** Acting as a regulator (or an operator, with the national scope ""). */
export interface RegionGrant {
  kind: "region";
  /** The caller's own scope: "" national, 4 digits a city, 6 a district. */
  regionPrefix: string;
  /** What the verb's SQL filters on: the own scope narrowed to the region asked for; null = nothing. */
  scope: string | null;
  /** The regulator account acting, when it is one (undefined for operators). */
  regulator: Extract<Principal, { kind: "regulator" }> | undefined;
}
export interface PlatformGrant {
  kind: "platform";
  platformId: string;
  /** The platform's own principal, or undefined when an operator acts for it. */
  platform: Extract<Principal, { kind: "platform" }> | undefined;
}
export interface MerchantGrant {
  kind: "merchant";
  noticeId: string;
  entityId: string;
  /** The platform the link was issued to: it relays what the merchant does. */
  viaPlatformId: string;
  linkId: string;
}
export interface OperatorGrant {
  kind: "operator";
}

type GrantFor<R extends Requirement> = R extends { kind: "regulator" | "cityWide" }
  ? RegionGrant
  : R extends { kind: "platform" }
    ? PlatformGrant
    : R extends { kind: "merchantNotice" }
      ? MerchantGrant
      : OperatorGrant;

const isOperator = (a: Actor | undefined): a is Extract<Actor, { kind: "cli" | "system" }> => a?.kind === "cli" || a?.kind === "system";

/** Grants the requirement to the actor, or throws 401 (no actor) / 403 with a stable code. */
export function authorize<R extends Requirement>(actor: Actor | undefined, requirement: R): GrantFor<R> {
  return decide(actor, requirement) as GrantFor<R>;
}

function decide(actor: Actor | undefined, req: Requirement): RegionGrant | PlatformGrant | MerchantGrant | OperatorGrant {
  if (!actor) throw new AppError("UNAUTHORIZED", "authentication required");
  switch (req.kind) {
    case "operator":
      if (!isOperator(actor)) throw forbidden("only an operator (the CLI) may do this");
      return { kind: "operator" };
    case "regulator":
    case "cityWide": {
      if (isOperator(actor)) return { kind: "region", regionPrefix: "", scope: req.kind === "regulator" ? (req.region ?? "") : "", regulator: undefined };
      if (actor.kind !== "regulator") throw forbidden("only a regulator may do this");
      if (!roleAtLeast(actor.role, req.least)) throw forbidden(`this needs the ${req.least} role`);
      if (req.kind === "cityWide") {
        if (actor.regionPrefix.length > CITY_PREFIX_LENGTH) {
          throw new AppError("CITY_SCOPE_REQUIRED", "city-wide configuration needs a city or national scope; yours is one district", {
            scope: actor.regionPrefix,
          });
        }
        return { kind: "region", regionPrefix: actor.regionPrefix, scope: actor.regionPrefix, regulator: actor };
      }
      return { kind: "region", regionPrefix: actor.regionPrefix, scope: narrowed(actor.regionPrefix, req.region), regulator: actor };
    }
    case "platform": {
      if (isOperator(actor) && req.operatorMay && req.platformId !== undefined) return { kind: "platform", platformId: req.platformId, platform: undefined };
      if (actor.kind !== "platform") throw forbidden("only a platform may do this");
      if (req.platformId !== undefined && actor.platformId !== req.platformId) throw forbidden("a platform may only act for itself");
      if (req.scope !== undefined && !actor.scopes.includes(req.scope)) throw forbidden(`the access token lacks the scope ${req.scope}`);
      return { kind: "platform", platformId: actor.platformId, platform: actor };
    }
    case "merchantNotice":
      if (actor.kind !== "merchant") throw forbidden("only the notice's merchant may do this");
      if (req.noticeId !== undefined && actor.noticeId !== req.noticeId) throw forbidden("a merchant link acts on its own notice only");
      return { kind: "merchant", noticeId: actor.noticeId, entityId: actor.entityId, viaPlatformId: actor.platformId, linkId: actor.linkId };
  }
}

/**
 * The prefix to filter on when a caller scoped to `own` asks for `region`: the narrower of the
 * two, or null when neither contains the other (the region lies outside the caller's scope).
 */
export function narrowed(own: string, region: string | undefined): string | null {
  if (region === undefined || region === "") return own;
  if (region.startsWith(own)) return region;
  if (own.startsWith(region)) return own;
  return null;
}

const forbidden = (detail: string) => new AppError("FORBIDDEN", detail);
