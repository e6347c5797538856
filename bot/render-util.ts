// Helpers shared by the three renderers (console, Slack, Discord). Everything here is pure:
// strings in, strings out, no platform knowledge beyond what a caller passes in.
//
// Lengths: platform limits are checked against `string.length` (UTF-16 code units). That is
// never less than the number of code points the platforms count, so a string that passes
// here passes there. Cuts never split a surrogate pair or an escape sequence.
import type { Attachment, Button, CodeBlock, Reply, Table } from "../core/reply.js";

/** A programmer error found while rendering (e.g. an action id too long for a platform). */
export class MessageRenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MessageRenderError";
  }
}

export const ELLIPSIS = "…";

// ---------------------------------------------------------------------------
// Cutting and counting
// ---------------------------------------------------------------------------

/** The longest prefix of `s` of at most `max` UTF-16 units that does not end in half a surrogate pair. */
export function safeSlice(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max <= 0) return "";
  let end = max;
  const last = s.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return s.slice(0, end);
}

/** `s` cut to at most `max` units, ending in "…" when it was cut. */
export function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  return safeSlice(s, max - ELLIPSIS.length) + ELLIPSIS;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** "… and 3 more rows" (`unit` singular: "row", "line", "button"). */
export function moreLine(n: number, unit: string): string {
  return `${ELLIPSIS} and ${n} more ${unit}${n === 1 ? "" : "s"}`;
}

/** Lines of a text; a trailing newline does not make an extra empty line. */
export function splitLines(s: string): string[] {
  const t = s.replace(/\r\n?/g, "\n");
  const lines = t.split("\n");
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

// ---------------------------------------------------------------------------
// Escaping
// ---------------------------------------------------------------------------

/**
 * Escapes one code point, given the code point before it on the same line (undefined at
 * the start of a line). Escaping one code point at a time lets cuts fall between escapes.
 */
export type CharEscape = (ch: string, prev: string | undefined) => string;

export const noEscape: CharEscape = (ch) => ch;

export function escapeWith(s: string, esc: CharEscape): string {
  if (esc === noEscape) return s;
  let out = "";
  let prev: string | undefined;
  for (const ch of s) {
    out += esc(ch, prev);
    prev = ch === "\n" ? undefined : ch;
  }
  return out;
}

/**
 * `raw` escaped with `esc` and cut to at most `max` units (ending in "…" when cut), never
 * inside an escape.
 */
export function escapeCut(raw: string, max: number, esc: CharEscape): { text: string; cut: boolean } {
  const whole = escapeWith(raw, esc);
  if (whole.length <= max) return { text: whole, cut: false };
  const { pieces } = splitToRooms(raw, [max - ELLIPSIS.length], esc);
  return { text: (pieces[0] ?? "") + ELLIPSIS, cut: true };
}

/** Replaces control characters (other than newline and tab) with a visible `\xNN`, for terminals. */
export function sanitizeControl(s: string): string {
  return s.replace(/\r\n/g, "\n").replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => {
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}

/** A table cell on one line: newlines and tabs become spaces, other controls `\xNN`. */
export function oneLine(s: string): string {
  return sanitizeControl(s.replace(/\r\n|[\r\n\t]/g, " "));
}

// ---------------------------------------------------------------------------
// Display width and tables
// ---------------------------------------------------------------------------

function isZeroWidth(cp: number): boolean {
  return (
    (cp >= 0x0300 && cp <= 0x036f) ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0x1ab0 && cp <= 0x1aff) ||
    (cp >= 0x20d0 && cp <= 0x20ff) ||
    (cp >= 0xe0100 && cp <= 0xe01ef)
  );
}

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

/** Columns a string takes in a monospace font (East Asian wide and emoji count 2). */
export function displayWidth(s: string): number {
  if (/^[\u0000-\u02ff]*$/.test(s)) return s.length;
  let w = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (isZeroWidth(cp)) continue;
    w += isWide(cp) ? 2 : 1;
  }
  return w;
}

/** `s` cut to at most `width` display columns, ending in "…" when cut. */
export function cutWidth(s: string, width: number): string {
  if (displayWidth(s) <= width) return s;
  let out = "";
  let w = 0;
  for (const ch of s) {
    const cw = isZeroWidth(ch.codePointAt(0) ?? 0) ? 0 : isWide(ch.codePointAt(0) ?? 0) ? 2 : 1;
    if (w + cw > width - 1) break;
    out += ch;
    w += cw;
  }
  return out + ELLIPSIS;
}

function pad(s: string, width: number, right: boolean): string {
  const fill = " ".repeat(Math.max(0, width - displayWidth(s)));
  return right ? fill + s : s + fill;
}

export interface TableLines {
  /** Column titles and the dashes under them. */
  header: string[];
  /** One line per row. */
  rows: string[];
  /** True when at least one cell was shortened to `maxCellWidth`. */
  cellsCut: boolean;
}

/**
 * Lays a table out as aligned monospace columns separated by two spaces. Cells are put on
 * one line; with `maxCellWidth` a longer cell is shortened with "…".
 */
export function layoutTable(table: Table, opts: { maxCellWidth?: number } = {}): TableLines {
  const right = new Set(table.alignRight ?? []);
  const ncols = Math.max(table.columns.length, ...table.rows.map((r) => r.length));
  let cellsCut = false;
  const prep = (s: string | undefined): string => {
    const one = oneLine(s ?? "");
    if (opts.maxCellWidth !== undefined && displayWidth(one) > opts.maxCellWidth) {
      cellsCut = true;
      return cutWidth(one, opts.maxCellWidth);
    }
    return one;
  };
  const head = Array.from({ length: ncols }, (_, i) => prep(table.columns[i]));
  const body = table.rows.map((r) => Array.from({ length: ncols }, (_, i) => prep(r[i])));
  const widths = head.map((h, i) => Math.max(displayWidth(h), ...body.map((r) => displayWidth(r[i] ?? ""))));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => pad(c, widths[i] ?? 0, right.has(i)))
      .join("  ")
      .trimEnd();
  return {
    header: [line(head), widths.map((w) => "-".repeat(Math.max(1, w))).join("  ")],
    rows: body.map(line),
    cellsCut,
  };
}

/** The whole table as text, every cell in full (for a terminal or a `table.txt` attachment). */
export function tableText(table: Table): string {
  const t = layoutTable(table);
  return [...t.header, ...t.rows].join("\n");
}

// ---------------------------------------------------------------------------
// Packing lines into size-limited chunks
// ---------------------------------------------------------------------------

export interface Packed {
  /** Escaped chunk bodies (without fences), each within its capacity. */
  chunks: string[];
  /** How many of the input lines were shown in full. */
  shown: number;
  /** True when the last chunk ends with part of a line that did not fit (only when no whole line fit). */
  partial: boolean;
}

/**
 * Packs lines, escaped with `esc`, into at most `capacities.length` chunks, chunk k holding
 * at most `capacities[k]` units. `header` lines (e.g. table column titles) start every chunk.
 * Lines are never reordered; packing stops at the first line that does not fit. A line too
 * long for one chunk is split into pieces over the following chunks when all of it fits;
 * when not even the first line fits, as many of its pieces as fit are shown and `partial`
 * is set, so that something is always visible.
 */
export function packLines(
  lines: string[],
  capacities: number[],
  esc: CharEscape,
  header: string[] = [],
): Packed {
  const head = header.map((h) => escapeWith(h, esc)).join("\n");
  // Room for lines in chunk k: its capacity less the header and the newline after it.
  const room = capacities.map((c) => c - head.length - (head ? 1 : 0));
  const bodies: string[][] = capacities.map(() => []);
  const used = capacities.map(() => 0);
  let k = room.findIndex((r) => r >= 2);
  let shown = 0;
  let partial = false;
  const free = (i: number): number => (room[i] ?? 0) - used[i]! - (bodies[i]!.length > 0 ? 1 : 0);
  const put = (i: number, s: string): void => {
    used[i]! += s.length + (bodies[i]!.length > 0 ? 1 : 0);
    bodies[i]!.push(s);
  };
  if (k >= 0) {
    for (const raw of lines) {
      const e = escapeWith(raw, esc);
      if (e.length <= free(k)) {
        put(k, e);
        shown++;
        continue;
      }
      const next = k + 1 < capacities.length ? k + 1 : -1;
      if (next >= 0 && bodies[k]!.length > 0 && e.length <= (room[next] ?? 0)) {
        k = next;
        put(k, e);
        shown++;
        continue;
      }
      // Too long for one chunk: split it over the rest of this chunk and the next ones.
      const rooms: number[] = [];
      for (let i = k; i < capacities.length; i++) rooms.push(i === k ? free(i) : (room[i] ?? 0));
      const { pieces, complete } = splitToRooms(raw, rooms, esc);
      if (!complete && shown > 0) break;
      pieces.forEach((p, j) => {
        if (p !== "") put(k + j, p);
      });
      k += Math.max(0, pieces.length - 1);
      if (!complete) {
        partial = true;
        break;
      }
      shown++;
    }
  }
  const chunks = bodies.filter((b) => b.length > 0).map((b) => (head ? [head, ...b] : b).join("\n"));
  return { chunks, shown, partial };
}

/**
 * Splits a raw line, escaping it, into pieces filling `rooms` in order (a room may take an
 * empty piece when too small). `complete` is false when the line did not fit in all rooms.
 */
export function splitToRooms(
  raw: string,
  rooms: number[],
  esc: CharEscape,
): { pieces: string[]; complete: boolean } {
  const pieces: string[] = [];
  let i = 0;
  let cur = "";
  let prev: string | undefined;
  for (const ch of raw) {
    const e = esc(ch, prev);
    prev = ch === "\n" ? undefined : ch;
    while (cur.length + e.length > (rooms[i] ?? 0)) {
      pieces.push(cur);
      cur = "";
      i++;
      if (i >= rooms.length) return { pieces: trimEmptyTail(pieces), complete: false };
    }
    cur += e;
  }
  pieces.push(cur);
  return { pieces, complete: true };
}

function trimEmptyTail(pieces: string[]): string[] {
  while (pieces.length > 0 && pieces[pieces.length - 1] === "") pieces.pop();
  return pieces;
}

// ---------------------------------------------------------------------------
// Buttons and action ids
// ---------------------------------------------------------------------------

export const PREV_LABEL = "« Prev";
export const NEXT_LABEL = "Next »";

/** A button as renderers take it: with its action id (an intent has been turned into one). */
export type ActionButton = Button & { actionId: string };

/**
 * The reply's buttons, each with its action id. A button that still carries only an intent
 * never reaches a renderer (the dispatcher and the delivery resolve intents): a programmer error.
 */
export function actionButtons(reply: Reply): ActionButton[] {
  return (reply.buttons ?? []).map((b) => {
    if (b.actionId === undefined)
      throw new MessageRenderError(
        `the button "${cut(b.label, 40)}" has no action id: resolve its intent first (commands/intents.ts)`,
      );
    return b as ActionButton;
  });
}

/** Pagination's prev/next as buttons (empty when there is no page to go to). */
export function pageButtons(reply: Reply): ActionButton[] {
  const p = reply.pagination;
  if (!p) return [];
  const out: ActionButton[] = [];
  if (p.prev) out.push({ label: PREV_LABEL, actionId: p.prev });
  if (p.next) out.push({ label: NEXT_LABEL, actionId: p.next });
  return out;
}

export function pageLabel(reply: Reply): string | undefined {
  const p = reply.pagination;
  return p ? `page ${p.page}/${p.pages}` : undefined;
}

/**
 * Prefix that makes a repeated action id unique within one message ("~2|", "~3|", ...).
 * Platforms reject two buttons with the same id in one message; the canonical action id is
 * recovered with `stripDuplicatePrefix`. Core never produces ids starting with "~".
 */
export function duplicatePrefix(n: number): string {
  return n <= 1 ? "" : `~${n}|`;
}

export function stripDuplicatePrefix(id: string): string {
  return id.replace(/^~\d+\|/, "");
}

/** Returns a function giving, for each action id in order, its occurrence number (1, 2, ...). */
export function occurrenceCounter(): (id: string) => number {
  const seen = new Map<string, number>();
  return (id) => {
    const n = (seen.get(id) ?? 0) + 1;
    seen.set(id, n);
    return n;
  };
}

/**
 * Refuses an action id that a platform cannot carry. Ids are never truncated: a truncated
 * id could be another valid id. Core only makes short ids, so this is a programmer error.
 */
export function assertActionId(id: string, max: number, platform: string, encoded: string = id): void {
  if (id.length === 0) throw new MessageRenderError(`${platform}: a button has an empty action id`);
  if (encoded.length > max) {
    throw new MessageRenderError(
      `${platform}: action id is ${encoded.length} characters once encoded, the limit is ${max}: ` +
        `"${cut(id, 60)}" (keep action ids short, e.g. "change.approve:42")`,
    );
  }
}

// ---------------------------------------------------------------------------
// Attachments
// ---------------------------------------------------------------------------

/** The attachment name of a code block, when it does not fit inline. */
export function codeFilename(code: CodeBlock): string {
  if (code.filename) return code.filename;
  switch (code.language) {
    case "diff":
      return "diff.txt";
    case "json":
      return "output.json";
    case "junos":
    case "bird":
      return "config.txt";
    default:
      return "output.txt";
  }
}

/** What a code block is called in an overflow note: "diff", "config", "output". */
export function codeNoun(code: CodeBlock): string {
  switch (code.language) {
    case "diff":
      return "diff";
    case "junos":
    case "bird":
      return "config";
    case "yaml":
      return "file";
    default:
      return "output";
  }
}

/**
 * Collects attachments, renaming a second file of the same name ("2-table.txt"). Names in
 * `reserved` are kept free for a later `add(name, content, { reserved: true })`.
 */
export class AttachmentList {
  readonly items: Attachment[] = [];
  constructor(private readonly reserved: readonly string[] = []) {}
  add(filename: string, content: string, opts: { reserved?: boolean } = {}): string {
    const taken = (n: string): boolean =>
      this.items.some((a) => a.filename === n) || (!opts.reserved && this.reserved.includes(n));
    let name = filename;
    for (let i = 2; taken(name); i++) name = `${i}-${filename}`;
    this.items.push({ filename: name, content });
    return name;
  }
}

export const MESSAGE_FILENAME = "message.txt";
