// The console's only way out: the public regulator API from openapi/, typed from the same
// generated types as the server (so a spec change that breaks the console breaks its typecheck).
// The session token lives in this module's memory only — never in storage or a cookie — so
// nothing another page or a forged cross-site request sends carries it (no CSRF surface), and a
// reload or a closed tab is a logout.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "../../../src/generated/openapi";

export type Schemas = components["schemas"];

export interface Session {
  token: string;
  username: string;
  role: Schemas["RegulatorRole"];
  regionPrefix: string;
  expiresAt: number;
}

let session: Session | null = null;
const listeners = new Set<(s: Session | null, why?: string) => void>();

export const currentSession = (): Session | null => session;

export function setSession(next: Session | null, why?: string): void {
  session = next;
  for (const l of listeners) l(next, why);
}

export function onSessionChange(l: (s: Session | null, why?: string) => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

const auth: Middleware = {
  onRequest({ request }) {
    if (session) request.headers.set("Authorization", `Bearer ${session.token}`);
    return request;
  },
  onResponse({ response, request }) {
    // A session the gateway no longer accepts (expired, account disabled, password reset) ends here too.
    if (response.status === 401 && session && !new URL(request.url).pathname.endsWith("/v1/auth/login")) {
      setSession(null, "会话已失效，请重新登录。");
    }
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: location.origin });
api.use(auth);

/** The problem+json detail of a failed call, in a sentence for the officer. */
export function problemText(error: unknown, status?: number): string {
  const p = error as { title?: string; detail?: string } | undefined;
  if (status === 403) return "无权执行此操作。";
  if (status === 404) return "未找到（或不在您的辖区内）。";
  if (status === 429) return "请求过于频繁，请稍后再试。";
  return p?.detail ?? p?.title ?? `请求失败（${status ?? "网络错误"}）`;
}
