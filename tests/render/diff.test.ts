import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { applyPatch } from "diff";
import { afterAll, describe, expect, it } from "vitest";
import { diffConfigs, sha256 } from "../../core/diff.js";
import { diffInput } from "../bench/render.bench.js";

const tmp = mkdtempSync(path.join(tmpdir(), "peerbot-difftest-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function gnu(a: string, b: string): string {
  const fa = path.join(tmp, "a");
  const fb = path.join(tmp, "b");
  writeFileSync(fa, a);
  writeFileSync(fb, b);
  const r = spawnSync("diff", ["-u", "--label", "running", "--label", "rendered", fa, fb], {
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  return r.stdout;
}

function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff) / 0x7fffffff;
}

describe("diffConfigs", () => {
  it("is empty for identical texts, with the hashes of both", () => {
    const d = diffConfigs("a\nb\n", "a\nb\n");
    expect(d).toEqual({
      diff: "",
      fromSha256: sha256("a\nb\n"),
      toSha256: sha256("a\nb\n"),
      diffSha256: sha256(""),
      added: 0,
      removed: 0,
    });
  });

  it("writes GNU diff -u's format", () => {
    const cases: [string, string][] = [
      ["a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n", "a\nb\nc\nX\ne\nf\ng\nh\ni\nj\nk\nl\n"],
      ["", "one\ntwo\n"],
      ["one\ntwo\n", ""],
      ["same\nlast", "same\nlast\n"],
      ["x\n", "y"],
      [
        "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n",
        "1\n2\n3\nA\n5\n6\n7\n8\n9\n10\n11\n12\nB\n14\n15\n",
      ],
    ];
    for (const [a, b] of cases) {
      const d = diffConfigs(a, b);
      expect(d.diff, JSON.stringify([a, b])).toBe(gnu(a, b));
      expect(d.diffSha256).toBe(sha256(d.diff));
    }
  });

  it("always produces a patch that turns the running text into the rendered one", () => {
    const r = rng(7);
    for (let t = 0; t < 400; t++) {
      const n = Math.floor(r() * 40);
      const alphabet = 1 + Math.floor(r() * 8);
      const a = Array.from({ length: n }, () => `l${Math.floor(r() * alphabet)}`);
      const b = a.filter(() => r() > 0.25).map((x) => (r() < 0.2 ? `m${Math.floor(r() * alphabet)}` : x));
      for (let k = 0; k < 4; k++)
        if (r() < 0.5) b.splice(Math.floor(r() * (b.length + 1)), 0, `n${Math.floor(r() * alphabet)}`);
      const A = a.join("\n") + (a.length && r() < 0.8 ? "\n" : "");
      const B = b.join("\n") + (b.length && r() < 0.8 ? "\n" : "");
      const d = diffConfigs(A, B);
      expect(d.diff ? applyPatch(A, d.diff) : A).toBe(B);
      const g = gnu(A, B);
      const count = (s: string, c: string) =>
        s.split("\n").filter((l) => l.startsWith(c) && !l.startsWith(c.repeat(3) + " ")).length;
      // Never longer than GNU's (GNU's heuristics sometimes make it longer than minimal).
      expect(d.added + d.removed).toBeLessThanOrEqual(count(g, "+") + count(g, "-"));
    }
  });

  it("stays correct when the search gets too expensive", () => {
    const r = rng(3);
    const a = Array.from({ length: 6000 }, () => `x${Math.floor(r() * 50)}`).join("\n") + "\n";
    const b = Array.from({ length: 6000 }, () => `x${Math.floor(r() * 50)}`).join("\n") + "\n";
    const d = diffConfigs(a, b);
    expect(applyPatch(a, d.diff)).toBe(b);
  });

  it("diffs two 40,000-line configurations with 200 changed lines well under 200 ms", () => {
    const { from, to } = diffInput(40_000, 200);
    const d = diffConfigs(from, to);
    expect(applyPatch(from, d.diff)).toBe(to);
    expect(d.added).toBe(160);
    expect(d.removed).toBe(160);
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t = performance.now();
      diffConfigs(from, to);
      times.push(performance.now() - t);
    }
    times.sort((x, y) => x - y);
    expect(times[3]).toBeLessThan(200);
  });
});
