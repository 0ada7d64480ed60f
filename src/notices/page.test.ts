import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { contentDisposition, evidenceFileHeaders } from "./evidence-files.js";
import { chineseTime, pageHeaders, renderInvalidLinkPage, renderNoticePage } from "./page.js";
import type { MerchantNotice } from "./merchant-verbs.js";
import { MERCHANT_PAGE_SCRIPT } from "./page-script.js";

const EVIL = `<img src=x onerror=alert(1)>"'&`;
const at = "2026-06-15T08:00:00.000Z";

function view(status: MerchantNotice["case"]["status"] = "open"): MerchantNotice {
  return {
    noticeId: "0190a000-0000-7000-8000-000000000001",
    noticeNo: `行提〔2026〕510104-000001${EVIL}`,
    entityName: EVIL,
    title: EVIL,
    body: `第一行${EVIL}\n第二行`,
    legalBasis: EVIL,
    facts: EVIL,
    rectify: EVIL,
    issuedAt: at,
    dueAt: at,
    case: {
      caseId: "0190a000-0000-7000-8000-000000000002",
      noticeId: "0190a000-0000-7000-8000-000000000001",
      entityId: "0190a000-0000-7000-8000-000000000003",
      regionCode: "510104",
      ruleKey: null,
      status,
      dueAt: at,
      overdue: false,
      openedAt: at,
      submissions: 1,
      lastComment: EVIL,
      updatedAt: at,
    },
    evidence: [
      { evidenceId: "e1", submission: 1, kind: "text", text: EVIL, submittedAt: at, submittedBy: "merchant:x" },
      { evidenceId: "e2", submission: 1, kind: "link", url: "javascript:alert(1)", submittedAt: at, submittedBy: "merchant:x" },
      { evidenceId: `e3${EVIL}`, submission: 1, kind: "file", fileName: EVIL, contentType: "image/png", sizeBytes: 10, sha256: "00", submittedAt: at, submittedBy: "merchant:x" },
    ],
    timeline: [{ at, actor: "regulator", action: "rejected", comment: EVIL, detail: {} }],
    limits: { maxFiles: 5, maxFileBytes: 4 * 1024 * 1024, contentTypes: ["image/png"] },
  };
}

describe("the merchant page", () => {
  it("escapes everything that comes from the database", () => {
    for (const status of ["open", "rejected", "accepted"] as const) {
      const html = renderNoticePage(view(status), "n0nce");
      expect(html).not.toContain("<img");
      expect(html).not.toContain(`"'&`);
      expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;");
      // Only http(s) links become links.
      expect(html).not.toContain('href="javascript:');
      // Line breaks kept.
      expect(html).toContain("<br>第二行");
      // The one script and the one style carry the nonce; nothing else runs.
      expect(html.match(/<script/g)).toHaveLength(1);
      expect(html).toContain('<script nonce="n0nce">');
      expect(html).toContain('<style nonce="n0nce">');
      // No event-handler attributes in the markup (CSP would block them anyway).
      // Quoted attribute values (escaped text from the database) are set aside first.
      const markup = html.replace(/<script[\s\S]*<\/script>/, "").replace(/"[^"]*"/g, '""');
      expect(markup).not.toMatch(/<[^>]*\son[a-z]+=/);
    }
  });

  it("offers the forms only when the case allows them", () => {
    expect(renderNoticePage(view("open"), "n")).toContain('id="ack"');
    expect(renderNoticePage(view("acknowledged"), "n")).toContain('id="evidence"');
    expect(renderNoticePage(view("acknowledged"), "n")).not.toContain('id="ack"');
    expect(renderNoticePage(view("submitted"), "n")).not.toContain('id="evidence"');
    expect(renderNoticePage(view("accepted"), "n")).not.toContain('id="evidence"');
  });

  it("shows times in China Standard Time", () => {
    expect(chineseTime("2026-06-15T16:30:00Z")).toBe("2026年6月16日 00:30");
  });

  it("has a script-free invalid-link page and strict headers", () => {
    expect(renderInvalidLinkPage("n")).not.toContain("<script");
    const h = pageHeaders("abc");
    expect(h["Content-Security-Policy"]).toBe(
      "default-src 'none'; script-src 'nonce-abc'; style-src 'nonce-abc'; connect-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(h["Referrer-Policy"]).toBe("no-referrer");
  });
});

describe("evidence file headers", () => {
  it("always an attachment, with an RFC 5987 name and an ASCII fallback", () => {
    expect(contentDisposition("整改(1).pdf")).toBe(`attachment; filename="_(1).pdf"; filename*=UTF-8''%E6%95%B4%E6%94%B9%281%29.pdf`);
    expect(contentDisposition('a"b\\c.png')).toBe(`attachment; filename="a_b_c.png"; filename*=UTF-8''a%22b%5Cc.png`);
    const h = evidenceFileHeaders({ fileName: "x.png", contentType: "image/png", sha256: "00".repeat(32), content: Buffer.alloc(3) });
    expect(h).toMatchObject({ "Content-Type": "image/png", "Content-Length": "3", "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store" });
    expect(h["Content-Security-Policy"]).toContain("sandbox");
  });
});

describe("the page script", () => {
  /** Runs the script against a tiny fake DOM; returns the element listeners and the fetch calls. */
  function run(formValues: { text: string; links: string }) {
    const listeners = new Map<string, (ev: { preventDefault(): void }) => void>();
    const calls: Array<{ url: string; init: { method: string; headers: Record<string, string>; body?: string } }> = [];
    const element = (id: string, attrs: Record<string, string> = {}) => ({
      id,
      disabled: false,
      textContent: "",
      className: "",
      getAttribute: (n: string) => attrs[n] ?? null,
      addEventListener: (_type: string, fn: (ev: { preventDefault(): void }) => void) => listeners.set(id, fn),
      querySelector: () => element("button"),
      elements: { namedItem: (n: string) => (n === "files" ? { files: [] } : { value: formValues[n as "text" | "links"] }) },
    });
    const elements: Record<string, unknown> = {
      ack: element("ack"),
      "ack-msg": element("ack-msg"),
      evidence: element("evidence", { "data-max-files": "5", "data-max-bytes": "4194304", "data-types": "image/png,application/pdf" }),
      "evidence-msg": element("evidence-msg"),
    };
    const pending = new Promise(() => {}); // the responses never matter here
    runInNewContext(MERCHANT_PAGE_SCRIPT, {
      location: { pathname: "/gw/m/tok.en-1", reload: () => {} },
      document: { getElementById: (id: string) => elements[id] ?? null, querySelectorAll: () => [] },
      fetch: (url: string, init: (typeof calls)[number]["init"]) => (calls.push({ url, init }), pending),
      Promise,
      Array,
      Number,
      String,
      crypto: { randomUUID: () => "0b1d3f4e-5a6b-4c7d-8e9f-a0b1c2d3e4f5" },
    });
    return { listeners, calls };
  }

  it("acknowledges and submits through the JSON API with the link's token, under the link's base path", async () => {
    const { listeners, calls } = run({ text: " 已整改 ", links: "https://a.example/x\n\nhttps://b.example/y" });
    listeners.get("ack")!({ preventDefault: () => {} });
    listeners.get("evidence")!({ preventDefault: () => {} });
    await new Promise((r) => setTimeout(r, 0));
    expect(calls.map((c) => [c.url, c.init.method, c.init.headers.authorization])).toEqual([
      ["/gw/v1/merchant/notice/acknowledge", "POST", "Bearer tok.en-1"],
      ["/gw/v1/merchant/notice/evidence", "POST", "Bearer tok.en-1"],
    ]);
    expect(JSON.parse(calls[1]!.init.body!)).toEqual({ text: "已整改", links: ["https://a.example/x", "https://b.example/y"] });
    // The submission carries an idempotency key (a retry after a lost answer gets the first answer).
    expect(calls[1]!.init.headers["idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(calls[0]!.init.headers["idempotency-key"]).toBeUndefined();
  });

  it("does not send an empty submission or a link that is not http(s)", async () => {
    for (const values of [{ text: " ", links: "" }, { text: "x", links: "javascript:alert(1)" }]) {
      const { listeners, calls } = run(values);
      listeners.get("evidence")!({ preventDefault: () => {} });
      await new Promise((r) => setTimeout(r, 0));
      expect(calls).toEqual([]);
    }
  });
});
