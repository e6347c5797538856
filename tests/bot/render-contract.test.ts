// What every renderer promises about a Reply, checked once for Slack, Discord and the console.
// Each platform comes with an adapter that reads its output back in the same terms: the text a
// person sees (escapes undone), the notes that announce what was left out, the table and code
// as shown, the buttons with their action ids, the attachments, and every limit the message
// breaks. What is particular to one platform (Block Kit blocks, Discord embeds and custom_id
// encoding, console numbering) stays in render-slack, render-discord and render-console.
import { describe, expect, it } from "vitest";
import { renderConsole } from "../../bot/console/render.js";
import type { DiscordMessage } from "../../bot/discord/render.js";
import { checkDiscordMessage, parseDiscordCustomId, renderDiscord } from "../../bot/discord/render.js";
import { MessageRenderError } from "../../bot/render-util.js";
import type { SlackMessage } from "../../bot/slack/render.js";
import { checkSlackMessage, renderSlack, slackActionId } from "../../bot/slack/render.js";
import type { Attachment, Reply } from "../../core/reply.js";
import {
  BIG_FIELDS,
  BUTTONS,
  CHANGE_READY,
  DEPLOY_FAILED,
  EMOJI_TITLE,
  EMPTY_TABLE,
  FIRST_PAGE,
  HOSTILE,
  HOSTILE_CONTROL,
  HOSTILE_MARKDOWN,
  HOSTILE_MENTIONS,
  LONG_LINE,
  LONG_TEXT,
  LONG_TITLE,
  MANY_FIELDS_AND_BUTTONS,
  PAGED,
  REPEATED_IDS,
  REPEATED_IDS_CONFIRM,
  ROWS,
  SESSION_UP,
  allStrings,
  bigDiff,
  bigReply,
  buttons,
  fixtures,
  randomReply,
  rng,
  wellFormed,
} from "./render-fixtures.js";

interface ShownButton {
  /** What tells the button apart in the message: Slack's action_id, Discord's custom_id, the console's number. */
  key: string;
  label: string;
  /** The canonical action id, as the platform's handler reads it back. */
  actionId: string;
  /** The press asks first (Slack's confirm dialog, Discord's "confirm|" marker, the console's "(asks: …)"). */
  confirm: boolean;
}

/** A rendered reply, read back. */
interface Shown {
  /** The renderer's output. */
  raw: unknown;
  /** Every limit the message breaks: the test's own walk and the renderer's checker. */
  violations: string[];
  title: string | undefined;
  /** Everything a person reads, in order, escapes undone; buttons aside. */
  text: string;
  /** Where overflow is announced (Slack: context elements; Discord: the content and prose lines of embeds). */
  notes: string[];
  /** Tables and code as shown: the lines of each part (in a fence on chat platforms), escapes undone. */
  parts: string[][];
  /** Every fenced part as sent. */
  fences: string[];
  buttons: ShownButton[];
  attachments: Attachment[];
}

interface Platform {
  name: string;
  show: (reply: Reply) => Shown;
  /** Undefined where nothing is limited (the console shows everything). */
  limits?: {
    actionId: number;
    /** Buttons shown, at most, without and with pagination. */
    buttons: { plain: number; paged: number };
  };
  /** A 10 kB line: shown whole (maybe over several parts) or cut with a note. */
  longLine: "whole" | "cut";
  /** The big reply shows at least this many table and diff parts and table rows. */
  big: { tableParts: number; diffParts: number; rows: number };
}

const FENCE = "```";
/** Undoes the zero-width space that renderers put between backticks inside code. */
const unbreak = (s: string): string => s.replace(/\u200b`/g, "`");

// ---------------------------------------------------------------------------
// Slack
// ---------------------------------------------------------------------------

type J = Record<string, unknown>;

/**
 * The test's own walk over the JSON (independent of the renderer's checker): every limit of
 * the brief, numerically.
 */
function slackViolations(msg: SlackMessage): string[] {
  const v: string[] = [];
  const over = (what: string, n: number, max: number): void => {
    if (n > max) v.push(`${what}: ${n} > ${max}`);
  };
  const text = (t: unknown): string => String((t as J).text);
  if (msg.text.length === 0) v.push("empty notification text");
  over("blocks", msg.blocks.length, 50);
  for (const raw of msg.blocks) {
    const b = raw as J;
    if (b.type === "header") over("header", text(b.text).length, 150);
    if (b.type === "section") {
      if (b.text) over("section text", text(b.text).length, 3000);
      const fields = (b.fields ?? []) as unknown[];
      over("fields per section", fields.length, 10);
      for (const f of fields) over("field text", text(f).length, 2000);
    }
    if (b.type === "context") {
      const els = b.elements as unknown[];
      over("context elements", els.length, 10);
      for (const e of els) over("context text", text(e).length, 3000);
    }
    if (b.type === "actions") {
      const els = b.elements as J[];
      over("actions elements", els.length, 25);
      for (const e of els) {
        over("button text", text(e.text).length, 75);
        over("action_id", String(e.action_id).length, 255);
        over("value", String(e.value).length, 2000);
        const c = e.confirm as J | undefined;
        if (c) {
          over("confirm title", text(c.title).length, 100);
          over("confirm text", text(c.text).length, 300);
          over("confirm confirm", text(c.confirm).length, 30);
          over("confirm deny", text(c.deny).length, 30);
        }
      }
    }
  }
  for (const s of allStrings(msg.blocks)) if (!wellFormed(s)) v.push("lone surrogate");
  return v;
}

const ENTITIES: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">" };
const slackPlain = (s: string): string => s.replace(/&(?:amp|lt|gt);/g, (e) => ENTITIES[e] ?? e);

function showSlack(reply: Reply): Shown {
  const msg = renderSlack(reply);
  const shown: Shown = {
    raw: msg,
    violations: [...slackViolations(msg), ...checkSlackMessage(msg)],
    title: undefined,
    text: "",
    notes: [],
    parts: [],
    fences: [],
    buttons: [],
    attachments: msg.attachments,
  };
  const text: string[] = [];
  for (const b of msg.blocks) {
    if (b.type === "header") {
      shown.title ??= b.text.text;
      text.push(b.text.text);
    } else if (b.type === "section") {
      const t = b.text?.text;
      if (t?.startsWith(FENCE)) shown.fences.push(t);
      if (t?.startsWith(`${FENCE}\n`) && t.endsWith(`\n${FENCE}`)) {
        const lines = t
          .slice(FENCE.length + 1, -FENCE.length - 1)
          .split("\n")
          .map((l) => unbreak(slackPlain(l)));
        shown.parts.push(lines);
        text.push(lines.join("\n"));
      } else if (t !== undefined) text.push(slackPlain(t));
      for (const f of b.fields ?? []) text.push(slackPlain(f.text));
    } else if (b.type === "context") {
      for (const e of b.elements) {
        shown.notes.push(slackPlain(e.text));
        text.push(slackPlain(e.text));
      }
    } else if (b.type === "actions") {
      for (const e of b.elements) {
        shown.buttons.push({
          key: e.action_id,
          label: e.text.text,
          actionId: slackActionId(e),
          confirm: e.confirm !== undefined,
        });
      }
    }
  }
  shown.text = text.join("\n");
  return shown;
}

// ---------------------------------------------------------------------------
// Discord
// ---------------------------------------------------------------------------

/** The test's own walk over the JSON: every limit of the brief, numerically. */
function discordViolations(msg: DiscordMessage): string[] {
  const v: string[] = [];
  const over = (what: string, n: number, max: number): void => {
    if (n > max) v.push(`${what}: ${n} > ${max}`);
  };
  over("content", msg.content.length, 2000);
  over("embeds", msg.embeds.length, 10);
  let total = 0;
  for (const e of msg.embeds) {
    over("title", e.title?.length ?? 0, 256);
    over("description", e.description?.length ?? 0, 4096);
    over("fields", e.fields?.length ?? 0, 25);
    for (const f of e.fields ?? []) {
      over("field name", f.name.length, 256);
      over("field value", f.value.length, 1024);
      if (!f.name || !f.value) v.push("empty field");
      total += f.name.length + f.value.length;
    }
    over("footer", e.footer?.text.length ?? 0, 2048);
    total += (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0);
  }
  over("all embeds", total, 6000);
  over("rows", msg.components.length, 5);
  for (const row of msg.components) {
    if (row.type !== 1) v.push("row type");
    over("buttons per row", row.components.length, 5);
    for (const b of row.components) {
      if (b.type !== 2) v.push("button type");
      over("custom_id", b.custom_id.length, 100);
      over("label", b.label.length, 80);
    }
  }
  for (const s of allStrings(msg)) if (!wellFormed(s)) v.push("lone surrogate");
  return v;
}

/** Undoes Discord's markdown escapes (not used in code blocks, footers and labels). */
const discordPlain = (s: string): string => s.replace(/\\([\\*_~`|<>[\]#-])/g, "$1");
/** A description that opens with a code block: its lines, then maybe a note after it. */
const CODE_BLOCK = /^```[a-z]*\n([\s\S]*?)\n```/;

function showDiscord(reply: Reply): Shown {
  const msg = renderDiscord(reply);
  const title = msg.embeds[0]?.title;
  const shown: Shown = {
    raw: msg,
    violations: [...discordViolations(msg), ...checkDiscordMessage(msg)],
    title: title === undefined ? undefined : discordPlain(title),
    text: "",
    notes: [],
    parts: [],
    fences: [],
    buttons: msg.components
      .flatMap((r) => r.components)
      .map((b) => {
        const id = parseDiscordCustomId(b.custom_id);
        return { key: b.custom_id, label: b.label, actionId: id.actionId, confirm: id.confirm };
      }),
    attachments: msg.attachments,
  };
  const text: string[] = [];
  const prose = (s: string): void => {
    const t = discordPlain(s);
    text.push(t);
    shown.notes.push(...t.split("\n"));
  };
  if (msg.content) prose(msg.content);
  for (const e of msg.embeds) {
    if (e.title) text.push(discordPlain(e.title));
    if (e.description) {
      let rest = e.description;
      if (rest.startsWith(FENCE)) shown.fences.push(rest);
      const code = CODE_BLOCK.exec(rest);
      if (code) {
        const lines = (code[1] ?? "").split("\n").map(unbreak);
        shown.parts.push(lines);
        text.push(lines.join("\n"));
        rest = rest.slice(code[0].length).replace(/^\n/, "");
      }
      if (rest) prose(rest);
    }
    for (const f of e.fields ?? []) text.push(discordPlain(f.name), discordPlain(f.value));
    if (e.footer) text.push(e.footer.text);
  }
  shown.text = text.join("\n");
  return shown;
}

// ---------------------------------------------------------------------------
// Console
// ---------------------------------------------------------------------------

/** A numbered choice: `  [2] Deploy  (change.deploy:42)  (asks: Deploys to 2 routers.)`. */
const CHOICE = /^ {2}\[(\d+)\] (.*?) {2}\(([^()]*)\)( {2}\(asks: .*\))?$/;

function showConsole(reply: Reply): Shown {
  const out = renderConsole(reply);
  return {
    raw: out,
    // No size limits; the console's promise is that no control character reaches the terminal.
    violations: [
      ...(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(out) ? ["control character"] : []),
      ...(wellFormed(out) ? [] : ["lone surrogate"]),
    ],
    title: out.split("\n")[0],
    text: out,
    notes: [],
    parts: out.split("\n\n").map((block) => block.split("\n")),
    fences: [],
    buttons: out.split("\n").flatMap((line) => {
      const m = CHOICE.exec(line);
      return m ? [{ key: m[1]!, label: m[2]!, actionId: m[3]!, confirm: m[4] !== undefined }] : [];
    }),
    attachments: [],
  };
}

const PLATFORMS: Platform[] = [
  {
    name: "Slack",
    show: showSlack,
    limits: { actionId: 255, buttons: { plain: 100, paged: 100 } },
    longLine: "whole",
    big: { tableParts: 2, diffParts: 2, rows: 51 },
  },
  {
    name: "Discord",
    show: showDiscord,
    limits: { actionId: 100, buttons: { plain: 25, paged: 20 } },
    longLine: "cut",
    big: { tableParts: 1, diffParts: 1, rows: 21 },
  },
  {
    name: "console",
    show: showConsole,
    longLine: "whole",
    big: { tableParts: 1, diffParts: 1, rows: ROWS },
  },
];

const file = (shown: Shown, name: string): string | undefined =>
  shown.attachments.find((a) => a.filename === name)?.content;

/** The texts of a reply a person must be able to read wherever it fits. */
const readable = (reply: Reply): string[] =>
  [
    reply.title,
    reply.text,
    ...(reply.fields ?? []).flatMap((f) => [f.label, f.value]),
    ...(reply.table ? [...reply.table.columns, ...reply.table.rows.flat()] : []),
    reply.code?.content.replace(/\n+$/, ""),
    reply.context,
  ].filter((s): s is string => Boolean(s));

const ORDINARY: [string, Reply][] = [
  ["a session up", SESSION_UP],
  ["a failed deploy", DEPLOY_FAILED],
  ["a change ready", CHANGE_READY],
];

/** Outside text, and what of it must show as written once the platform's escapes are undone. */
const OUTSIDE: [string, Reply, string[]][] = [
  [
    "mentions",
    HOSTILE_MENTIONS,
    [
      "<!here> & *bold*",
      ...HOSTILE,
      "<@U123>",
      "<https://evil|click>",
      "```\n<@here>\n````````",
      "<!channel>",
    ],
  ],
  [
    "markdown",
    HOSTILE_MARKDOWN,
    ["*bold* <@here>", ...HOSTILE, "<@&123>", "`tick` ||x||", "```\n+<@here>\n````````"],
  ],
  ["control characters", HOSTILE_CONTROL, ["\\x1b[31mred\\x1b[0m", "<@here>", "bell\\x07", "x y z"]],
];

/** Titles too long for a chat platform, and the note that says so (when it is that one). */
const LONG_TITLES: [string, Reply, string | undefined][] = [
  [
    "a long title, label and confirm",
    LONG_TITLE,
    "Some text was shortened — full message attached (message.txt)",
  ],
  ["an emoji title", EMOJI_TITLE, "Some text was shortened — full message attached (message.txt)"],
  ["a long title over 40 large fields", BIG_FIELDS, undefined],
];

const MANY_BUTTONS: [string, Reply][] = [
  ["30 buttons", { buttons: buttons(BUTTONS) }],
  ["100 fields and 130 buttons", MANY_FIELDS_AND_BUTTONS],
];

const REPEATED: [string, Reply][] = [
  ["plain", REPEATED_IDS],
  ["one asking first", REPEATED_IDS_CONFIRM],
];

describe.each(PLATFORMS.map((p) => [p.name, p] as const))("%s renderer contract", (_, p) => {
  const limited = p.limits !== undefined;

  it.each(Object.entries(fixtures()))("renders %s within its limits", (_, reply) => {
    expect(p.show(reply).violations).toEqual([]);
  });

  it.each([714, 6939])(
    "keeps random replies within its limits and announces what it leaves out (seed %i)",
    (seed) => {
      const r = rng(seed);
      for (let i = 0; i < 60; i++) {
        const reply = randomReply(r);
        const shown = p.show(reply);
        expect(shown.violations).toEqual([]);
        const rows = reply.table?.rows.length ?? 0;
        const note = shown.notes.find((n) => / more rows /.test(n));
        if (note) expect(shown.attachments.some((a) => a.filename === "table.txt")).toBe(true);
        if (rows === 0) expect(note).toBeUndefined();
        const buttonsShown = shown.buttons.length - (reply.pagination ? 2 : 0);
        const total = reply.buttons?.length ?? 0;
        if (buttonsShown < total) {
          expect(shown.notes.join("\n")).toContain(`${total - buttonsShown} more button`);
        }
      }
    },
  );

  describe("the big reply: 300 rows, a 50 kB diff, 30 buttons, page 2 of 5", () => {
    const reply = bigReply();
    let big: Shown | undefined;
    const showBig = (): Shown => (big ??= p.show(reply));

    it("shows the table's first rows in order, and announces and attaches the rest", () => {
      const shown = showBig();
      const tableParts = shown.parts.filter((part) => part[0]?.startsWith("ASN"));
      expect(tableParts.length).toBeGreaterThanOrEqual(p.big.tableParts);
      const rows = tableParts.flat().filter((l) => /^AS\d+ /.test(l));
      expect(rows.length).toBeGreaterThanOrEqual(p.big.rows);
      expect(rows.map((l) => l.split("  ")[0])).toEqual(
        reply.table!.rows.slice(0, rows.length).map((row) => row[0]),
      );
      const hidden = ROWS - rows.length;
      expect(hidden > 0).toBe(limited);
      if (hidden > 0) {
        expect(shown.notes.filter((n) => n.includes("more rows"))).toEqual([
          `… and ${hidden} more rows — full table attached (table.txt, 300 rows)`,
        ]);
        const table = file(shown, "table.txt");
        expect(table?.split("\n")).toHaveLength(ROWS + 2);
        expect(table).toContain("AS64799  Peer 299 & <co>");
      } else expect(shown.text).not.toContain("more rows");
    });

    it("shows the diff's first lines as they are, and announces and attaches the rest", () => {
      const shown = showBig();
      const diff = bigDiff();
      const diffLines = diff.split("\n").length - 1;
      const diffParts = shown.parts.filter((part) => /^[+-] /.test(part[0] ?? ""));
      expect(diffParts.length).toBeGreaterThanOrEqual(p.big.diffParts);
      const lines = diffParts.flat();
      expect(lines.join("\n")).toBe(diff.split("\n").slice(0, lines.length).join("\n"));
      const hidden = diffLines - lines.length;
      expect(hidden > 0).toBe(limited);
      if (hidden > 0) {
        expect(shown.notes.filter((n) => n.includes("more lines"))).toEqual([
          `… and ${hidden} more lines — full diff attached (diff.txt, ${diffLines} lines)`,
        ]);
        expect(file(shown, "diff.txt")).toBe(diff);
      } else expect(shown.text).not.toContain("more lines");
    });

    it("shows the buttons that fit, then « Prev and Next », the page and the context", () => {
      const shown = showBig();
      const fit = Math.min(BUTTONS, p.limits?.buttons.paged ?? Infinity);
      expect(shown.buttons.map((b) => [b.label, b.actionId])).toEqual([
        ...buttons()
          .slice(0, fit)
          .map((b) => [b.label, b.actionId]),
        ["« Prev", "cmd:peers linx page:1"],
        ["Next »", "cmd:peers linx page:3"],
      ]);
      if (fit < BUTTONS) {
        expect(shown.notes).toContain(
          `… and ${BUTTONS - fit} more buttons — full message attached (message.txt)`,
        );
        const message = file(shown, "message.txt") ?? "";
        for (let i = 0; i < BUTTONS; i++) expect(message).toContain(`(change.approve:${i})`);
      } else expect(shown.text).not.toContain("more button");
      expect(shown.text).toContain("requested by alice · change 42");
      expect(shown.text).toContain("page 2/5");
    });
  });

  it.each(ORDINARY)("shows %s whole: its texts, every button, nothing attached", (_, reply) => {
    const shown = p.show(reply);
    expect(shown.attachments).toEqual([]);
    expect(shown.text).not.toMatch(/ more (rows|lines|fields|buttons)|attached/);
    for (const s of readable(reply)) expect(shown.text).toContain(s);
    expect(shown.buttons.map(({ label, actionId, confirm }) => ({ label, actionId, confirm }))).toEqual(
      (reply.buttons ?? []).map((b) => ({
        label: b.label,
        actionId: b.actionId,
        confirm: Boolean(b.confirm),
      })),
    );
  });

  it.each(OUTSIDE)("shows outside text (%s) as written, with no fence broken open", (_, reply, seen) => {
    const shown = p.show(reply);
    for (const fenced of shown.fences) expect(fenced.match(/```/g)).toHaveLength(2); // only our own fences
    const raw = allStrings(shown.raw).join("\n");
    expect(raw).not.toContain("\u001b");
    expect(raw).not.toContain("\u0007");
    for (const s of seen) expect(shown.text).toContain(s);
    expect(shown.buttons.map((b) => b.label)).toEqual((reply.buttons ?? []).map((b) => b.label));
  });

  it(`shows a 10 kB line ${p.longLine === "whole" ? "whole" : "cut, with a note, and attaches it"}`, () => {
    const shown = p.show({ text: LONG_LINE });
    if (p.longLine === "whole") {
      expect(shown.text.replace(/\n/g, "")).toBe(LONG_LINE);
      expect(shown.attachments).toEqual([]);
    } else {
      const first = shown.text.split("\n")[0] ?? "";
      expect(first.length).toBeGreaterThan(0);
      expect(LONG_LINE.startsWith(first)).toBe(true);
      expect(shown.notes).toContain("… (line cut) — full message attached (message.txt)");
      expect(file(shown, "message.txt")).toBe(LONG_LINE);
    }
  });

  it("shows 2,000 lines of text, or the first ones with a note and the whole message attached", () => {
    const shown = p.show({ text: LONG_TEXT });
    const lines = shown.text.split("\n").filter((l) => /^line \d+ z+$/.test(l));
    expect(lines).toEqual(LONG_TEXT.split("\n").slice(0, lines.length));
    if (limited) {
      expect(shown.notes).toContain(
        `… and ${2000 - lines.length} more lines — full message attached (message.txt)`,
      );
      expect(file(shown, "message.txt")).toBe(LONG_TEXT);
    } else {
      expect(lines).toHaveLength(2000);
      expect(shown.attachments).toEqual([]);
    }
  });

  it.each(LONG_TITLES)(
    "shows %s, the title whole or cut with … and the whole message attached",
    (_, reply, note) => {
      const shown = p.show(reply);
      const title = reply.title ?? "";
      if (limited) {
        expect(shown.title?.endsWith("…")).toBe(true);
        expect(title.startsWith(shown.title?.slice(0, -1) ?? "-")).toBe(true);
        expect(shown.attachments.map((a) => a.filename)).toEqual(["message.txt"]);
        expect(file(shown, "message.txt")).toContain(title);
        expect(shown.notes.some((n) => n.endsWith(" — full message attached (message.txt)"))).toBe(true);
        if (note) expect(shown.notes).toContain(note);
      } else {
        expect(shown.title).toBe(title);
        expect(shown.attachments).toEqual([]);
      }
    },
  );

  it.each(MANY_BUTTONS)(
    "shows %s, or those that fit with a note and the whole message attached",
    (_, reply) => {
      const all = reply.buttons ?? [];
      const fit = Math.min(all.length, p.limits?.buttons.plain ?? Infinity);
      const shown = p.show(reply);
      expect(shown.buttons.map((b) => b.actionId)).toEqual(all.slice(0, fit).map((b) => b.actionId));
      if (fit < all.length) {
        expect(shown.notes).toContain(
          `… and ${all.length - fit} more buttons — full message attached (message.txt)`,
        );
        expect(file(shown, "message.txt")).toContain(`(${all[all.length - 1]?.actionId})`);
      } else expect(shown.text).not.toContain("more button");
    },
  );

  it("carries an action id whole or refuses it, never cuts it", () => {
    const max = p.limits?.actionId ?? Infinity;
    for (const id of [
      "a".repeat(100),
      "a".repeat(101),
      "a".repeat(255),
      "a".repeat(256),
      `cmd:${"a".repeat(300)}`,
    ]) {
      const show = (): Shown => p.show({ buttons: [{ label: "x", actionId: id }] });
      if (id.length <= max) expect(show().buttons.map((b) => b.actionId)).toEqual([id]);
      else {
        expect(show).toThrow(MessageRenderError);
        expect(show).toThrow(`limit is ${max}`);
      }
    }
    const paged = (): Shown => p.show({ pagination: { page: 1, pages: 2, next: "n".repeat(256) } });
    if (256 <= max) expect(paged().buttons.map((b) => b.actionId)).toEqual(["n".repeat(256)]);
    else expect(paged).toThrow(`limit is ${max}`);
  });

  it.each(REPEATED)("keeps repeated action ids apart and reads each back (%s)", (_, reply) => {
    const shown = p.show(reply);
    expect(new Set(shown.buttons.map((b) => b.key)).size).toBe(3);
    expect(shown.buttons.map((b) => b.actionId)).toEqual(["cmd:peers", "cmd:peers", "cmd:peers"]);
  });

  it("shows the page as page n/m, with « Prev and Next » after the reply's own buttons", () => {
    const shown = p.show(PAGED);
    expect(shown.text).toContain("page 2/5");
    expect(shown.buttons.map((b) => [b.label, b.actionId])).toEqual([
      ["Refresh", "cmd:peers linx"],
      ["« Prev", "cmd:peers linx page:1"],
      ["Next »", "cmd:peers linx page:3"],
    ]);
    const first = p.show(FIRST_PAGE);
    expect(first.text).toContain("page 1/2");
    expect(first.buttons.map((b) => [b.label, b.actionId])).toEqual([["Next »", "n"]]);
  });

  it("says (no rows) for an empty table", () => {
    const shown = p.show(EMPTY_TABLE);
    expect(shown.text).toContain("(no rows)");
    expect(shown.attachments).toEqual([]);
  });

  it("attaches a code block marked attach (an export), however small, and still shows it", () => {
    const content = "version: 1\nrouters:\n  - {name: edge1.lon, platform: bird2}\n";
    const shown = p.show({
      title: "Inventory",
      code: { language: "yaml", content, filename: "inventory.yaml", attach: true },
    });
    expect(shown.text).toContain("name: edge1.lon");
    if (p.name === "console") expect(shown.attachments).toEqual([]);
    else expect(file(shown, "inventory.yaml")).toBe(content);
  });
});
