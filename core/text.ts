// Text for people: one line, clipped, dates in UTC, counts with their noun. Every message
// peerbot writes goes through these, so that no outside text adds a line to it.

const CONTROL = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]+/gu;

/** `s` on one line (each run of control characters a space), at most `n` characters. */
export function clip(s: string, n = 40): string {
  const oneLine = s.replace(CONTROL, " ");
  if (oneLine.length <= n) return oneLine;
  // Never cut a surrogate pair in half.
  const cut = /[\ud800-\udbff]/.test(oneLine[n - 2] ?? "") ? n - 2 : n - 1;
  return `${oneLine.slice(0, cut)}…`;
}

/**
 * Text from outside (PeeringDB) for a message: control characters, CR/LF and U+2028/2029
 * collapsed to a space, runs of spaces to one, trimmed and clipped to `n` characters.
 */
export function singleLine(s: string | null | undefined, n = 100): string {
  return clip((s ?? "").replace(CONTROL, " ").replace(/\s+/g, " ").trim(), n);
}

/** The first non-empty line of an error's message, clipped: what a person is told. */
export function errorLine(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return clip(m.split("\n").find((l) => l.trim()) ?? m, 300);
}

/** "2026-12-01 21:58 UTC". */
export const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** "1 session", "2 sessions". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Edit distance, for "did you mean". */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j] as number;
      prev[j] = Math.min(
        (prev[j] as number) + 1,
        (prev[j - 1] as number) + 1,
        diag + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      diag = tmp;
    }
  }
  return prev[b.length] as number;
}
