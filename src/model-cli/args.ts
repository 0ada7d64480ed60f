// Minimal "--key value" / "--flag" argument parsing for the model CLI.
export class UsageError extends Error {}

export interface ParsedArgs {
  command: string | undefined;
  options: Map<string, string | true>;
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const [command, ...rest] = argv;
  const options = new Map<string, string | true>();
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    if (!a.startsWith("--")) throw new UsageError(`unexpected argument "${a}"`);
    const eq = a.indexOf("=");
    if (eq > 0) options.set(a.slice(2, eq), a.slice(eq + 1));
    else if (i + 1 < rest.length && !(rest[i + 1] as string).startsWith("--")) options.set(a.slice(2), rest[++i] as string);
    else options.set(a.slice(2), true);
  }
  return { command, options };
}

export function required(args: ParsedArgs, key: string): string {
  const v = args.options.get(key);
  if (typeof v !== "string" || v.length === 0) throw new UsageError(`--${key} is required`);
  return v;
}

export function optional(args: ParsedArgs, key: string): string | undefined {
  const v = args.options.get(key);
  if (v === true) throw new UsageError(`--${key} needs a value`);
  return v;
}

export function list(args: ParsedArgs, key: string): string[] | undefined {
  const v = optional(args, key);
  return v === undefined ? undefined : v.split(",").map((s) => s.trim()).filter(Boolean);
}

export function int(args: ParsedArgs, key: string, fallback: number): number {
  const v = optional(args, key);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new UsageError(`--${key} must be an integer, got "${v}"`);
  return n;
}
