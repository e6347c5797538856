// The shape every benchmark reports, and small helpers to measure with.
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** The figure the issue asks for (value must be <= target unless `higherIsBetter`). */
  target?: number;
  /** The same work done the plainest way, measured in the same run. */
  baseline?: number;
  /** value / baseline. */
  ratio?: number;
  targetRatio?: number;
  higherIsBetter?: boolean;
  note?: string;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Runs `fn` `warm` times unmeasured, then `n` times, and returns the median in ms. */
export async function timeMedian(fn: () => Promise<unknown> | unknown, n = 30, warm = 5): Promise<number> {
  for (let i = 0; i < warm; i++) await fn();
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    xs.push(performance.now() - t);
  }
  return median(xs);
}

export function withRatio(r: BenchResult): BenchResult {
  if (r.baseline !== undefined && r.baseline > 0) r.ratio = Number((r.value / r.baseline).toFixed(2));
  return r;
}

export const round = (x: number, d = 1) => Number(x.toFixed(d));
