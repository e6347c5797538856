// Replies shared by the renderer tests.
import type { Button, Reply } from "../../core/reply.js";

export const ROWS = 300;
export const BUTTONS = 30;

export function bigTableRows(n = ROWS): string[][] {
  return Array.from({ length: n }, (_, i) => [
    `AS${64500 + i}`,
    `Peer ${i} & <co>`,
    String(i * 17),
    i % 7 ? "established" : "idle",
  ]);
}

/** About 50 kB of diff. */
export function bigDiff(): string {
  const lines: string[] = [];
  for (let i = 0; lines.join("\n").length < 50_000; i++) {
    lines.push(
      `${i % 3 ? "+" : "-"}    neighbor 2001:db8::${i.toString(16)} { remote-as ${64500 + i}; description "peer ${i}"; }`,
    );
  }
  return lines.join("\n") + "\n";
}

export function buttons(n = BUTTONS): Button[] {
  return Array.from({ length: n }, (_, i) => ({
    label: `Approve #${i}`,
    actionId: `change.approve:${i}`,
    style: i === 0 ? "primary" : i === 1 ? "danger" : "default",
    ...(i === 1 ? { confirm: { title: "Deploy?", text: "This deploys to 3 routers." } } : {}),
  }));
}

export function bigReply(): Reply {
  return {
    kind: "warning",
    title: "Available peers at LINX LON1",
    text: "300 networks could peer with you here.",
    fields: [
      { label: "IXP", value: "LINX LON1", inline: true },
      { label: "Peers", value: "300", inline: true },
    ],
    table: { columns: ["ASN", "Name", "Prefixes", "State"], rows: bigTableRows(), alignRight: [2] },
    code: { language: "diff", content: bigDiff() },
    context: "requested by alice · change 42",
    buttons: buttons(),
    pagination: { page: 2, pages: 5, prev: "cmd:peers linx page:1", next: "cmd:peers linx page:3" },
  };
}

export const HOSTILE = [
  "<@here>",
  "<!channel> <!everyone> @everyone",
  "*bold* _it_ ~strike~ ||spoiler|| [link](https://evil.example)",
  "```\nbreak out\n```",
  "a & b <script>",
];

/** 10 kB on one line. */
export const LONG_LINE = "x".repeat(5_000) + "<@here>" + "y".repeat(4_993);

/** Deterministic pseudo-random numbers (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = [
  "a",
  "Z",
  "9",
  " ",
  "&",
  "<",
  ">",
  "*",
  "_",
  "`",
  "|",
  "\\",
  "\n",
  "é",
  "日本",
  "😀",
  "#",
  "-",
  "\t",
];

export function randomString(r: () => number, max: number): string {
  const n = Math.floor(r() ** 3 * max);
  let s = "";
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(r() * ALPHABET.length)];
  return s;
}

/** True when `s` has no lone surrogate (what String#isWellFormed does in ES2024). */
export function wellFormed(s: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

/** A reply of random shape and sizes, for property tests. */
export function randomReply(r: () => number): Reply {
  const pick = <T>(p: number, f: () => T): T | undefined => (r() < p ? f() : undefined);
  const one = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const cols = 1 + Math.floor(r() * 6);
  const reply: Reply = {
    kind: one(["info", "success", "warning", "error"] as const),
    title: pick(0.7, () => randomString(r, 400)),
    text: pick(0.8, () => randomString(r, 20_000)),
    fields: pick(0.5, () =>
      Array.from({ length: Math.floor(r() * 40) }, () => ({
        label: randomString(r, 300),
        value: randomString(r, 3000),
        inline: r() < 0.6,
      })),
    ),
    table: pick(0.5, () => ({
      columns: Array.from({ length: cols }, () => randomString(r, 30)),
      rows: Array.from({ length: Math.floor(r() * 500) }, () =>
        Array.from({ length: cols }, () => randomString(r, 120)),
      ),
      alignRight: [0],
    })),
    code: pick(0.5, () => ({
      language: one(["diff", "text", "junos", "bird", "json"] as const),
      content: randomString(r, 60_000),
    })),
    context: pick(0.5, () => randomString(r, 3000)),
    buttons: pick(0.5, () =>
      Array.from({ length: Math.floor(r() * 140) }, (_, i) => ({
        label: randomString(r, 120),
        actionId: `a.${i % 37}:${Math.floor(r() * 1000)}`,
        style: one(["primary", "danger", "default"] as const),
        ...(r() < 0.3
          ? {
              confirm: {
                title: randomString(r, 200),
                text: randomString(r, 600),
                confirm: randomString(r, 50),
              },
            }
          : {}),
      })),
    ),
    pagination: pick(0.3, () => ({ page: 2, pages: 9, prev: "cmd:x page:1", next: "cmd:x page:3" })),
  };
  return reply;
}

/** Every string anywhere in a JSON value. */
export function allStrings(v: unknown, out: string[] = []): string[] {
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) for (const x of v) allStrings(x, out);
  else if (v && typeof v === "object") for (const x of Object.values(v)) allStrings(x, out);
  return out;
}
