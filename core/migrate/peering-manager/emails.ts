// E-mail templates: a Peering Manager template whose name or subject says what it is for (a
// peering request, sessions configured, a maintenance notice) becomes the override of that
// peerbot template, <templates dir>/email/<name>.txt.hbs, when its Jinja2 converts (jinja.ts).
// A file already there is never overwritten: it may have been edited since.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { singleLine } from "../../text.js";
import { jinjaToHandlebars } from "./jinja.js";
import { listOf } from "./links.js";
import { byId } from "./run.js";
import type { PmEmail, PmList } from "./source.js";
import type { ImportSummary } from "./summary.js";

const KINDS: { name: string; test: RegExp }[] = [
  { name: "maintenance", test: /maintenance|planned work/i },
  { name: "sessions-configured", test: /configured|established|set ?up|activated|are up|done/i },
  { name: "peering-request", test: /request|peering with|new network|let'?s peer|proposal/i },
];

export interface TemplateWrite {
  file: string;
  content: string;
}

/** What the import would write (nothing is written here), with the summary's counts and sentences. */
export function planEmailTemplates(
  list: PmList<PmEmail>,
  dir: string,
  host: string,
  summary: ImportSummary,
): TemplateWrite[] {
  const counts = summary.counts["email-template"];
  const writes: TemplateWrite[] = [];
  const taken = new Set<string>();
  const unmatched: string[] = [];
  for (const e of byId(list)) {
    const label = JSON.stringify(singleLine(e.name, 60));
    const kind = KINDS.find((k) => k.test.test(e.name) || k.test.test(e.subject))?.name;
    if (!kind) {
      counts.skipped++;
      unmatched.push(label);
      continue;
    }
    if (taken.has(kind)) {
      counts.skipped++;
      summary.note(
        `The e-mail template ${label} is a second ${kind} template; only the first one became the override.`,
      );
      continue;
    }
    const body = jinjaToHandlebars(e.template);
    const subject = jinjaToHandlebars(e.subject, body.ok ? body.aliases : undefined);
    if (!subject.ok || !body.ok) {
      counts.skipped++;
      summary.note(
        `The e-mail template ${label} was not brought in: ${!body.ok ? body.why : !subject.ok ? subject.why : ""} has no Handlebars counterpart peerbot can be sure of (write templates/email/${kind}.txt.hbs by hand; templates/email/README.md has the fields).`,
      );
      continue;
    }
    const line = subject.text.replace(/[\r\n]+/g, " ").trim();
    if (!line) {
      counts.skipped++;
      summary.note(`The e-mail template ${label} has no subject, so it was not brought in.`);
      continue;
    }
    taken.add(kind);
    const content = [
      "---",
      `# Imported from Peering Manager at ${host}, e-mail template ${label} (#${e.id}). Review it before sending.`,
      `subject: ${line}`,
      "---",
      body.text.replace(/^\n+/, ""),
    ].join("\n");
    const file = path.join(dir, "email", `${kind}.txt.hbs`);
    if (existsSync(file)) {
      if (readFileSync(file, "utf8") === content) counts.unchanged++;
      else {
        counts.skipped++;
        summary.note(
          `The e-mail template ${label} was not written: ${file} already exists and differs (it is never overwritten; remove it to import it again).`,
        );
      }
      continue;
    }
    counts.created++;
    writes.push({ file, content });
    summary.files.push(file);
  }
  if (unmatched.length)
    summary.note(
      `${listOf(unmatched)} ${unmatched.length === 1 ? "is an e-mail template" : "are e-mail templates"} with no peerbot counterpart (peerbot sends peering requests, sessions-configured notes and maintenance notices), so ${unmatched.length === 1 ? "it was" : "they were"} not brought in.`,
    );
  return writes;
}

/** Writes the planned files (each through a temporary file, so none is ever half written). */
export function writeEmailTemplates(writes: TemplateWrite[]): void {
  for (const w of writes) {
    mkdirSync(path.dirname(w.file), { recursive: true });
    const tmp = `${w.file}.tmp-${process.pid}`;
    writeFileSync(tmp, w.content, { mode: 0o644 });
    renameSync(tmp, w.file);
  }
}
