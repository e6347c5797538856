// Unified diff between the configuration a router has and the one peerbot rendered, with the
// SHA-256 of both texts and of the diff (what a change request approves).
//
// Lines are interned to integers, lines present in only one file are set aside as changed
// (GNU diff's "discard" step), and Myers' O(ND) algorithm with the linear-space middle snake
// runs on the rest. A search that grows too expensive takes GNU's shortcut (split at the
// furthest-reaching diagonal): the diff stays correct, only possibly not minimal. The output
// is GNU `diff -u` format without timestamps, so it is deterministic.
import { createHash } from "node:crypto";

export interface ConfigDiff {
  /** Unified diff; "" when the texts are identical. */
  diff: string;
  fromSha256: string;
  toSha256: string;
  /** SHA-256 of `diff`. */
  diffSha256: string;
  /** Lines added and removed. */
  added: number;
  removed: number;
}

export interface DiffOptions {
  /** Names in the ---/+++ header (default "running" and "rendered"). */
  fromName?: string;
  toName?: string;
  /** Context lines around each change (default 3). */
  context?: number;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** Lines of a text as offsets, without making a string per line. */
interface Lines {
  text: string;
  starts: Int32Array;
  ends: Int32Array;
  /** The last line has no terminating newline. */
  noEol: boolean;
}

function scan(text: string): Lines {
  let n = 0;
  for (let p = text.indexOf("\n"); p >= 0; p = text.indexOf("\n", p + 1)) n++;
  const noEol = text.length > 0 && text.charCodeAt(text.length - 1) !== 10;
  if (noEol) n++;
  const starts = new Int32Array(n);
  const ends = new Int32Array(n);
  let pos = 0;
  for (let k = 0; k < n; k++) {
    let e = text.indexOf("\n", pos);
    if (e < 0) e = text.length;
    starts[k] = pos;
    ends[k] = e;
    pos = e + 1;
  }
  return { text, starts, ends, noEol };
}

function lineText(L: Lines, k: number): string {
  return L.text.slice(L.starts[k]!, L.ends[k]!);
}

function sameText(t1: string, s1: number, e1: number, t2: string, s2: number, e2: number): boolean {
  if (e1 - s1 !== e2 - s2) return false;
  for (let i = 0; i < e1 - s1; i++) if (t1.charCodeAt(s1 + i) !== t2.charCodeAt(s2 + i)) return false;
  return true;
}

/**
 * Gives every distinct line (of either text) a small integer: FNV-1a hashes looked up in a
 * Map, confirmed by comparing the text, with a string-keyed fallback on hash collisions. A
 * last line without newline differs from the same text with one, as in GNU diff.
 */
function intern(A: Lines, B: Lines): [Int32Array, Int32Array] {
  const byHash = new Map<number, number>();
  const repSide: Lines[] = [A];
  const repLine: number[] = [0];
  const repNoEol: boolean[] = [false];
  let collisions: Map<string, number> | null = null;
  const one = (L: Lines): Int32Array => {
    const n = L.starts.length;
    const out = new Int32Array(n);
    const t = L.text;
    for (let k = 0; k < n; k++) {
      const s = L.starts[k]!;
      const e = L.ends[k]!;
      const lastNoEol = L.noEol && k === n - 1;
      let h = lastNoEol ? 0x050c5d1f : 0x811c9dc5;
      for (let i = s; i < e; i++) h = Math.imul(h ^ t.charCodeAt(i), 0x01000193);
      let id = byHash.get(h);
      if (id === undefined) {
        id = repSide.length;
        byHash.set(h, id);
        repSide.push(L);
        repLine.push(k);
        repNoEol.push(lastNoEol);
      } else {
        const R = repSide[id]!;
        const r = repLine[id]!;
        if (repNoEol[id] !== lastNoEol || !sameText(R.text, R.starts[r]!, R.ends[r]!, t, s, e)) {
          collisions ??= new Map<string, number>();
          const key = (lastNoEol ? "1" : "0") + t.slice(s, e);
          let cid = collisions.get(key);
          if (cid === undefined) {
            cid = repSide.length;
            collisions.set(key, cid);
            repSide.push(L);
            repLine.push(k);
            repNoEol.push(lastNoEol);
          }
          id = cid;
        }
      }
      out[k] = id;
    }
    return out;
  };
  return [one(A), one(B)];
}

/**
 * Marks changed lines: `delA[i]` for lines of A not in the common subsequence, `insB[j]` for
 * lines of B. Exported for tests.
 */
export function diffLines(a: Int32Array, b: Int32Array, delA: Uint8Array, insB: Uint8Array): void {
  const n = a.length;
  const m = b.length;
  // Discard lines that occur in only one file: they are changes whatever the alignment.
  let maxId = 0;
  for (let i = 0; i < n; i++) if (a[i]! > maxId) maxId = a[i]!;
  for (let j = 0; j < m; j++) if (b[j]! > maxId) maxId = b[j]!;
  const inA = new Uint8Array(maxId + 1);
  const inB = new Uint8Array(maxId + 1);
  for (let i = 0; i < n; i++) inA[a[i]!] = 1;
  for (let j = 0; j < m; j++) inB[b[j]!] = 1;
  const ia: number[] = [];
  const ib: number[] = [];
  for (let i = 0; i < n; i++) {
    if (inB[a[i]!]) ia.push(i);
    else delA[i] = 1;
  }
  for (let j = 0; j < m; j++) {
    if (inA[b[j]!]) ib.push(j);
    else insB[j] = 1;
  }
  const xa = new Int32Array(ia.length);
  const xb = new Int32Array(ib.length);
  for (let i = 0; i < ia.length; i++) xa[i] = a[ia[i]!]!;
  for (let j = 0; j < ib.length; j++) xb[j] = b[ib[j]!]!;
  const da = new Uint8Array(xa.length);
  const db = new Uint8Array(xb.length);
  new Myers(xa, xb, da, db).run();
  for (let i = 0; i < da.length; i++) if (da[i]) delA[ia[i]!] = 1;
  for (let j = 0; j < db.length; j++) if (db[j]) insB[ib[j]!] = 1;
}

class Myers {
  private readonly fd: Int32Array;
  private readonly bd: Int32Array;
  private readonly off: number;
  private readonly tooExpensive: number;

  constructor(
    private readonly a: Int32Array,
    private readonly b: Int32Array,
    private readonly delA: Uint8Array,
    private readonly insB: Uint8Array,
  ) {
    const size = a.length + b.length + 3;
    this.fd = new Int32Array(size);
    this.bd = new Int32Array(size);
    this.off = b.length + 1;
    let bits = 1;
    while (1 << bits < size) bits++;
    this.tooExpensive = Math.max(256, 1 << ((bits + 1) >> 1));
  }

  run(): void {
    // An explicit stack instead of recursion: deep splits must not overflow the JS stack.
    const stack: number[] = [0, this.a.length, 0, this.b.length];
    while (stack.length) {
      let ylim = stack.pop()!;
      let yoff = stack.pop()!;
      let xlim = stack.pop()!;
      let xoff = stack.pop()!;
      const { a, b } = this;
      while (xoff < xlim && yoff < ylim && a[xoff] === b[yoff]) {
        xoff++;
        yoff++;
      }
      while (xlim > xoff && ylim > yoff && a[xlim - 1] === b[ylim - 1]) {
        xlim--;
        ylim--;
      }
      if (xoff === xlim) {
        for (let j = yoff; j < ylim; j++) this.insB[j] = 1;
      } else if (yoff === ylim) {
        for (let i = xoff; i < xlim; i++) this.delA[i] = 1;
      } else {
        const [xmid, ymid] = this.split(xoff, xlim, yoff, ylim);
        if ((xmid === xoff && ymid === yoff) || (xmid === xlim && ymid === ylim)) {
          // No progress possible from the heuristic: everything in range is a change.
          for (let i = xoff; i < xlim; i++) this.delA[i] = 1;
          for (let j = yoff; j < ylim; j++) this.insB[j] = 1;
        } else {
          stack.push(xmid, xlim, ymid, ylim, xoff, xmid, yoff, ymid);
        }
      }
    }
  }

  /** Finds the midpoint of a shortest edit script of a[xoff..xlim) and b[yoff..ylim). */
  private split(xoff: number, xlim: number, yoff: number, ylim: number): [number, number] {
    const { a, b, fd, bd, off } = this;
    const dmin = xoff - ylim;
    const dmax = xlim - yoff;
    const fmid = xoff - yoff;
    const bmid = xlim - ylim;
    let fmin = fmid;
    let fmax = fmid;
    let bmin = bmid;
    let bmax = bmid;
    const odd = ((fmid - bmid) & 1) !== 0;
    fd[fmid + off] = xoff;
    bd[bmid + off] = xlim;
    for (let c = 1; ; c++) {
      // Forward: extend each diagonal by one edit, then follow its snake.
      if (fmin > dmin) fd[--fmin - 1 + off] = -1;
      else ++fmin;
      if (fmax < dmax) fd[++fmax + 1 + off] = -1;
      else --fmax;
      for (let d = fmax; d >= fmin; d -= 2) {
        const tlo = fd[d - 1 + off]!;
        const thi = fd[d + 1 + off]!;
        let x = tlo >= thi ? tlo + 1 : thi;
        let y = x - d;
        while (x < xlim && y < ylim && a[x] === b[y]) {
          x++;
          y++;
        }
        fd[d + off] = x;
        if (odd && bmin <= d && d <= bmax && bd[d + off]! <= x) return [x, y];
      }
      // Backward.
      if (bmin > dmin) bd[--bmin - 1 + off] = 0x7fffffff;
      else ++bmin;
      if (bmax < dmax) bd[++bmax + 1 + off] = 0x7fffffff;
      else --bmax;
      for (let d = bmax; d >= bmin; d -= 2) {
        const tlo = bd[d - 1 + off]!;
        const thi = bd[d + 1 + off]!;
        let x = tlo < thi ? tlo : thi - 1;
        let y = x - d;
        while (x > xoff && y > yoff && a[x - 1] === b[y - 1]) {
          x--;
          y--;
        }
        bd[d + off] = x;
        if (!odd && fmin <= d && d <= fmax && x <= fd[d + off]!) return [x, y];
      }
      if (c >= this.tooExpensive) {
        // Give up on minimality: split where the forward or backward search got furthest.
        let fxbest = -1;
        let fxybest = -1;
        for (let d = fmax; d >= fmin; d -= 2) {
          const x = Math.min(fd[d + off]!, xlim);
          let y = x - d;
          if (ylim < y) continue;
          if (y < yoff) y = yoff;
          if (fxybest < x + y) {
            fxybest = x + y;
            fxbest = x;
          }
        }
        let bxbest = 0;
        let bxybest = 0x7fffffff;
        for (let d = bmax; d >= bmin; d -= 2) {
          const x = Math.max(xoff, bd[d + off]!);
          let y = x - d;
          if (y < yoff) continue;
          if (ylim < y) y = ylim;
          if (x + y < bxybest) {
            bxybest = x + y;
            bxbest = x;
          }
        }
        if (fxybest >= 0 && xlim + ylim - bxybest < fxybest - (xoff + yoff)) {
          return [fxbest, fxybest - fxbest];
        }
        if (bxybest < 0x7fffffff) return [bxbest, bxybest - bxbest];
        return [fxbest, fxybest - fxbest];
      }
    }
  }
}

function range(start: number, count: number): string {
  // GNU: "l" for one line, "l,n" otherwise; an empty range names the line before it.
  if (count === 1) return String(start + 1);
  if (count === 0) return `${start},0`;
  return `${start + 1},${count}`;
}

/** Unified diff of two configuration texts, with hashes and line counts. */
export function diffConfigs(current: string, rendered: string, opts: DiffOptions = {}): ConfigDiff {
  const fromSha256 = sha256(current);
  const toSha256 = sha256(rendered);
  const empty: ConfigDiff = { diff: "", fromSha256, toSha256, diffSha256: sha256(""), added: 0, removed: 0 };
  if (current === rendered) return empty;
  const A = scan(current);
  const B = scan(rendered);
  const [a, b] = intern(A, B);
  const delA = new Uint8Array(a.length);
  const insB = new Uint8Array(b.length);
  diffLines(a, b, delA, insB);

  // Walk both files in step, collecting change regions [i0,i1) x [j0,j1).
  const changes: [number, number, number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && !delA[i] && !insB[j]) {
      i++;
      j++;
      continue;
    }
    const i0 = i;
    const j0 = j;
    while (i < a.length && delA[i]) i++;
    while (j < b.length && insB[j]) j++;
    if (i === i0 && j === j0) {
      // Defensive: the two marks disagree (cannot happen with a valid script).
      if (i < a.length) i++;
      if (j < b.length) j++;
    }
    changes.push([i0, i, j0, j]);
  }
  if (!changes.length) return empty;

  const ctx = Math.max(0, opts.context ?? 3);
  const out: string[] = [`--- ${opts.fromName ?? "running"}`, `+++ ${opts.toName ?? "rendered"}`];
  let added = 0;
  let removed = 0;
  const lineOut = (prefix: string, side: Lines, k: number) => {
    out.push(prefix + lineText(side, k));
    if (side.noEol && k === side.starts.length - 1) out.push("\\ No newline at end of file");
  };
  let c = 0;
  while (c < changes.length) {
    // Merge changes whose context would touch or overlap.
    let last = c;
    while (last + 1 < changes.length && changes[last + 1]![0] - changes[last]![1] <= 2 * ctx) last++;
    const first = changes[c]!;
    const end = changes[last]!;
    const aStart = Math.max(0, first[0] - ctx);
    const bStart = first[2] - (first[0] - aStart);
    const aEnd = Math.min(a.length, end[1] + ctx);
    const bEnd = end[3] + (aEnd - end[1]);
    out.push(`@@ -${range(aStart, aEnd - aStart)} +${range(bStart, bEnd - bStart)} @@`);
    let ai = aStart;
    let bj = bStart;
    for (let k = c; k <= last; k++) {
      const [i0, i1, j0, j1] = changes[k]!;
      for (; ai < i0; ai++, bj++) lineOut(" ", A, ai);
      for (; ai < i1; ai++) {
        lineOut("-", A, ai);
        removed++;
      }
      for (bj = j0; bj < j1; bj++) {
        lineOut("+", B, bj);
        added++;
      }
    }
    for (; ai < aEnd; ai++, bj++) lineOut(" ", A, ai);
    c = last + 1;
  }
  const diff = out.join("\n") + "\n";
  return { diff, fromSha256, toSha256, diffSha256: sha256(diff), added, removed };
}
