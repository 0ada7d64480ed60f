// Keyset-paged lists: the first page when the filters change, "加载更多" after that, and an
// export that walks every page up to a limit. A page source answers items, or a problem text.
import { useEffect, useRef, useState } from "preact/hooks";
import { download, toCsv } from "./csv";

export type PageOf<T> = { items: T[]; nextCursor: string | null } | { problem: string };
export type PageSource<T> = (after?: string) => Promise<PageOf<T>>;

/** An export stops here: a bigger one is a job for the API (or the CLI), not a browser tab. */
export const EXPORT_MAX = 10_000;

export function useKeysetList<T>(source: PageSource<T>, filtersKey: string) {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  // Each load is numbered: an answer that arrives after a newer load began (the filters changed
  // while it was on the wire) is dropped instead of overwriting the newer list.
  const generation = useRef(0);
  const load = async (after?: string) => {
    const mine = ++generation.current;
    setLoading(true);
    const page = await source(after);
    if (mine !== generation.current) return;
    setLoading(false);
    if ("problem" in page) return setError(page.problem);
    setError(undefined);
    setItems((prev) => (after ? [...prev, ...page.items] : page.items));
    setCursor(page.nextCursor);
  };
  useEffect(() => {
    void load();
  }, [filtersKey]);
  return { items, setItems, cursor, error, setError, loading, load };
}

/** Every item the source selects, up to EXPORT_MAX (`truncated` when it stopped there). */
export async function fetchAll<T>(source: PageSource<T>): Promise<{ items: T[]; truncated: boolean } | { problem: string }> {
  const items: T[] = [];
  let after: string | undefined;
  do {
    const page = await source(after);
    if ("problem" in page) return page;
    items.push(...page.items);
    after = page.nextCursor ?? undefined;
  } while (after && items.length < EXPORT_MAX);
  return { items, truncated: after !== undefined };
}

/** Every item the source selects, downloaded as `<stem>-<date>.csv`; answers the officer's note, or the problem. */
export async function downloadAll<T>(source: PageSource<T>, stem: string, header: string[], row: (item: T) => Array<string | number | null | undefined>): Promise<{ done: string } | { problem: string }> {
  const got = await fetchAll(source);
  if ("problem" in got) return got;
  download(`${stem}-${new Date().toISOString().slice(0, 10)}.csv`, toCsv(header, got.items.map(row)));
  return { done: `已导出 ${got.items.length} 条${got.truncated ? `（上限 ${EXPORT_MAX} 条）` : ""}。` };
}
