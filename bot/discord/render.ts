// Reply -> Discord message JSON (content, embeds, components). Pure; honours Discord's limits
// and checks itself with `checkDiscordMessage` (adapters call `assertDiscordLimits` again).
//
// Layout:
//   embeds[0]     title, text (description), fields, colour by kind
//   embeds[1..]   table as a ``` code block, then the code block (```diff for diffs); each
//                 part takes one or two embeds (description ≤ 4,096)
//   last embed    footer: reply.context and "page 2/5"
//   content       overflow notes that belong to no embed (fields, buttons); usually empty
//   components    action rows of ≤ 5 buttons, ≤ 5 rows; pagination (« Prev / Next ») in the last row
//
// The 6,000-character budget over all embeds is shared out: title and footer first, then a
// minimum for text, table and code, then fields, then the rest to text, table and code. What
// does not fit is cut with a visible "… and N more rows/lines/fields/buttons" line and the full
// content attached: `table.txt`, `diff.txt` (or the code block's filename), or `message.txt`
// (the whole reply as console text) for anything else. Attachments are for the adapter to send
// as files with the message.
//
// Escaping: markdown characters in user/PeeringDB text are backslash-escaped (`*`, `_`, `~`,
// `` ` ``, `|`, `<`, `>`, `[`, `]`, `\`, and `#`/`-` at the start of a line), so `<@123>` or
// `*bold*` show literally; the footer and button labels are plain text on Discord and are left
// as is. Inside code blocks, runs of backticks are broken with zero-width spaces so content
// can't close the fence. Every message carries `allowed_mentions: { parse: [] }`, with `users`
// and `roles` listing only the people the reply notifies (Reply.mentions, ../mentions.ts): their
// tokens become `<@id>` / `<@&id>` after escaping, in the text and fields (which never ping) and
// in a line leading `content` (which does). Nothing else pings.
//
// Buttons and confirmation: Discord has no confirm dialog. A button whose Reply button has
// `confirm` gets the custom_id "confirm|<actionId>". The interaction handling (interactions.ts),
// on such a press, does not run the action: it answers with an ephemeral prompt whose button,
// labelled as the pressed one, carries "ok|<message id>|<actionId>" (and a "Cancel" button).
// Pagination buttons get "page|" so that the interaction handling shows the next page in place
// of the message. A repeated action id in one message gets a "~2|" prefix
// after those markers (custom_ids must be unique). `parseDiscordCustomId` undoes the encoding.
// An encoded custom_id longer than 100 characters is refused with a MessageRenderError, never truncated.
import type { Attachment, Form, Reply } from "../../core/reply.js";
import { renderConsole } from "../console/render.js";
import { prepareMentions } from "../mentions.js";
import type { ActionButton, CharEscape } from "../render-util.js";
import {
  actionButtons,
  AttachmentList,
  assertActionId,
  codeFilename,
  codeNoun,
  cut,
  duplicatePrefix,
  ELLIPSIS,
  escapeCut,
  escapeWith,
  layoutTable,
  MESSAGE_FILENAME,
  moreLine,
  occurrenceCounter,
  oneLine,
  packLines,
  pageButtons,
  pageLabel,
  plural,
  MessageRenderError,
  sanitizeControl,
  splitLines,
  stripDuplicatePrefix,
  tableText,
} from "../render-util.js";

export const DISCORD_LIMITS = {
  content: 2000,
  embeds: 10,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  authorName: 256,
  /** Sum of titles, descriptions, field names and values, footers and author names of all embeds. */
  embedTotal: 6000,
  rows: 5,
  buttonsPerRow: 5,
  customId: 100,
  label: 80,
} as const;

export const DISCORD_BUDGET = {
  /** Our cap on the footer, to leave room for the rest. */
  footer: 1024,
  /** Shares kept for text, table and code before fields take their part. */
  minText: 1000,
  minTable: 1500,
  minCode: 1500,
  /** Room kept in a description for an overflow note. */
  note: 200,
  /** Table cells longer than this (display columns) are shortened, the full table attached. */
  cellWidth: 40,
} as const;

export const DISCORD_COLORS = {
  info: 0x5865f2,
  success: 0x57f287,
  warning: 0xfee75c,
  error: 0xed4245,
} as const;

export const DISCORD_BUTTON_STYLE = { primary: 1, secondary: 2, success: 3, danger: 4 } as const;

/** Prefix of the custom_id of a button that must be confirmed before it counts. */
export const CONFIRM_PREFIX = "confirm|";
/** Prefix of the custom_id of a pagination button (the adapter updates the message in place). */
export const PAGE_PREFIX = "page|";

export interface DiscordEmbed {
  title?: string;
  description?: string;
  color?: number;
  fields?: { name: string; value: string; inline?: boolean }[];
  footer?: { text: string };
}

export interface DiscordButton {
  type: 2;
  style: 1 | 2 | 3 | 4;
  label: string;
  custom_id: string;
  disabled?: boolean;
}

export interface DiscordActionRow {
  type: 1;
  components: DiscordButton[];
}

export interface DiscordMessage {
  content: string;
  embeds: DiscordEmbed[];
  components: DiscordActionRow[];
  /** Files to send with the message. */
  attachments: Attachment[];
  /** Nothing is parsed: only the ids listed (the people the reply notifies) ping. */
  allowed_mentions: { parse: never[]; users?: string[]; roles?: string[]; replied_user?: boolean };
}

const ZWSP = "\u200b";
const MARKDOWN = new Set(["\\", "*", "_", "~", "`", "|", "<", ">", "[", "]"]);

/** Backslash-escapes Discord markdown (and mention syntax) outside code blocks. */
export const discordEscape: CharEscape = (ch, prev) =>
  MARKDOWN.has(ch) || (prev === undefined && (ch === "#" || ch === "-")) ? `\\${ch}` : ch;

/** Inside ``` fences: no two backticks in a row, so content can't close the fence. */
const discordCodeEscape: CharEscape = (ch, prev) => (ch === "`" && prev === "`" ? ZWSP + "`" : ch);

const FENCE = "```";
const fenceOpen = (lang: string): string => `${FENCE}${lang}\n`;
const FENCE_CLOSE = `\n${FENCE}`;

/**
 * The action id of a pressed button, from its custom_id, and its markers: `confirm` (ask before
 * running it) and `page` (a pagination button: show the result in place of the message).
 */
export function parseDiscordCustomId(customId: string): {
  actionId: string;
  confirm: boolean;
  page: boolean;
} {
  let rest = customId;
  const confirm = rest.startsWith(CONFIRM_PREFIX);
  if (confirm) rest = rest.slice(CONFIRM_PREFIX.length);
  const page = rest.startsWith(PAGE_PREFIX);
  if (page) rest = rest.slice(PAGE_PREFIX.length);
  return { actionId: stripDuplicatePrefix(rest), confirm, page };
}

function overflowNote(total: number, shown: number, partial: boolean, unit: string): string {
  const rest = total - shown - (partial ? 1 : 0);
  if (partial)
    return rest > 0 ? `${ELLIPSIS} (line cut) and ${plural(rest, `more ${unit}`)}` : `${ELLIPSIS} (line cut)`;
  return moreLine(total - shown, unit);
}

interface CodePart {
  /** Raw lines (escaped while packing). */
  lines: string[];
  header: string[];
  lang: string;
  /** Escaped length of the whole part if shown in one description. */
  need: number;
  /** Builds the overflow note, or undefined when all is shown and nothing was shortened. */
  note: (shown: number, partial: boolean) => string | undefined;
}

export function renderDiscord(input: Reply): DiscordMessage {
  // People: tokens of Discord users stay in the text and fields for `people.finish`; the
  // footer (plain text on Discord) and everything else shows them as text.
  const people = prepareMentions(input, "discord", { text: true, fields: true, context: false });
  const reply = people.reply;
  const L = DISCORD_LIMITS;
  const B = DISCORD_BUDGET;
  const buttons = actionButtons(reply);
  const paging = pageButtons(reply);
  const count = occurrenceCounter();
  const encoded = new Map<ActionButton, string>();
  for (const b of [...buttons, ...paging]) {
    const marker = b.confirm ? CONFIRM_PREFIX : paging.includes(b) ? PAGE_PREFIX : "";
    const id = marker + duplicatePrefix(count(b.actionId)) + b.actionId;
    assertActionId(b.actionId, L.customId, "Discord", id);
    encoded.set(b, id);
  }

  const files = new AttachmentList([MESSAGE_FILENAME]);
  let needMessageFile = false;
  const messageNote = ` — full message attached (${MESSAGE_FILENAME})`;
  const contentNotes: string[] = [];
  const color = DISCORD_COLORS[reply.kind ?? "info"];
  let used = 0;

  // Title and footer first: they are short and always shown.
  const main: DiscordEmbed = { color };
  if (reply.title) {
    const t = escapeCut(oneLine(reply.title), L.title, discordEscape);
    if (t.cut) needMessageFile = true;
    main.title = t.text;
    used += t.text.length;
  }
  const page = pageLabel(reply);
  let footer: string | undefined;
  if (reply.context || page) {
    const raw = [reply.context ? sanitizeControl(reply.context) : undefined, page]
      .filter(Boolean)
      .join(" · ");
    footer = cut(raw, B.footer);
    if (footer !== raw) needMessageFile = true;
    used += footer.length;
  }

  // Table and code, measured now so that their minimum shares can be kept.
  const parts: { part: CodePart; key: "table" | "code" }[] = [];
  if (reply.table) {
    const table = reply.table;
    const t = layoutTable(table, { maxCellWidth: B.cellWidth });
    let name: string | undefined;
    const attach = (): string => (name ??= files.add("table.txt", tableText(table)));
    const rows = t.rows.length ? t.rows : ["(no rows)"];
    // A table with shortened cells always carries a note: keep room for it.
    const need =
      fenceOpen("").length +
      [...t.header, ...rows].reduce((n, l) => n + escapeWith(l, discordCodeEscape).length + 1, 0) +
      FENCE_CLOSE.length +
      (t.cellsCut ? B.note + 1 : 0);
    parts.push({
      key: "table",
      part: {
        lines: rows,
        header: t.header,
        lang: "",
        need,
        note: (shown, partial) => {
          if (shown >= rows.length && !t.cellsCut) return undefined;
          const attached = `full table attached (${attach()}, ${plural(table.rows.length, "row")})`;
          return shown < rows.length
            ? `${overflowNote(rows.length, shown, partial, "row")} — ${attached}`
            : `Some cells were shortened — ${attached}`;
        },
      },
    });
  }
  if (reply.code) {
    const code = reply.code;
    const lines = splitLines(code.content);
    const lang = code.language === "diff" || code.language === "json" ? code.language : "";
    let name: string | undefined;
    const attach = (): string => (name ??= files.add(codeFilename(code), code.content));
    const need =
      fenceOpen(lang).length +
      lines.reduce((n, l) => n + escapeWith(l, discordCodeEscape).length + 1, 0) +
      FENCE_CLOSE.length;
    parts.push({
      key: "code",
      part: {
        lines,
        header: [],
        lang,
        need,
        note: (shown, partial) => {
          if (shown >= lines.length)
            return code.attach
              ? `${codeNoun(code)} attached (${attach()}, ${plural(lines.length, "line")})`
              : undefined;
          return (
            `${overflowNote(lines.length, shown, partial, "line")} — full ${codeNoun(code)} attached ` +
            `(${attach()}, ${plural(lines.length, "line")})`
          );
        },
      },
    });
  }
  const minFor = (key: "table" | "code", need: number): number =>
    Math.min(need, key === "table" ? B.minTable : B.minCode);
  const partsReserve = parts.reduce((n, p) => n + minFor(p.key, p.part.need), 0);

  const textLines = reply.text ? splitLines(sanitizeControl(reply.text)) : [];
  const textNeed = textLines.reduce((n, l) => n + escapeWith(l, discordEscape).length + 1, 0);
  const textReserve = Math.min(textNeed, B.minText);

  // Fields get what is left after the minimum shares.
  const fields = reply.fields ?? [];
  if (fields.length) {
    const budget = L.embedTotal - used - textReserve - partsReserve;
    let spent = 0;
    const out: NonNullable<DiscordEmbed["fields"]> = [];
    for (const f of fields) {
      if (out.length >= L.fields) break;
      const name = f.label.trim()
        ? escapeCut(oneLine(f.label), L.fieldName, discordEscape)
        : { text: ZWSP, cut: false };
      const room = Math.min(L.fieldValue, budget - spent - name.text.length);
      if (room < 16) break;
      const value = f.value.trim()
        ? escapeCut(sanitizeControl(f.value), room, discordEscape)
        : { text: ZWSP, cut: false };
      if (name.cut || value.cut) needMessageFile = true;
      out.push({ name: name.text, value: value.text, inline: Boolean(f.inline) });
      spent += name.text.length + value.text.length;
    }
    if (out.length) main.fields = out;
    used += spent;
    if (out.length < fields.length) {
      needMessageFile = true;
      contentNotes.push(moreLine(fields.length - out.length, "field") + messageNote);
    }
  }

  // Text: up to one description, keeping the minimum shares of table and code.
  if (textLines.length) {
    const budget = Math.min(L.description, L.embedTotal - used - partsReserve);
    let packed = packLines(textLines, [budget], discordEscape);
    let desc = packed.chunks[0] ?? "";
    if (packed.shown < textLines.length) {
      packed = packLines(textLines, [budget - B.note], discordEscape);
      needMessageFile = true;
      const n = escapeWith(
        overflowNote(textLines.length, packed.shown, packed.partial, "line") + messageNote,
        discordEscape,
      );
      desc = (packed.chunks[0] ? `${packed.chunks[0]}\n` : "") + n;
    }
    if (desc) {
      main.description = desc;
      used += desc.length;
    }
  }

  const embeds: DiscordEmbed[] = [];
  if (main.title || main.description || main.fields) embeds.push(main);

  // Table and code share what is left; a part that needs less than half leaves the rest to the other.
  let left = L.embedTotal - used;
  parts.forEach(({ part }, idx) => {
    const others = parts.slice(idx + 1);
    const othersNeed = others.reduce(
      (n, o) => n + Math.min(o.part.need, Math.floor(left / (others.length + 1))),
      0,
    );
    const budget = Math.max(0, left - othersNeed);
    const spent = renderPart(part, budget, color, embeds);
    left -= spent;
  });

  if (footer) {
    const last = embeds[embeds.length - 1];
    if (last) last.footer = { text: footer };
    else embeds.push({ color, footer: { text: footer } });
  }

  // Buttons: ≤ 5 rows of ≤ 5; pagination keeps the last row for itself.
  const toButton = (b: ActionButton): DiscordButton => ({
    type: 2,
    style:
      b.style === "primary"
        ? DISCORD_BUTTON_STYLE.primary
        : b.style === "danger"
          ? DISCORD_BUTTON_STYLE.danger
          : DISCORD_BUTTON_STYLE.secondary,
    label: cut(oneLine(b.label).trim() || b.actionId, L.label),
    custom_id: encoded.get(b) ?? b.actionId,
  });
  const components: DiscordActionRow[] = [];
  const rowsForButtons = paging.length ? L.rows - 1 : L.rows;
  const shown = buttons.slice(0, rowsForButtons * L.buttonsPerRow);
  for (let i = 0; i < shown.length; i += L.buttonsPerRow) {
    components.push({ type: 1, components: shown.slice(i, i + L.buttonsPerRow).map(toButton) });
  }
  if (paging.length) components.push({ type: 1, components: paging.map(toButton) });
  if (buttons.length > shown.length) {
    needMessageFile = true;
    contentNotes.push(moreLine(buttons.length - shown.length, "button") + messageNote);
  }
  if (buttons.some((b) => oneLine(b.label).length > L.label)) needMessageFile = true;

  if (needMessageFile) {
    files.add(MESSAGE_FILENAME, renderConsole(reply), { reserved: true });
    const noted = contentNotes.length > 0 || (main.description ?? "").includes(`(${MESSAGE_FILENAME})`);
    if (!noted) contentNotes.push(`Some text was shortened${messageNote}`);
  }

  let content = contentNotes.map((n) => escapeWith(n, discordEscape)).join("\n");
  if (!content && embeds.length === 0 && components.length === 0) content = "(empty reply)";
  for (const e of embeds) {
    if (e.description) e.description = people.finish(e.description);
    for (const f of e.fields ?? []) f.value = people.finish(f.value);
  }
  // Only `content` pings, and only the ids allowed: the people this message notifies.
  if (people.pingLine) content = content ? `${people.pingLine}\n${content}` : people.pingLine;
  const msg: DiscordMessage = {
    content: cut(content, L.content),
    embeds,
    components,
    attachments: files.items,
    allowed_mentions: {
      parse: [],
      ...(people.users.length ? { users: people.users } : {}),
      ...(people.roles.length ? { roles: people.roles } : {}),
    },
  };
  assertDiscordLimits(msg);
  return msg;

  /** Packs a table or code part into embeds within `budget` characters; returns what it spent. */
  function renderPart(part: CodePart, budget: number, c: number, into: DiscordEmbed[]): number {
    const overhead = fenceOpen(part.lang).length + FENCE_CLOSE.length;
    const capacities = (reserve: number): number[] => {
      const caps: number[] = [];
      let rest = budget - reserve;
      while (rest - overhead >= 2 && caps.length < 2) {
        const take = Math.min(L.description - reserve, rest);
        caps.push(take - overhead);
        rest -= take;
      }
      return caps;
    };
    let packed = packLines(part.lines, capacities(0), discordCodeEscape, part.header);
    let note = part.note(packed.shown, packed.partial);
    if (note !== undefined) {
      packed = packLines(part.lines, capacities(B.note), discordCodeEscape, part.header);
      note = part.note(packed.shown, packed.partial);
    }
    const descs = packed.chunks.map((ch) => `${fenceOpen(part.lang)}${ch}${FENCE_CLOSE}`);
    if (note !== undefined) {
      const n = escapeCut(note, B.note, discordEscape).text;
      const lastDesc = descs[descs.length - 1];
      if (lastDesc !== undefined && lastDesc.length + 1 + n.length <= L.description) {
        descs[descs.length - 1] = `${lastDesc}\n${n}`;
      } else descs.push(n);
    }
    let spent = 0;
    for (const d of descs) {
      into.push({ color: c, description: d });
      spent += d.length;
    }
    return spent;
  }
}

// ---------------------------------------------------------------------------
// Limit checker: the final guard (adapters call it before every send)
// ---------------------------------------------------------------------------

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const len = (v: unknown): number => (typeof v === "string" ? v.length : 0);

/** Every way `msg` breaks a Discord limit (empty when it is fine to send). */
export function checkDiscordMessage(msg: {
  content?: string;
  embeds?: unknown[];
  components?: unknown[];
}): string[] {
  const L = DISCORD_LIMITS;
  const errs: string[] = [];
  const max = (where: string, v: unknown, n: number, min = 0): void => {
    if (v === undefined) return;
    if (typeof v !== "string") errs.push(`${where}: not a string`);
    else if (v.length > n || v.length < min) errs.push(`${where}: length ${v.length} not in ${min}..${n}`);
  };
  max("content", msg.content, L.content);
  const embeds = msg.embeds ?? [];
  if (embeds.length > L.embeds) errs.push(`embeds: ${embeds.length} > ${L.embeds}`);
  let total = 0;
  embeds.forEach((e, i) => {
    const at = `embeds[${i}]`;
    if (!isObj(e)) {
      errs.push(`${at}: not an object`);
      return;
    }
    max(`${at}.title`, e.title, L.title);
    max(`${at}.description`, e.description, L.description);
    total += len(e.title) + len(e.description);
    if (e.footer !== undefined) {
      const f = isObj(e.footer) ? e.footer.text : undefined;
      max(`${at}.footer.text`, f, L.footer, 1);
      total += len(f);
    }
    if (e.author !== undefined) {
      const a = isObj(e.author) ? e.author.name : undefined;
      max(`${at}.author.name`, a, L.authorName, 1);
      total += len(a);
    }
    if (e.fields !== undefined) {
      if (!Array.isArray(e.fields)) errs.push(`${at}.fields: not an array`);
      else {
        if (e.fields.length > L.fields) errs.push(`${at}.fields: ${e.fields.length} > ${L.fields}`);
        e.fields.forEach((f, j) => {
          if (!isObj(f)) return void errs.push(`${at}.fields[${j}]: not an object`);
          max(`${at}.fields[${j}].name`, f.name ?? "", L.fieldName, 1);
          max(`${at}.fields[${j}].value`, f.value ?? "", L.fieldValue, 1);
          total += len(f.name) + len(f.value);
        });
      }
    }
  });
  if (total > L.embedTotal) errs.push(`embeds: ${total} characters in all > ${L.embedTotal}`);
  const rows = msg.components ?? [];
  if (rows.length > L.rows) errs.push(`components: ${rows.length} rows > ${L.rows}`);
  const ids = new Set<string>();
  rows.forEach((r, i) => {
    const at = `components[${i}]`;
    if (!isObj(r) || r.type !== 1 || !Array.isArray(r.components))
      return void errs.push(`${at}: not an action row`);
    if (r.components.length < 1 || r.components.length > L.buttonsPerRow) {
      errs.push(`${at}: ${r.components.length} buttons not in 1..${L.buttonsPerRow}`);
    }
    r.components.forEach((b, j) => {
      const w = `${at}.components[${j}]`;
      if (!isObj(b) || b.type !== 2) return void errs.push(`${w}: not a button`);
      max(`${w}.label`, b.label ?? "", L.label, 1);
      max(`${w}.custom_id`, b.custom_id ?? "", L.customId, 1);
      if (![1, 2, 3, 4].includes(b.style as number)) errs.push(`${w}.style: ${String(b.style)}`);
      const id = typeof b.custom_id === "string" ? b.custom_id : "";
      if (ids.has(id)) errs.push(`${w}.custom_id: duplicate "${cut(id, 40)}"`);
      ids.add(id);
    });
  });
  if (!msg.content && embeds.length === 0 && rows.length === 0) errs.push("message: empty");
  return errs;
}

/** Throws a MessageRenderError listing every limit `msg` breaks. */
export function assertDiscordLimits(msg: {
  content?: string;
  embeds?: unknown[];
  components?: unknown[];
}): void {
  const errs = checkDiscordMessage(msg);
  if (errs.length)
    throw new MessageRenderError(`Discord message over its limits: ${errs.slice(0, 10).join("; ")}`);
}

/** Escapes a string for Discord markdown (for adapters composing their own short messages). */
export function discordMarkdownEscape(s: string): string {
  return escapeWith(s, discordEscape);
}

// ---------------------------------------------------------------------------
// Forms: a Reply's form as a modal (interaction response type 9), read back from MODAL_SUBMIT
// ---------------------------------------------------------------------------

export const DISCORD_MODAL_LIMITS = {
  title: 45,
  customId: 100,
  /** Action rows of one text input each. */
  inputs: 5,
  label: 45,
  placeholder: 100,
  value: 4000,
} as const;

/** Prefix of a modal's custom_id: "form|<action id>" (the submit runs that action). */
export const FORM_PREFIX = "form|";

export interface DiscordTextInput {
  type: 4;
  custom_id: string;
  /** 1: one line, 2: a paragraph. */
  style: 1 | 2;
  label: string;
  required: boolean;
  value?: string;
  placeholder?: string;
  max_length?: number;
}

export interface DiscordModal {
  custom_id: string;
  title: string;
  components: { type: 1; components: [DiscordTextInput] }[];
}

/**
 * The modal of a form. Refused with a MessageRenderError when Discord cannot hold it (more than
 * five fields, a value over 4,000 characters, an action id too long for the custom_id): the
 * caller then answers without the form.
 */
export function renderDiscordModal(form: Form): DiscordModal {
  const L = DISCORD_MODAL_LIMITS;
  const customId = FORM_PREFIX + form.action;
  if (customId.length > L.customId)
    throw new MessageRenderError(`Discord modal: custom_id of ${customId.length} characters`);
  if (!form.fields.length || form.fields.length > L.inputs)
    throw new MessageRenderError(`Discord modal: ${form.fields.length} fields`);
  return {
    custom_id: customId,
    title: cut(oneLine(form.title).trim() || "peerbot", L.title),
    components: form.fields.map((f) => {
      const value = f.value ?? "";
      if (value.length > L.value)
        throw new MessageRenderError(`Discord modal: ${f.name} holds ${value.length} characters`);
      const input: DiscordTextInput = {
        type: 4,
        custom_id: f.name,
        style: f.kind === "text" ? 2 : 1,
        label: cut(oneLine(f.label).trim() || f.name, L.label),
        required: Boolean(f.required),
        max_length: Math.max(1, Math.min(f.maxLength ?? L.value, L.value)),
        ...(value ? { value: f.kind === "line" ? oneLine(value) : value } : {}),
        ...(f.placeholder ? { placeholder: cut(oneLine(f.placeholder), L.placeholder) } : {}),
      };
      return { type: 1 as const, components: [input] as [DiscordTextInput] };
    }),
  };
}

/**
 * The values of a MODAL_SUBMIT by field name: text inputs in action rows, or inside label
 * components (type 18, whose `component` holds the input).
 */
export function discordFormValues(components: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (c: unknown): void => {
    if (typeof c !== "object" || c === null) return;
    const o = c as {
      type?: unknown;
      custom_id?: unknown;
      value?: unknown;
      components?: unknown;
      component?: unknown;
    };
    if (o.type === 4 && typeof o.custom_id === "string")
      out[o.custom_id] = typeof o.value === "string" ? o.value : "";
    if (Array.isArray(o.components)) o.components.forEach(visit);
    if (o.component) visit(o.component);
  };
  if (Array.isArray(components)) components.forEach(visit);
  return out;
}
