// The filter selects every list view repeats: the officer's districts, and one select per label map.
import type { Session } from "../lib/api";
import { districtsIn, regionName } from "../lib/labels";

/** 辖区: the whole scope ("" value) or one district inside it. */
export function RegionSelect({ session, value, onChange, testId }: { session: Session; value: string; onChange: (v: string) => void; testId?: string }) {
  return (
    <select value={value} onChange={(e) => onChange(e.currentTarget.value)} data-testid={testId}>
      <option value="">全部（{regionName(session.regionPrefix)}）</option>
      {districtsIn(session.regionPrefix).map(([code, name]) => <option key={code} value={code}>{name}</option>)}
    </select>
  );
}

/** 全部 (allValue) followed by every entry of a label map. */
export function LabelSelect({ labels, value, onChange, allValue = "", testId }: {
  labels: Record<string, string>; value: string; onChange: (v: string) => void; allValue?: string; testId?: string;
}) {
  return (
    <select value={value} onChange={(e) => onChange(e.currentTarget.value)} data-testid={testId}>
      <option value={allValue}>全部</option>
      {Object.entries(labels).map(([k, v]) => <option key={k} value={k}>{v}</option>)}
    </select>
  );
}
