// Reply -> plain text for a terminal. No colours, no size limit: the whole reply is shown
// (tables in full, code raw). Control characters other than newline and tab are shown as
// `\xNN` so that nothing from PeeringDB or a router can drive the terminal. People (Reply.mentions)
// are shown as "name (platform id)": a terminal notifies nobody.
import type { Button, Form, FormField, Reply } from "../../core/reply.js";
import { prepareMentions } from "../mentions.js";
import {
  actionButtons,
  oneLine,
  pageButtons,
  pageLabel,
  sanitizeControl,
  tableText,
} from "../render-util.js";

/** A button as the console numbers it: `click 1` or `click <actionId>` presses it. */
export interface ConsoleChoice {
  /** 1-based number shown as `[n]`. */
  n: number;
  label: string;
  actionId: string;
  confirm?: Button["confirm"];
}

/** The reply's buttons and then its pagination buttons, numbered as `renderConsole` shows them. */
export function consoleChoices(reply: Reply): ConsoleChoice[] {
  const all = [...actionButtons(reply), ...pageButtons(reply)];
  return all.map((b, i) => ({
    n: i + 1,
    label: b.label,
    actionId: b.actionId,
    ...(b.confirm ? { confirm: b.confirm } : {}),
  }));
}

const KIND_PREFIX: Record<string, string> = { error: "Error: ", warning: "Warning: " };

export function renderConsole(input: Reply): string {
  // People are "name (platform id)" on a terminal (and in the message.txt platforms attach).
  const reply = prepareMentions(input, "console").reply;
  const blocks: string[] = [];
  const prefix = KIND_PREFIX[reply.kind ?? "info"] ?? "";

  const head: string[] = [];
  if (reply.title) head.push(prefix + sanitizeControl(reply.title));
  if (reply.text) head.push((reply.title ? "" : prefix) + sanitizeControl(reply.text).replace(/\n+$/, ""));
  if (head.length) blocks.push(head.join("\n"));

  if (reply.fields?.length) {
    blocks.push(
      reply.fields
        .map((f) => {
          const label = sanitizeControl(f.label);
          const indent = " ".repeat(label.length + 2);
          return `${label}: ${sanitizeControl(f.value).replace(/\n/g, `\n${indent}`)}`;
        })
        .join("\n"),
    );
  }

  if (reply.table) {
    blocks.push(reply.table.rows.length ? tableText(reply.table) : `${tableText(reply.table)}\n(no rows)`);
  }

  if (reply.code) blocks.push(sanitizeControl(reply.code.content).replace(/\n+$/, ""));

  if (reply.context) blocks.push(sanitizeControl(reply.context));

  const choices = consoleChoices(reply);
  const page = pageLabel(reply);
  if (page || choices.length) {
    const lines = page ? [page] : [];
    for (const c of choices) {
      const confirm = c.confirm ? `  (asks: ${oneLine(c.confirm.text)})` : "";
      lines.push(`  [${c.n}] ${oneLine(c.label)}  (${oneLine(c.actionId)})${confirm}`);
    }
    blocks.push(lines.join("\n"));
  }

  return blocks.join("\n\n");
}

// ---------------------------------------------------------------------------
// Forms: the console asks for each field on a line of its own (console.ts runs the questions)
// ---------------------------------------------------------------------------

/** A line that stops a form in the console, whatever field it is asking for. */
export const FORM_CANCEL = "/cancel";

/** The head of a form: its title, its intro and how to answer. */
export function renderConsoleForm(form: Form): string {
  const lines = [`${sanitizeControl(oneLine(form.title))} (a form)`];
  if (form.intro) lines.push(sanitizeControl(form.intro));
  lines.push(`Answer each question below; a line "${FORM_CANCEL}" stops without changing anything.`);
  return lines.join("\n");
}

/** The question of one field, with its current value and how to keep or clear it. */
export function renderConsoleField(field: FormField): string {
  const label = sanitizeControl(oneLine(field.label));
  const max = field.maxLength !== undefined ? `, at most ${field.maxLength} characters` : "";
  if (field.kind === "text") {
    const keep = field.value ? `; "." alone keeps it as it is` : "";
    const now = field.value ? `\n${indent(sanitizeControl(field.value))}` : "";
    return `${label}${now ? " is now:" : ""}${now}\n${label}: several lines${max}, ended by a line holding only "."${keep}:`;
  }
  if (field.value)
    return `${label} [${sanitizeControl(oneLine(field.value))}] (an empty line keeps it, "-" clears it${max}):`;
  return field.required
    ? `${label}${max ? ` (${max.slice(2)})` : ""}:`
    : `${label} (an empty line leaves it empty${max}):`;
}

const indent = (s: string) =>
  s
    .split("\n")
    .map((l) => `  | ${l}`)
    .join("\n");
