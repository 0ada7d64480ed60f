// "--key value" / "--key=value" / "--flag" parsing after the command words.
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export interface ParsedArgs {
  /** Leading words before the first option, e.g. ["platform", "key", "add"]. */
  words: string[];
  options: Map<string, string | true>;
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const words: string[] = [];
  const options = new Map<string, string | true>();
  let i = 0;
  while (i < argv.length && !argv[i]!.startsWith("--")) words.push(argv[i++]!);
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) throw new UsageError(`unexpected argument "${a}"`);
    const eq = a.indexOf("=");
    if (eq > 0) options.set(a.slice(2, eq), a.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith("--")) options.set(a.slice(2), argv[++i]!);
    else options.set(a.slice(2), true);
  }
  return { words, options };
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

/** Refuses options the command does not know (a typo must not be silently ignored). */
export function onlyOptions(args: ParsedArgs, allowed: readonly string[]): void {
  const unknown = [...args.options.keys()].filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw new UsageError(`unknown option${unknown.length > 1 ? "s" : ""}: ${unknown.map((k) => `--${k}`).join(", ")}`);
}
