// The outbound feed: one page, or every page from a cursor on. Keep the last page's
// `nextCursor` to resume later without gaps or repeats.
import type { components } from "./generated/openapi.js";

export type FeedPage = components["schemas"]["FeedPage"];
export type FeedMessage = components["schemas"]["FeedMessage"];

export interface FeedQuery {
  /** Resume after this cursor (a previous page's nextCursor); omit to start at the beginning. */
  after?: string;
  /** Messages per page (1..1000, default 100). */
  limit?: number;
}

export interface Feed {
  page(query?: FeedQuery): Promise<FeedPage>;
  /** Every non-empty page from `after` on, until the feed is drained (hasMore false). */
  pages(query?: FeedQuery): AsyncGenerator<FeedPage, void, undefined>;
}

export function createFeed(page: (query: FeedQuery) => Promise<FeedPage>): Feed {
  return {
    page: (query = {}) => page(query),
    async *pages(query = {}) {
      let after = query.after;
      for (;;) {
        const p = await page({ ...(after !== undefined ? { after } : {}), ...(query.limit !== undefined ? { limit: query.limit } : {}) });
        if (p.messages.length > 0) yield p;
        if (!p.hasMore || p.nextCursor === after) return;
        after = p.nextCursor;
      }
    },
  };
}
