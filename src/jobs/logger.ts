// The logging surface jobs need: pino-compatible (`logger.warn(obj, msg)`), so main.ts passes
// its pino logger unchanged and tests pass nothing. Never log payloads: they may carry
// personal data or secrets; log job name, outbox id, attempt and the error message only.

export interface JobLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: JobLogger = { info: () => {}, warn: () => {}, error: () => {} };

const MAX_ERROR_TEXT = 2000;

/** What is stored as last_error and logged: the error's name and message, bounded. */
export function errorText(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT)}…` : text;
}
