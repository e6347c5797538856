// What one import did, per type of object, and every thing it could not map, in one sentence
// each; format() writes it for a terminal.
import { plural } from "../../text.js";

export const FAMILIES = [
  ["as", "autonomous systems"],
  ["ixp", "IXPs"],
  ["router", "routers"],
  ["connection", "connections"],
  ["group", "BGP groups"],
  ["policy", "routing policies"],
  ["community", "communities"],
  ["ixp-session", "IXP sessions"],
  ["direct-session", "direct sessions"],
  ["contact", "contacts"],
  ["email-template", "e-mail templates"],
] as const;

export type Family = (typeof FAMILIES)[number][0];

export interface Counts {
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
}

export class ImportSummary {
  readonly counts = Object.fromEntries(
    FAMILIES.map(([f]) => [f, { created: 0, updated: 0, unchanged: 0, skipped: 0 }]),
  ) as Record<Family, Counts>;
  /** One sentence per thing not brought in, or brought in differently. */
  readonly notes: string[] = [];
  /** Objects that were already in peerbot under the same natural key, and are now keyed to Peering Manager. */
  readonly adopted: string[] = [];
  /** Routers whose credentials an admin must set (peerbot never copies Peering Manager's). */
  readonly credentials: string[] = [];
  /** Files written (or, in a dry run, that would be). */
  readonly files: string[] = [];
  version: string | null = null;
  host = "";
  requests = 0;
  dryRun = false;

  note(sentence: string): void {
    this.notes.push(sentence);
  }

  get changed(): number {
    return Object.values(this.counts).reduce((n, c) => n + c.created + c.updated, 0);
  }

  get total(): number {
    return Object.values(this.counts).reduce((n, c) => n + c.created + c.updated + c.unchanged, 0);
  }
}

/** The summary as lines for a terminal. */
export function formatSummary(s: ImportSummary): string {
  const lines: string[] = [];
  const version = s.version ? `Peering Manager ${s.version}` : "Peering Manager";
  lines.push(
    `${s.dryRun ? "Dry run: " : ""}${version} at ${s.host}, read in ${plural(s.requests, "request")}.`,
  );
  const head = ["", "created", "updated", "unchanged", "skipped"];
  const rows = FAMILIES.map(([f, label]) => {
    const c = s.counts[f];
    return [label, String(c.created), String(c.updated), String(c.unchanged), String(c.skipped)];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) =>
    r
      .map((v, i) => (i === 0 ? v.padEnd(widths[0]!) : v.padStart(widths[i]!)))
      .join("  ")
      .trimEnd();
  lines.push("", fmt(head), ...rows.map(fmt));
  if (s.adopted.length)
    lines.push(
      "",
      `Already in peerbot, now keyed to Peering Manager (${s.adopted.length}): ${s.adopted.slice(0, 20).join(", ")}${s.adopted.length > 20 ? ", …" : ""}.`,
    );
  if (s.files.length)
    lines.push("", `${s.dryRun ? "Would write" : "Wrote"} e-mail template overrides: ${s.files.join(", ")}.`);
  if (s.notes.length)
    lines.push("", "Not brought in, or brought in differently:", ...s.notes.map((n) => `- ${n}`));
  if (s.credentials.length) {
    lines.push(
      "",
      "Peering Manager's router credentials are not copied; set each router's before peerbot can reach it:",
      ...s.credentials.map(
        (r) => `  peerbot secret set router ${r}    (or in chat: router set ${r} credential env:<VAR>)`,
      ),
    );
  }
  lines.push("");
  if (s.dryRun)
    lines.push(`Dry run: nothing was changed (${plural(s.changed, "object")} would be created or updated).`);
  else if (s.changed === 0)
    lines.push(`Nothing to change: peerbot already has everything (${plural(s.total, "object")} unchanged).`);
  else {
    const created = Object.values(s.counts).reduce((n, c) => n + c.created, 0);
    const updated = Object.values(s.counts).reduce((n, c) => n + c.updated, 0);
    lines.push(
      `Imported: ${created} created, ${updated} updated; \`history\` shows each change (via peering-manager).`,
    );
  }
  return lines.join("\n");
}
