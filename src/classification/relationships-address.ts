// Registered addresses as link keys. Two entities are "at the same address" when their
// normalised addresses are equal AND they are in the same region (regionCode): the same street
// name in two districts is two places.
//
// Normalisation (the SQL and the TypeScript versions must agree; a test checks both):
//   1. full-width ASCII forms (U+FF01..U+FF5E) -> their ASCII characters, ideographic space
//      (U+3000) -> space ("１２号" = "12号", "Ａ座" = "a座" after step 2);
//   2. A-Z -> a-z (ASCII only, so the result never depends on the database's locale);
//   3. runs of white space (space, tab, CR, LF, FF, VT, NBSP) -> one space; trimmed.
// Nothing else (punctuation, 号/號, abbreviations) is touched: a looser rule would merge
// different buildings, and a wrong address link costs an innocent entity more than a missed one.
import { sql, type SQL } from "drizzle-orm";

const FULL_WIDTH = Array.from({ length: 0xff5e - 0xff01 + 1 }, (_, i) => String.fromCodePoint(0xff01 + i)).join("") + "\u3000";
const HALF_WIDTH = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCodePoint(0x21 + i)).join("") + " ";
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const SPACES = "[ \t\n\r\f\v\u00a0]+";
const SPACES_RE = new RegExp(SPACES, "g");

export function normaliseAddress(address: string): string {
  let out = "";
  for (const ch of address) {
    let c = ch.codePointAt(0)!;
    if (c >= 0xff01 && c <= 0xff5e) c -= 0xfee0;
    else if (c === 0x3000) c = 0x20;
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    out += String.fromCodePoint(c);
  }
  return out.replace(SPACES_RE, " ").replace(/^ | $/g, "");
}

/** The same normalisation as a SQL expression over a text column or value. */
export function addressKeySql(address: SQL): SQL {
  return sql`btrim(regexp_replace(translate(translate(${address}, ${FULL_WIDTH}::text, ${HALF_WIDTH}::text), ${UPPER}::text, ${LOWER}::text), ${SPACES}::text, ' ', 'g'), ' ')`;
}

/** Link evidence for an address: a digest, so the table never repeats a (possibly home) address. */
export function addressEvidenceSql(region: SQL, key: SQL): SQL {
  return sql`'address:' || encode(sha256(convert_to(${region} || '|' || ${key}, 'UTF8')), 'hex')`;
}
