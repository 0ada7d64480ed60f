import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { contentDisposition, evidenceFileHeaders } from "./evidence-files.js";
import { chineseTime, contentHeaders, pageHeaders, renderMerchantPage, renderNoticeContent, renderPathLinkPage } from "./page.js";
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
      const html = renderNoticeContent(view(status));
      expect(html).not.toContain("<img");
      expect(html).not.toContain(`"'&`);
      expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;");
      // Only http(s) links become links.
      expect(html).not.toContain('href="javascript:');
      // Line breaks kept.
      expect(html).toContain("<br>第二行");
      // No script, no style: the content goes into the page, whose CSP runs only the gateway's script file.
      expect(html).not.toContain("<script");
      expect(html).not.toContain("<style");
      // No event-handler attributes in the markup (CSP would block them anyway).
      // Quoted attribute values (escaped text from the database) are set aside first.
      const markup = html.replace(/"[^"]*"/g, '""');
      expect(markup).not.toMatch(/<[^>]*\son[a-z]+=/);
    }
  });

  it("offers the forms only when the case allows them", () => {
    expect(renderNoticeContent(view("open"))).toContain('id="ack"');
    expect(renderNoticeContent(view("acknowledged"))).toContain('id="evidence"');
    expect(renderNoticeContent(view("acknowledged"))).not.toContain('id="ack"');
    expect(renderNoticeContent(view("submitted"))).not.toContain('id="evidence"');
    expect(renderNoticeContent(view("accepted"))).not.toContain('id="evidence"');
  });

  it("shows times in China Standard Time", () => {
    expect(chineseTime("2026-06-15T16:30:00Z")).toBe("2026年6月16日 00:30");
  });

  it("has one page for every notice loading the gateway's script file, a script-free old-link page and strict headers", () => {
    const page = renderMerchantPage("n0nce");
    expect(page.match(/<script[^>]*>/g)).toEqual(['<script src="m/assets/notice.js" defer>']);
    expect(page).toContain('<style nonce="n0nce">');
    expect(page).toContain('<main id="notice">');
    expect(renderPathLinkPage("n")).not.toContain("<script");
    const h = pageHeaders("abc");
    expect(h["Content-Security-Policy"]).toBe(
      "default-src 'none'; script-src 'self'; style-src 'nonce-abc'; connect-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(h["Referrer-Policy"]).toBe("no-referrer");
    expect(contentHeaders["Content-Security-Policy"]).toContain("sandbox");
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
  /**
   * Runs the script against a tiny fake DOM: the page's address has `hash`; the content request
   * answers `contentStatus`, later calls never answer. Returns the listeners, the fetch calls, the
   * address it left and what it stored.
   */
  function run(formValues: { text: string; links: string }, opts: { hash?: string; stored?: string; contentStatus?: number } = {}) {
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
    const main = { innerHTML: "", textContent: "", children: [] as unknown[], querySelector: () => null, appendChild: (c: unknown) => main.children.push(c) };
    const elements: Record<string, unknown> = {
      notice: main,
      ack: element("ack"),
      "ack-msg": element("ack-msg"),
      evidence: element("evidence", { "data-max-files": "5", "data-max-bytes": "4194304", "data-types": "image/png,application/pdf" }),
      "evidence-msg": element("evidence-msg"),
    };
    const storage = new Map<string, string>(opts.stored ? [["merchant-link", opts.stored]] : []);
    const address: string[] = [];
    const pending = new Promise(() => {}); // later responses never matter here
    const status = opts.contentStatus ?? 200;
    const content = { status, ok: status < 300, text: async () => "<section><h1>提示</h1></section>", json: async () => ({}) };
    runInNewContext(MERCHANT_PAGE_SCRIPT, {
      location: { pathname: "/gw/m", hash: opts.hash ?? "#t=tok.en-1", reload: () => {} },
      history: { replaceState: (_s: unknown, _t: string, url: string) => address.push(url) },
      sessionStorage: { getItem: (k: string) => storage.get(k) ?? null, setItem: (k: string, v: string) => storage.set(k, v) },
      document: {
        title: "",
        getElementById: (id: string) => elements[id] ?? null,
        querySelectorAll: () => [],
        createElement: () => ({ textContent: "", appendChild: () => {} }),
      },
      fetch: (url: string, init: (typeof calls)[number]["init"]) => (calls.push({ url, init }), calls.length === 1 ? Promise.resolve(content) : pending),
      Promise,
      Array,
      Number,
      String,
      crypto: { randomUUID: () => "0b1d3f4e-5a6b-4c7d-8e9f-a0b1c2d3e4f5" },
    });
    return { listeners, calls, address, storage, main };
  }
  const settle = () => new Promise((r) => setTimeout(r, 0));

  it("takes the token from the fragment out of the address, loads the content with it, then acknowledges and submits under the link's base path", async () => {
    const { listeners, calls, address, storage, main } = run({ text: " 已整改 ", links: "https://a.example/x\n\nhttps://b.example/y" });
    await settle();
    expect(address).toEqual(["/gw/m"]);
    expect(storage.get("merchant-link")).toBe("tok.en-1");
    expect(main.innerHTML).toContain("<h1>提示</h1>");
    listeners.get("ack")!({ preventDefault: () => {} });
    listeners.get("evidence")!({ preventDefault: () => {} });
    await settle();
    expect(calls.map((c) => [c.url, c.init.method, c.init.headers.authorization])).toEqual([
      ["/gw/v1/merchant/notice/html", "GET", "Bearer tok.en-1"],
      ["/gw/v1/merchant/notice/acknowledge", "POST", "Bearer tok.en-1"],
      ["/gw/v1/merchant/notice/evidence", "POST", "Bearer tok.en-1"],
    ]);
    expect(JSON.parse(calls[2]!.init.body!)).toEqual({ text: "已整改", links: ["https://a.example/x", "https://b.example/y"] });
    // The submission carries an idempotency key (a retry after a lost answer gets the first answer).
    expect(calls[2]!.init.headers["idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(calls[1]!.init.headers["idempotency-key"]).toBeUndefined();
  });

  it("after a reload uses the stored token; with none, or a refused one, shows the invalid-link message", async () => {
    const reloaded = run({ text: "", links: "" }, { hash: "", stored: "tok.en-2" });
    await settle();
    expect(reloaded.calls[0]!.init.headers.authorization).toBe("Bearer tok.en-2");
    const none = run({ text: "", links: "" }, { hash: "" });
    await settle();
    expect(none.calls).toEqual([]);
    expect(none.main.children).toHaveLength(1);
    const refused = run({ text: "", links: "" }, { contentStatus: 401 });
    await settle();
    expect(refused.main.children).toHaveLength(1);
    expect(refused.main.innerHTML).toBe("");
  });

  it("does not send an empty submission or a link that is not http(s)", async () => {
    for (const values of [{ text: " ", links: "" }, { text: "x", links: "javascript:alert(1)" }]) {
      const { listeners, calls } = run(values);
      await settle();
      listeners.get("evidence")!({ preventDefault: () => {} });
      await settle();
      expect(calls.map((c) => c.url)).toEqual(["/gw/v1/merchant/notice/html"]);
    }
  });
});
