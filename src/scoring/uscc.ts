// Unified Social Credit Code (统一社会信用代码), GB 32100-2015.
// 18 characters: registration authority (1) + entity type (1) + GB/T 2260 region (6)
// + organisation code (9, GB 11714) + check character (1).
// The alphabet leaves out I, O, S, V, Z so codes survive hand-copying.

export const USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
// Weight of position i is 3^i mod 31 (the standard's table, computed rather than copied).
const WEIGHTS: readonly number[] = Array.from({ length: 17 }, (_, i) => {
  let w = 1;
  for (let k = 0; k < i; k++) w = (w * 3) % 31;
  return w;
});

function charValue(c: string): number {
  return USCC_ALPHABET.indexOf(c);
}

/** Check character for the first 17 characters of a USCC; throws on characters outside the alphabet. */
export function usccCheckChar(first17: string): string {
  if (first17.length !== 17) throw new Error(`USCC body must have 17 characters, got ${first17.length}`);
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = charValue(first17.charAt(i));
    if (v < 0) throw new Error(`invalid USCC character '${first17.charAt(i)}' at position ${i + 1}`);
    sum += v * (WEIGHTS[i] ?? 0);
  }
  const check = (31 - (sum % 31)) % 31;
  return USCC_ALPHABET.charAt(check);
}

/** True when the string is 18 characters of the USCC alphabet with a correct check character. */
export function isValidUscc(code: string): boolean {
  if (typeof code !== "string" || code.length !== 18) return false;
  const body = code.slice(0, 17);
  for (const c of code) if (charValue(c) < 0) return false;
  return usccCheckChar(body) === code.charAt(17);
}

/** GB 11714 organisation-code check character for the 8-character body (digits/upper-case letters). */
export function orgCodeCheckChar(first8: string): string {
  const weights = [3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const c = first8.charAt(i);
    const v = c >= "0" && c <= "9" ? c.charCodeAt(0) - 48 : c.charCodeAt(0) - 55; // A=10 ... Z=35
    sum += v * (weights[i] ?? 0);
  }
  const check = 11 - (sum % 11);
  return check === 10 ? "X" : check === 11 ? "0" : String(check);
}
