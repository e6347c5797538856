// Replies shared by the renderer tests. The platform files (render-slack, render-discord,
// render-console) check how each named reply looks on their platform; render-contract.test.ts
// renders every one of them (`fixtures()`) on every platform and checks what all promise alike.
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

// ---------------------------------------------------------------------------
// Named replies
// ---------------------------------------------------------------------------

/** Ordinary replies that fit everywhere, each with a button that asks first. */
export const SESSION_UP: Reply = {
  kind: "success",
  title: "Session up",
  text: "AS714 at LINX is established.",
  fields: [
    { label: "ASN", value: "AS714", inline: true },
    { label: "IXP", value: "LINX", inline: true },
    { label: "Note", value: "long note" },
  ],
  context: "by bob",
  buttons: [
    { label: "Approve", actionId: "change.approve:42", style: "primary" },
    {
      label: "Reject",
      actionId: "change.reject:42",
      style: "danger",
      confirm: { title: "Reject?", text: "Sure?" },
    },
    { label: "Later", actionId: "cmd:peer AS714 at linx" },
  ],
};

export const DEPLOY_FAILED: Reply = {
  kind: "error",
  title: "Deploy failed",
  text: "Router lon1 refused the config.",
  fields: [
    { label: "Router", value: "lon1", inline: true },
    { label: "Change", value: "42", inline: true },
  ],
  code: { language: "junos", content: "error: syntax error\n" },
  context: "change 42",
  buttons: [
    { label: "Retry", actionId: "change.deploy:42", style: "primary" },
    {
      label: "Roll back",
      actionId: "change.rollback:42",
      style: "danger",
      confirm: { title: "Sure?", text: "Roll back lon1." },
    },
    { label: "Details", actionId: "cmd:change 42" },
  ],
};

/** Every part of a reply, small: title, text, fields, table, code, context, buttons. */
export const CHANGE_READY: Reply = {
  kind: "success",
  title: "Change 42",
  text: "Ready to deploy.",
  fields: [
    { label: "Router", value: "lon1-rtr1" },
    { label: "Sessions", value: "2", inline: true },
  ],
  table: {
    columns: ["ASN", "Prefixes", "State"],
    rows: [
      ["AS714", "12", "up"],
      ["AS6939", "180000", "idle"],
    ],
    alignRight: [1],
  },
  code: { language: "diff", content: "-old line\n+new line\n" },
  context: "requested by alice",
  buttons: [
    { label: "Approve", actionId: "change.approve:42", style: "primary" },
    {
      label: "Deploy",
      actionId: "change.deploy:42",
      style: "danger",
      confirm: { title: "Deploy?", text: "Deploys to 2 routers." },
    },
  ],
};

/** The HOSTILE strings as a reply's text and as the rows of its table. */
const hostileBody = (): Reply => ({
  text: HOSTILE.join("\n"),
  table: { columns: ["name"], rows: HOSTILE.map((h) => [h]) },
});

/** Outside text that tries to mention, link or leave a code fence (Slack's mrkdwn in mind). */
export const HOSTILE_MENTIONS: Reply = {
  ...hostileBody(),
  title: "<!here> & *bold*",
  fields: [{ label: "<@U123>", value: "<https://evil|click>", inline: true }],
  code: { language: "text", content: "```\n<@here>\n````````" },
  context: "<!channel>",
  buttons: [{ label: "<@here>", actionId: "cmd:x" }],
};

/** Outside text full of markdown (Discord's in mind). */
export const HOSTILE_MARKDOWN: Reply = {
  ...hostileBody(),
  title: "*bold* <@here>",
  fields: [{ label: "<@&123>", value: "`tick` ||x||" }],
  code: { language: "diff", content: "```\n+<@here>\n````````" },
};

/** Outside text with terminal escapes and control characters. */
export const HOSTILE_CONTROL: Reply = {
  title: "\u001b[31mred\u001b[0m",
  text: [...HOSTILE, "bell\u0007"].join("\n"),
  table: { columns: ["a"], rows: [["x\ny\tz"]] },
};

/** 2,000 short lines of text (about 58 kB). */
export const LONG_TEXT = Array.from({ length: 2000 }, (_, i) => `line ${i} ${"z".repeat(20)}`).join("\n");

/** A title, a button label and a confirm prompt, all too long for any chat platform. */
export const LONG_TITLE: Reply = {
  title: "T".repeat(400),
  buttons: [
    {
      label: "L".repeat(200),
      actionId: "change.deploy:1",
      style: "danger",
      confirm: {
        title: "c".repeat(300),
        text: "x".repeat(1000),
        confirm: "y".repeat(99),
        deny: "n".repeat(99),
      },
    },
  ],
};

/** A title of 200 emoji (400 UTF-16 units): a cut must not split a surrogate pair. */
export const EMOJI_TITLE: Reply = { title: "😀".repeat(200) };

/** A long title, 40 fields of 2,300 characters each and a long context (Discord's 6,000 in mind). */
export const BIG_FIELDS: Reply = {
  title: "t".repeat(300),
  fields: Array.from({ length: 40 }, (_, i) => ({
    label: `field ${i} ${"n".repeat(300)}`,
    value: "v".repeat(2000),
  })),
  context: "c".repeat(3000),
};

/** Wide characters and emoji everywhere. */
export const WIDE_UNICODE: Reply = {
  title: "😀".repeat(200),
  text: "日本語 ".repeat(2000),
  buttons: [{ label: "😀".repeat(100), actionId: "cmd:x" }],
};

/** More fields and buttons than any chat platform shows. */
export const MANY_FIELDS_AND_BUTTONS: Reply = {
  fields: Array.from({ length: 100 }, (_, i) => ({ label: `f${i}`, value: "v", inline: true })),
  buttons: buttons(130),
};

/** One action id on two buttons and on the next page; `confirm` makes the second ask first. */
const repeatedIds = (confirm?: Button["confirm"]): Reply => ({
  buttons: [
    { label: "A", actionId: "cmd:peers" },
    { label: "B", actionId: "cmd:peers", ...(confirm ? { confirm } : {}) },
  ],
  pagination: { page: 1, pages: 2, next: "cmd:peers" },
});

export const REPEATED_IDS: Reply = repeatedIds();
/** As REPEATED_IDS, the second button asking first. */
export const REPEATED_IDS_CONFIRM: Reply = repeatedIds({ title: "t", text: "x" });

/** Page 2 of 5 with a button of its own. */
export const PAGED: Reply = {
  kind: "warning",
  title: "Peers",
  buttons: [{ label: "Refresh", actionId: "cmd:peers linx" }],
  pagination: { page: 2, pages: 5, prev: "cmd:peers linx page:1", next: "cmd:peers linx page:3" },
};

/** The first page: no previous one. */
export const FIRST_PAGE: Reply = { pagination: { page: 1, pages: 2, next: "n" } };

export const EMPTY_TABLE: Reply = { table: { columns: ["ASN"], rows: [] } };

/** Every named reply, by a name for test titles (the big one made afresh). */
export function fixtures(): Record<string, Reply> {
  return {
    "the big reply": bigReply(),
    "a session up": SESSION_UP,
    "a failed deploy": DEPLOY_FAILED,
    "a change ready": CHANGE_READY,
    "outside mentions": HOSTILE_MENTIONS,
    "outside markdown": HOSTILE_MARKDOWN,
    "outside control characters": HOSTILE_CONTROL,
    "a 10 kB line": { text: LONG_LINE },
    "2,000 lines of text": { text: LONG_TEXT },
    "a long title, label and confirm": LONG_TITLE,
    "an emoji title": EMOJI_TITLE,
    "40 large fields": BIG_FIELDS,
    "wide unicode": WIDE_UNICODE,
    "30 buttons": { buttons: buttons(BUTTONS) },
    "100 fields and 130 buttons": MANY_FIELDS_AND_BUTTONS,
    "repeated action ids": REPEATED_IDS,
    "repeated action ids, one asking first": REPEATED_IDS_CONFIRM,
    "a paged reply": PAGED,
    "a first page": FIRST_PAGE,
    "an empty table": EMPTY_TABLE,
  };
}
