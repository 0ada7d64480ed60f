// Structured JSON logs (pino). Secrets never reach a log line: known secret-bearing fields are
// redacted wherever they appear, and request logging records no headers or bodies at all.
import { pino, type Logger } from "pino";
import type { LogLevel } from "./config.js";

export const REDACTED_FIELDS = [
  "password",
  "token",
  "accessToken",
  "access_token",
  "client_assertion",
  "authorization",
  "privateJwk",
  "d",
  "secret",
  "keyEncryptionKey",
];

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "credit-sandbox-gateway" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_FIELDS.flatMap((f) => [f, `*.${f}`]), censor: "[redacted]" },
    },
    destination,
  );
}
