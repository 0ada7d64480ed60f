import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

describe("config", () => {
  it("defaults the notice periods and reads NOTICE_* in their units", () => {
    expect(loadConfig({}).notices).toEqual({
      defaultDueDays: 15,
      reminderBeforeMs: 72 * 3_600_000,
      linkGraceMs: 30 * 86_400_000,
      deliveryRetryMs: 60 * 60_000,
      deliveryMaxAttempts: 5,
    });
    const c = loadConfig({ NOTICE_DUE_DAYS: "7", NOTICE_REMINDER_HOURS: "24", NOTICE_LINK_GRACE_DAYS: "0", NOTICE_DELIVERY_RETRY_MINUTES: "5", NOTICE_DELIVERY_ATTEMPTS: "2" });
    expect(c.notices).toEqual({ defaultDueDays: 7, reminderBeforeMs: 24 * 3_600_000, linkGraceMs: 0, deliveryRetryMs: 5 * 60_000, deliveryMaxAttempts: 2 });
  });

  it("defaults webhook retries to about a day and reads WEBHOOK_RETRY_* in their units", () => {
    expect(loadConfig({}).webhookRetry).toEqual({ maxAttempts: 24, backoffMs: 30_000, maxBackoffMs: 120 * 60_000 });
    const c = loadConfig({ WEBHOOK_RETRY_ATTEMPTS: "3", WEBHOOK_RETRY_BASE_SECONDS: "1", WEBHOOK_RETRY_MAX_DELAY_MINUTES: "5" });
    expect(c.webhookRetry).toEqual({ maxAttempts: 3, backoffMs: 1000, maxBackoffMs: 5 * 60_000 });
    expect(() => loadConfig({ WEBHOOK_RETRY_ATTEMPTS: "0" })).toThrow(/WEBHOOK_RETRY_ATTEMPTS/);
  });

  it("refuses a bad value and names the variable", () => {
    expect(() => loadConfig({ NOTICE_DUE_DAYS: "0" })).toThrow(ConfigError);
    expect(() => loadConfig({ NOTICE_DELIVERY_ATTEMPTS: "many" })).toThrow(/NOTICE_DELIVERY_ATTEMPTS/);
  });

  it("takes METRICS_TOKEN only when it is long enough to be a secret", () => {
    expect(loadConfig({}).metricsToken).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: "f".repeat(64) }).metricsToken).toBe("f".repeat(64));
    expect(() => loadConfig({ METRICS_TOKEN: "short" })).toThrow(/METRICS_TOKEN/);
  });

  it("keeps webhooks to https and public addresses unless a development switch says otherwise", () => {
    expect(loadConfig({}).webhookPolicy).toEqual({ allowHttp: false, allowPrivateAddresses: false });
    expect(loadConfig({ WEBHOOK_ALLOW_HTTP: "true", WEBHOOK_ALLOW_PRIVATE_ADDRESSES: "1" }).webhookPolicy).toEqual({ allowHttp: true, allowPrivateAddresses: true });
    expect(() => loadConfig({ WEBHOOK_ALLOW_HTTP: "yes" })).toThrow(/WEBHOOK_ALLOW_HTTP/);
  });

  it("believes a forwarded client address only from the header the operator names", () => {
    expect(loadConfig({}).trustedProxyHeader).toBeUndefined();
    expect(loadConfig({ TRUSTED_PROXY_HEADER: "X-Forwarded-For" }).trustedProxyHeader).toBe("x-forwarded-for");
    expect(() => loadConfig({ TRUSTED_PROXY_HEADER: "x forwarded: for" })).toThrow(/TRUSTED_PROXY_HEADER/);
  });

  it("limits what one HTTP client may hold, with production defaults and env overrides", () => {
    expect(loadConfig({}).http).toEqual({
      headersTimeoutMs: 20_000,
      requestTimeoutMs: 300_000,
      keepAliveTimeoutMs: 5_000,
      body: { idleMs: 15_000, minBytesPerSecond: 65_536 },
      writeStallTimeoutMs: 30_000,
      maxHeaderBytes: 16_384,
      maxHeadersCount: 100,
      maxConnectionsPerAddress: 256,
    });
    // Behind a proxy every connection has the proxy's address: no cap unless one is set.
    expect(loadConfig({ TRUSTED_PROXY_HEADER: "x-forwarded-for" }).http.maxConnectionsPerAddress).toBe(0);
    expect(loadConfig({ HTTP_HEADERS_TIMEOUT_MS: "2000", HTTP_BODY_TIMEOUT_MS: "2500", HTTP_BODY_MIN_BYTES_PER_SECOND: "0", HTTP_MAX_CONNECTIONS_PER_ADDRESS: "10" }).http).toMatchObject({
      headersTimeoutMs: 2_000,
      body: { idleMs: 2_500, minBytesPerSecond: 0 },
      maxConnectionsPerAddress: 10,
    });
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: "5000", HTTP_REQUEST_TIMEOUT_MS: "4000" })).toThrow(/HTTP_HEADERS_TIMEOUT_MS must not exceed/);
    expect(() => loadConfig({ HTTP_BODY_TIMEOUT_MS: "300000" })).toThrow(/HTTP_BODY_TIMEOUT_MS must be below/);
    expect(() => loadConfig({ HTTP_WRITE_STALL_TIMEOUT_MS: "soon" })).toThrow(/HTTP_WRITE_STALL_TIMEOUT_MS/);
  });
});
