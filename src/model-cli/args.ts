// The model CLI parses its arguments with the operator CLI's parser: one command word, then
// "--key value" / "--key=value" / "--flag" options.
import { optional, parseArgs as parseWords, UsageError, type ParsedArgs as WordArgs } from "../cli/args.js";

export { list, optional, required, UsageError } from "../cli/args.js";

export interface ParsedArgs extends WordArgs {
  command: string | undefined;
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const parsed = parseWords(argv);
  if (parsed.words.length > 1) throw new UsageError(`unexpected argument "${parsed.words[1]}"`);
  return { ...parsed, command: parsed.words[0] };
}

export function int(args: ParsedArgs, key: string, fallback: number): number {
  const v = optional(args, key);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new UsageError(`--${key} must be an integer, got "${v}"`);
  return n;
}
