// Reply -> plain text for a terminal. No colours, no size limit: the whole reply is shown
// (tables in full, code raw). Control characters other than newline and tab are shown as
// `\xNN` so that nothing from PeeringDB or a router can drive the terminal.
import type { Button, Reply } from "../../core/reply.js";
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

export function renderConsole(reply: Reply): string {
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
