// Reply -> Slack Block Kit message. Pure; honours Slack's published limits and checks itself
// with `checkSlackMessage` (adapters call `assertSlackLimits` again before sending).
//
// Layout, top to bottom:
//   header        title (with an emoji for warning/error/success)
//   section*      text, mrkdwn, split over sections of at most 3,000 characters
//   section*      fields: consecutive inline fields share a section (at most 10 per section),
//                 a field that is not inline gets a section of its own
//   section*      table as monospace code (``` fenced), column titles repeated in every section
//   section*      code block, ``` fenced, split over sections
//   context       one per overflowing part: "… and N more rows — full table attached (table.txt, N rows)"
//   divider       before the footer when there is a table or code
//   context       reply.context and "page 2/5"
//   actions*      buttons, at most 25 per block
//   actions       pagination: « Prev / Next »
//
// Overflow: every part has a fixed share of the 50 blocks (at most 35 blocks in all), so no
// reply can exceed the block limit. What does not fit is cut with a visible "… and N more"
// context line and attached: a table to `table.txt`, a code block to `diff.txt` (or its
// filename), anything else (long text, fields, buttons, long titles) to `message.txt`, the
// whole reply as console text. Attachments are for the adapter to upload (files.uploadV2);
// note that they are NOT Slack's legacy `attachments` parameter of chat.postMessage.
//
// Escaping: every mrkdwn text (text, fields, table, code, context) has `&`, `<`, `>` escaped
// and `verbatim: true`, so user or PeeringDB text can't mention (`<!here>`, `<@U1>`), link or
// be auto-parsed. Slack has no escape for `*`, `_`, `~`; those may show as formatting (cosmetic).
// The only mentions are of the reply's own people (Reply.mentions, ../mentions.ts): their tokens
// become `<@U…>` after escaping, and those to notify (a requester, the approver group's
// `<!subteam^S…>`) lead the message in a section of their own and in the notification text.
// `link_names` is never set, so Slack links no `@name` of its own accord.
// Inside code fences a run of backticks is broken with zero-width spaces so that content can't
// close the fence. plain_text objects (header, buttons, confirm) are shown literally by Slack and
// are not escaped.
//
// Buttons: `action_id` is the reply's action id (refused with a MessageRenderError when longer than
// 255 characters, never truncated); a repeated id in the same message gets a "~2|" prefix to stay
// unique. `value` always carries the canonical action id: read it back with `slackActionId`.
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

export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  actionsElements: 25,
  buttonText: 75,
  actionId: 255,
  buttonValue: 2000,
  headerText: 150,
  contextElements: 10,
  contextText: 3000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  blockId: 255,
  /** Our own cap on the notification fallback `text` (Slack truncates past 4,000). */
  fallbackText: 3000,
} as const;

/**
 * How many blocks each part of a reply may take. With the header, one note per part, the
 * divider, the context and the pagination that is at most 35 blocks, within the 50-block limit.
 */
export const SLACK_BUDGET = {
  textSections: 5,
  fieldBlocks: 8,
  tableSections: 4,
  codeSections: 4,
  actionsBlocks: 4,
  /** Table cells longer than this (display columns) are shortened, the full table attached. */
  cellWidth: 60,
} as const;

export interface SlackPlainText {
  type: "plain_text";
  text: string;
  emoji?: boolean;
}
export interface SlackMrkdwn {
  type: "mrkdwn";
  text: string;
  verbatim?: boolean;
}
export type SlackText = SlackPlainText | SlackMrkdwn;

export interface SlackConfirm {
  title: SlackPlainText;
  text: SlackPlainText;
  confirm: SlackPlainText;
  deny: SlackPlainText;
  style?: "primary" | "danger";
}

export interface SlackButton {
  type: "button";
  text: SlackPlainText;
  action_id: string;
  value: string;
  style?: "primary" | "danger";
  confirm?: SlackConfirm;
}

export type SlackBlock =
  | { type: "header"; text: SlackPlainText }
  | { type: "section"; text?: SlackText; fields?: SlackText[] }
  | { type: "context"; elements: SlackText[] }
  | { type: "actions"; block_id?: string; elements: SlackButton[] }
  | { type: "divider" };

export interface SlackMessage {
  blocks: SlackBlock[];
  /** Notification fallback (mrkdwn, escaped). */
  text: string;
  /** Files to upload next to the message (not Slack's legacy attachments). */
  attachments: Attachment[];
}

const KIND_EMOJI: Record<string, string> = {
  error: ":x:",
  warning: ":warning:",
  success: ":white_check_mark:",
};

const ZWSP = "\u200b";

/** Escapes Slack's control characters `&`, `<`, `>`. */
export const slackEscape: CharEscape = (ch) =>
  ch === "&" ? "&amp;" : ch === "<" ? "&lt;" : ch === ">" ? "&gt;" : ch;

/** Inside ``` fences: as `slackEscape`, and no two backticks in a row (so content can't close the fence). */
const slackCodeEscape: CharEscape = (ch, prev) =>
  ch === "`" && prev === "`" ? ZWSP + "`" : slackEscape(ch, prev);

const FENCE = "```";
const FENCED_CAPACITY = SLACK_LIMITS.sectionText - (FENCE.length + 1) * 2;

const mrkdwn = (text: string): SlackMrkdwn => ({ type: "mrkdwn", text, verbatim: true });
const plain = (text: string): SlackPlainText => ({ type: "plain_text", text, emoji: true });

/** Turns the people tokens left in mrkdwn texts into mentions (plain_text has none left). */
function finishMentions(blocks: SlackBlock[], finish: (s: string) => string): void {
  const fix = (t: SlackText) => {
    if (t.type === "mrkdwn") t.text = finish(t.text);
  };
  for (const b of blocks) {
    if (b.type === "section") {
      if (b.text) fix(b.text);
      b.fields?.forEach(fix);
    } else if (b.type === "context") b.elements.forEach(fix);
  }
}

/** The canonical action id of a pressed Slack button (from its `value`, else its `action_id`). */
export function slackActionId(action: { action_id?: string; value?: string }): string {
  if (action.value) return action.value;
  return stripDuplicatePrefix(action.action_id ?? "");
}

function overflowNote(total: number, shown: number, partial: boolean, unit: string): string {
  const rest = total - shown - (partial ? 1 : 0);
  if (partial)
    return rest > 0 ? `${ELLIPSIS} (line cut) and ${plural(rest, `more ${unit}`)}` : `${ELLIPSIS} (line cut)`;
  return moreLine(total - shown, unit);
}

export function renderSlack(input: Reply): SlackMessage {
  // People: tokens of Slack users stay for `finishMentions` (after escaping); others are text.
  const people = prepareMentions(input, "slack", { text: true, fields: true, context: true });
  const reply = people.reply;
  const buttons = actionButtons(reply);
  const paging = pageButtons(reply);
  const count = occurrenceCounter();
  const encoded = new Map<ActionButton, string>();
  // Refuse bad action ids before building anything.
  for (const b of [...buttons, ...paging]) {
    const id = duplicatePrefix(count(b.actionId)) + b.actionId;
    assertActionId(b.actionId, SLACK_LIMITS.actionId, "Slack", id);
    encoded.set(b, id);
  }

  const files = new AttachmentList([MESSAGE_FILENAME]);
  let needMessageFile = false;
  const messageNote = ` — full message attached (${MESSAGE_FILENAME})`;
  const blocks: SlackBlock[] = [];
  let messageNoted = false;
  const note = (text: string): void => {
    if (text.endsWith(messageNote)) messageNoted = true;
    blocks.push({
      type: "context",
      elements: [mrkdwn(escapeCut(text, SLACK_LIMITS.contextText, slackEscape).text)],
    });
  };
  const emoji = KIND_EMOJI[reply.kind ?? "info"];

  if (reply.title) {
    const title = (emoji ? `${emoji} ` : "") + oneLine(reply.title);
    const text = cut(title, SLACK_LIMITS.headerText);
    if (text !== title) needMessageFile = true;
    blocks.push({ type: "header", text: plain(text) });
  }

  if (reply.text) {
    const lines = splitLines((emoji && !reply.title ? `${emoji} ` : "") + sanitizeControl(reply.text));
    const capacities = Array<number>(SLACK_BUDGET.textSections).fill(SLACK_LIMITS.sectionText);
    const packed = packLines(lines, capacities, slackEscape);
    for (const chunk of packed.chunks) blocks.push({ type: "section", text: mrkdwn(chunk) });
    if (packed.shown < lines.length) {
      needMessageFile = true;
      note(overflowNote(lines.length, packed.shown, packed.partial, "line") + messageNote);
    }
  }

  const fields = reply.fields ?? [];
  if (fields.length) {
    let i = 0;
    let used = 0;
    const fieldText = (f: { label: string; value: string }, max: number): string => {
      const label = f.label ? escapeCut(oneLine(f.label), 200, slackEscape) : undefined;
      const head = label ? `*${label.text}*\n` : "";
      const value = escapeCut(sanitizeControl(f.value) || "–", max - head.length, slackEscape);
      if (label?.cut || value.cut) needMessageFile = true;
      return head + value.text;
    };
    while (i < fields.length && used < SLACK_BUDGET.fieldBlocks) {
      const f = fields[i]!;
      if (f.inline) {
        const group: SlackText[] = [];
        while (i < fields.length && fields[i]!.inline && group.length < SLACK_LIMITS.sectionFields) {
          group.push(mrkdwn(fieldText(fields[i]!, SLACK_LIMITS.fieldText)));
          i++;
        }
        blocks.push({ type: "section", fields: group });
      } else {
        blocks.push({ type: "section", text: mrkdwn(fieldText(f, SLACK_LIMITS.sectionText)) });
        i++;
      }
      used++;
    }
    if (i < fields.length) {
      needMessageFile = true;
      note(moreLine(fields.length - i, "field") + messageNote);
    }
  }

  if (reply.table) {
    const t = layoutTable(reply.table, { maxCellWidth: SLACK_BUDGET.cellWidth });
    const rows = t.rows.length ? t.rows : ["(no rows)"];
    const capacities = Array<number>(SLACK_BUDGET.tableSections).fill(FENCED_CAPACITY);
    const packed = packLines(rows, capacities, slackCodeEscape, t.header);
    for (const chunk of packed.chunks) {
      blocks.push({ type: "section", text: mrkdwn(`${FENCE}\n${chunk}\n${FENCE}`) });
    }
    const total = reply.table.rows.length;
    if (packed.shown < rows.length || t.cellsCut) {
      const name = files.add("table.txt", tableText(reply.table));
      const attached = `full table attached (${name}, ${plural(total, "row")})`;
      note(
        packed.shown < rows.length
          ? `${overflowNote(rows.length, packed.shown, packed.partial, "row")} — ${attached}`
          : `Some cells were shortened — ${attached}`,
      );
    }
  }

  if (reply.code) {
    const lines = splitLines(reply.code.content);
    const capacities = Array<number>(SLACK_BUDGET.codeSections).fill(FENCED_CAPACITY);
    const packed = packLines(lines, capacities, slackCodeEscape);
    for (const chunk of packed.chunks) {
      blocks.push({ type: "section", text: mrkdwn(`${FENCE}\n${chunk}\n${FENCE}`) });
    }
    if (packed.shown < lines.length) {
      const name = files.add(codeFilename(reply.code), reply.code.content);
      note(
        `${overflowNote(lines.length, packed.shown, packed.partial, "line")} — full ${codeNoun(reply.code)} ` +
          `attached (${name}, ${plural(lines.length, "line")})`,
      );
    } else if (reply.code.attach) {
      const name = files.add(codeFilename(reply.code), reply.code.content);
      note(`${codeNoun(reply.code)} attached (${name}, ${plural(lines.length, "line")})`);
    }
  }

  const page = pageLabel(reply);
  const hasFooter = Boolean(reply.context || page || buttons.length || paging.length);
  if (hasFooter && (reply.table || reply.code)) blocks.push({ type: "divider" });

  if (reply.context || page) {
    const elements: SlackText[] = [];
    if (reply.context) {
      const c = escapeCut(sanitizeControl(reply.context), SLACK_LIMITS.contextText, slackEscape);
      if (c.cut) needMessageFile = true;
      elements.push(mrkdwn(c.text));
    }
    if (page) elements.push(mrkdwn(page));
    blocks.push({ type: "context", elements });
  }

  const toButton = (b: ActionButton): SlackButton => {
    const label = oneLine(b.label).trim() || b.actionId;
    const el: SlackButton = {
      type: "button",
      text: plain(cut(label, SLACK_LIMITS.buttonText)),
      action_id: encoded.get(b) ?? b.actionId,
      value: b.actionId,
    };
    if (b.style === "primary" || b.style === "danger") el.style = b.style;
    if (b.confirm) {
      const c = b.confirm;
      el.confirm = {
        title: plain(cut(oneLine(c.title).trim() || "Are you sure?", SLACK_LIMITS.confirmTitle)),
        text: plain(cut(sanitizeControl(c.text).trim() || "Are you sure?", SLACK_LIMITS.confirmText)),
        confirm: plain(cut(oneLine(c.confirm ?? "").trim() || "Confirm", SLACK_LIMITS.confirmButton)),
        deny: plain(cut(oneLine(c.deny ?? "").trim() || "Cancel", SLACK_LIMITS.confirmButton)),
        style: b.style === "danger" ? "danger" : "primary",
      };
      if (c.text.length > SLACK_LIMITS.confirmText || c.title.length > SLACK_LIMITS.confirmTitle) {
        needMessageFile = true;
      }
    }
    if (label.length > SLACK_LIMITS.buttonText) needMessageFile = true;
    return el;
  };

  const maxButtons = SLACK_BUDGET.actionsBlocks * SLACK_LIMITS.actionsElements;
  const shownButtons = buttons.slice(0, maxButtons);
  for (let i = 0; i < shownButtons.length; i += SLACK_LIMITS.actionsElements) {
    blocks.push({
      type: "actions",
      elements: shownButtons.slice(i, i + SLACK_LIMITS.actionsElements).map(toButton),
    });
  }
  if (buttons.length > shownButtons.length) {
    needMessageFile = true;
    note(moreLine(buttons.length - shownButtons.length, "button") + messageNote);
  }
  if (needMessageFile && !messageNoted) note(`Some text was shortened${messageNote}`);
  if (paging.length) blocks.push({ type: "actions", block_id: "pagination", elements: paging.map(toButton) });

  if (needMessageFile) files.add(MESSAGE_FILENAME, renderConsole(reply), { reserved: true });

  const fallbackRaw =
    (reply.title && oneLine(reply.title)) ||
    (reply.text && splitLines(sanitizeControl(reply.text))[0]) ||
    (reply.context && oneLine(reply.context)) ||
    "peerbot";
  const text = escapeCut(fallbackRaw, SLACK_LIMITS.fallbackText, slackEscape).text || "peerbot";

  finishMentions(blocks, people.finish);
  // Those to notify whom the message does not mention already lead it (and its notification).
  const shown = JSON.stringify(blocks);
  const ping = people.pings.filter((p) => !shown.includes(p)).join(" ");
  if (ping) blocks.splice(blocks[0]?.type === "header" ? 1 : 0, 0, { type: "section", text: mrkdwn(ping) });
  const fallback = people.finish(text);
  const missing = people.pings.filter((p) => !fallback.includes(p)).join(" ");
  const msg: SlackMessage = {
    blocks,
    text: missing ? `${missing} ${fallback}` : fallback,
    attachments: files.items,
  };
  assertSlackLimits(msg);
  return msg;
}

// ---------------------------------------------------------------------------
// Limit checker: the final guard (adapters call it before every send)
// ---------------------------------------------------------------------------

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** Every way `msg` breaks a Slack limit (empty when it is fine to send). */
export function checkSlackMessage(msg: { blocks: unknown[]; text?: string }): string[] {
  const errs: string[] = [];
  const L = SLACK_LIMITS;
  const textObj = (where: string, t: unknown, max: number, plainOnly = false): void => {
    if (!isObj(t) || (t.type !== "plain_text" && t.type !== "mrkdwn")) {
      errs.push(`${where}: not a text object`);
      return;
    }
    if (plainOnly && t.type !== "plain_text") errs.push(`${where}: must be plain_text`);
    const s = str(t.text) ?? "";
    if (s.length < 1) errs.push(`${where}: empty text`);
    if (s.length > max) errs.push(`${where}: ${s.length} > ${max} characters`);
  };
  if (msg.text !== undefined && msg.text.length > 40_000) errs.push(`text: ${msg.text.length} > 40000`);
  if (!Array.isArray(msg.blocks)) return ["blocks: not an array"];
  if (msg.blocks.length > L.blocks) errs.push(`blocks: ${msg.blocks.length} > ${L.blocks}`);
  const actionIds = new Set<string>();
  msg.blocks.forEach((b, i) => {
    const at = `blocks[${i}]`;
    if (!isObj(b)) {
      errs.push(`${at}: not an object`);
      return;
    }
    const blockId = str(b.block_id);
    if (blockId !== undefined && blockId.length > L.blockId) errs.push(`${at}.block_id: too long`);
    switch (b.type) {
      case "header":
        textObj(`${at}.text`, b.text, L.headerText, true);
        break;
      case "divider":
        break;
      case "section": {
        if (b.text === undefined && b.fields === undefined)
          errs.push(`${at}: section without text or fields`);
        if (b.text !== undefined) textObj(`${at}.text`, b.text, L.sectionText);
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields)) errs.push(`${at}.fields: not an array`);
          else {
            if (b.fields.length > L.sectionFields)
              errs.push(`${at}.fields: ${b.fields.length} > ${L.sectionFields}`);
            b.fields.forEach((f, j) => textObj(`${at}.fields[${j}]`, f, L.fieldText));
          }
        }
        break;
      }
      case "context": {
        if (!Array.isArray(b.elements) || b.elements.length === 0) errs.push(`${at}.elements: empty`);
        else {
          if (b.elements.length > L.contextElements) {
            errs.push(`${at}.elements: ${b.elements.length} > ${L.contextElements}`);
          }
          b.elements.forEach((e, j) => textObj(`${at}.elements[${j}]`, e, L.contextText));
        }
        break;
      }
      case "actions": {
        if (!Array.isArray(b.elements) || b.elements.length === 0) {
          errs.push(`${at}.elements: empty`);
          break;
        }
        if (b.elements.length > L.actionsElements) {
          errs.push(`${at}.elements: ${b.elements.length} > ${L.actionsElements}`);
        }
        b.elements.forEach((e, j) => {
          const w = `${at}.elements[${j}]`;
          if (!isObj(e) || e.type !== "button") {
            errs.push(`${w}: not a button`);
            return;
          }
          textObj(`${w}.text`, e.text, L.buttonText, true);
          const id = str(e.action_id) ?? "";
          if (id.length < 1 || id.length > L.actionId) errs.push(`${w}.action_id: length ${id.length}`);
          if (actionIds.has(id)) errs.push(`${w}.action_id: duplicate "${cut(id, 40)}"`);
          actionIds.add(id);
          const value = str(e.value);
          if (value !== undefined && value.length > L.buttonValue) errs.push(`${w}.value: too long`);
          if (e.style !== undefined && e.style !== "primary" && e.style !== "danger") errs.push(`${w}.style`);
          if (e.confirm !== undefined) {
            const c = e.confirm;
            if (!isObj(c)) errs.push(`${w}.confirm: not an object`);
            else {
              textObj(`${w}.confirm.title`, c.title, L.confirmTitle, true);
              textObj(`${w}.confirm.text`, c.text, L.confirmText, true);
              textObj(`${w}.confirm.confirm`, c.confirm, L.confirmButton, true);
              textObj(`${w}.confirm.deny`, c.deny, L.confirmButton, true);
            }
          }
        });
        break;
      }
      default:
        errs.push(`${at}: unexpected block type ${String(b.type)}`);
    }
  });
  return errs;
}

/** Throws a MessageRenderError listing every limit `msg` breaks. */
export function assertSlackLimits(msg: { blocks: unknown[]; text?: string }): void {
  const errs = checkSlackMessage(msg);
  if (errs.length)
    throw new MessageRenderError(`Slack message over its limits: ${errs.slice(0, 10).join("; ")}`);
}

// ---------------------------------------------------------------------------
// Forms: a Reply's form as a modal view (views.open), read back from view_submission
// ---------------------------------------------------------------------------

export const SLACK_MODAL_LIMITS = {
  title: 24,
  submit: 24,
  close: 24,
  privateMetadata: 3000,
  callbackId: 255,
  inputLabel: 2000,
  placeholder: 150,
  /** A plain_text_input holds at most this many characters. */
  inputLength: 3000,
  blocks: 100,
} as const;

/** The callback_id of every peerbot modal (app.view listens for it). */
export const SLACK_FORM_CALLBACK = "peerbot.form";

export interface SlackInputBlock {
  type: "input";
  block_id: string;
  label: SlackPlainText;
  optional: boolean;
  element: {
    type: "plain_text_input";
    action_id: string;
    multiline: boolean;
    initial_value?: string;
    placeholder?: SlackPlainText;
    max_length?: number;
  };
}

export interface SlackModalView {
  type: "modal";
  callback_id: string;
  title: SlackPlainText;
  submit: SlackPlainText;
  close: SlackPlainText;
  private_metadata: string;
  blocks: (SlackInputBlock | { type: "section"; text: SlackMrkdwn })[];
}

/** The action_id of every input: the block_id (the field's name) tells them apart. */
export const SLACK_INPUT_ACTION = "value";

/**
 * The modal of a form. `privateMetadata` comes back with the submission (the action and where
 * the form was opened). Refused with a MessageRenderError when a value is longer than a Slack
 * input holds, or the metadata too long: the caller then answers without the form.
 */
export function renderSlackModal(form: Form, privateMetadata: string): SlackModalView {
  const L = SLACK_MODAL_LIMITS;
  if (privateMetadata.length > L.privateMetadata)
    throw new MessageRenderError(`Slack modal: private_metadata of ${privateMetadata.length} characters`);
  if (!form.fields.length) throw new MessageRenderError("Slack modal: a form without fields");
  const blocks: SlackModalView["blocks"] = [];
  if (form.intro) {
    blocks.push({
      type: "section",
      text: mrkdwn(escapeCut(sanitizeControl(form.intro), SLACK_LIMITS.sectionText, slackEscape).text),
    });
  }
  for (const f of form.fields) {
    const value = f.value ?? "";
    if (value.length > L.inputLength)
      throw new MessageRenderError(`Slack modal: ${f.name} holds ${value.length} characters`);
    const max = Math.min(f.maxLength ?? L.inputLength, L.inputLength);
    blocks.push({
      type: "input",
      block_id: f.name,
      label: plain(cut(oneLine(f.label).trim() || f.name, L.inputLabel)),
      optional: !f.required,
      element: {
        type: "plain_text_input",
        action_id: SLACK_INPUT_ACTION,
        multiline: f.kind === "text",
        ...(value ? { initial_value: f.kind === "line" ? oneLine(value) : value } : {}),
        ...(f.placeholder ? { placeholder: plain(cut(oneLine(f.placeholder), L.placeholder)) } : {}),
        max_length: Math.max(1, max),
      },
    });
  }
  return {
    type: "modal",
    callback_id: SLACK_FORM_CALLBACK,
    title: plain(cut(oneLine(form.title).trim() || "peerbot", L.title)),
    submit: plain(cut(oneLine(form.submitLabel ?? "").trim() || "Submit", L.submit)),
    close: plain("Cancel"),
    private_metadata: privateMetadata,
    blocks,
  };
}

/** The values of a view_submission by field name (an input left empty is ""). */
export function slackFormValues(state: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const values = (state as { values?: unknown } | undefined)?.values;
  if (typeof values !== "object" || values === null) return out;
  for (const [block, actions] of Object.entries(values as Record<string, unknown>)) {
    const input = (actions as Record<string, { value?: unknown } | undefined> | null)?.[SLACK_INPUT_ACTION];
    if (input) out[block] = typeof input.value === "string" ? input.value : "";
  }
  return out;
}
