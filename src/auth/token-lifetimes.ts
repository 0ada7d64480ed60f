// How long each kind of gateway-signed token may live. The gateway never signs one for longer,
// and refuses one that claims a longer life (exp - iat) whoever signed it. The caps also bound
// how long a retired signing key matters for tokens: a token it signed before its retirement
// cannot outlive the retirement by more than its type's cap.
export const MAX_TOKEN_LIFETIME_SECONDS: Readonly<Record<string, number>> = Object.freeze({
  /** Platform access tokens (OAuth client credentials). */
  "at+jwt": 15 * 60,
  /** Regulator sessions (POST /v1/auth/login). */
  "regulator+jwt": 8 * 3600,
  /**
   * Merchant links: they must work from the notice until its deadline plus the grace period,
   * so they live long; a longer deadline gets a link that ends at this cap.
   */
  "merchant+jwt": 400 * 86_400,
});

/** The cap for a token type; a type without one is a programming error. */
export function maxLifetimeSeconds(typ: string): number {
  const cap = MAX_TOKEN_LIFETIME_SECONDS[typ];
  if (cap === undefined) throw new Error(`no lifetime cap for token type ${typ}`);
  return cap;
}
