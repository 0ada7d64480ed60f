// Prometheus metrics on a registry per app (not prom-client's global one), so several apps in
// one process (tests) do not collide. Route labels are spec templates: low cardinality.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { JobRunner } from "../jobs/types.js";
import type { ConnectionStats } from "./server-limits.js";

export interface HttpMetrics {
  registry: Registry;
  observe(method: string, route: string, status: number, seconds: number): void;
}

export function createMetrics(jobs: Pick<JobRunner, "counts"> | undefined): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "csg_" });
  const requests = new Counter({
    name: "csg_http_requests_total",
    help: "HTTP requests by method, route template and status.",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: "csg_http_request_duration_seconds",
    help: "HTTP request latency by method and route template.",
    labelNames: ["method", "route"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: "csg_jobs",
    help: "Jobs by name and state (pending, running, done, failed), read from the outbox at scrape time.",
    labelNames: ["job", "state"] as const,
    registers: [registry],
    async collect() {
      if (!jobs) return;
      this.reset();
      const counts = await jobs.counts();
      for (const [job, byState] of Object.entries(counts)) {
        for (const [state, n] of Object.entries(byState)) this.set({ job, state }, n);
      }
    },
  });
  return {
    registry,
    observe(method, route, status, seconds) {
      requests.inc({ method, route, status: String(status) });
      latency.observe({ method, route }, seconds);
    },
  };
}

/** The HTTP server's connections: open now, and those closed by a limit (server-limits.ts). */
export function registerConnectionMetrics(registry: Registry, stats: ConnectionStats): void {
  new Gauge({
    name: "csg_http_connections_open",
    help: "HTTP connections open now.",
    registers: [registry],
    collect() {
      this.set(stats.open());
    },
  });
  new Gauge({
    name: "csg_http_connections_closed_by_limit",
    help: "HTTP connections the server closed since start, by limit: request_timeout (headers or request), header_too_large, bad_request, write_stall, address_cap.",
    labelNames: ["reason"] as const,
    registers: [registry],
    collect() {
      for (const [reason, n] of Object.entries(stats.closed())) this.set({ reason }, n);
    },
  });
}
