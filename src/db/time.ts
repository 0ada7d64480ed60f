// Time constants shared by the gateway (the scoring core keeps its own: it imports nothing from here).
export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
