// A plan as text, like `terraform plan`: one line per object (+ create, ~ update, - delete), the
// fields an update changes beneath it, what the file lacks and is kept, warnings, and counts.
import { clip } from "../text.js";
import { KIND_NAMES, KINDS, kindCount, type Kind } from "./model.js";
import type { Op, Plan } from "./plan.js";

const SIGN: Record<Op["action"], string> = { create: "+", update: "~", delete: "-" };

/** A value in a plan line: text quoted, lists in brackets, everything on one clipped line. */
export function showValue(v: unknown): string {
  if (v === null || v === undefined) return "none";
  if (Array.isArray(v)) return clip(`[${v.map((x) => String(x)).join(", ")}]`, 120);
  if (typeof v === "string") return clip(JSON.stringify(v), 120);
  return clip(String(v), 120);
}

/** "sync_name" is written `sync: { name }` in the file. */
const fieldName = (f: string) => f.replace(/^sync_/, "sync.");

export function counts(ops: Op[], action: Op["action"]): string {
  const per = new Map<Kind, number>();
  for (const o of ops) if (o.action === action) per.set(o.kind, (per.get(o.kind) ?? 0) + 1);
  return KINDS.filter((k) => per.has(k))
    .map((k) => kindCount(k, per.get(k)!))
    .join(", ");
}

export interface FormatOptions {
  /** At most this many kept objects are named per kind (the rest are counted). */
  keptNames?: number;
}

export function formatPlan(plan: Plan, filename: string, opts: FormatOptions = {}): string {
  const lines: string[] = [];
  const n = (a: Op["action"]) => plan.ops.filter((o) => o.action === a).length;
  if (plan.ops.length) {
    lines.push(`Plan for ${filename}:`, "");
    for (const o of plan.ops) {
      const note = o.note ? ` (${clip(o.note, 80)})` : "";
      lines.push(`  ${SIGN[o.action]} ${clip(o.label, 160)}${note}`);
      for (const c of o.changes)
        lines.push(`      ${fieldName(c.field)}: ${showValue(c.from)} -> ${showValue(c.to)}`);
    }
    lines.push("");
  }
  if (plan.kept.length) {
    const max = opts.keptNames ?? 10;
    const per = new Map<Kind, string[]>();
    for (const k of plan.kept) per.set(k.kind, [...(per.get(k.kind) ?? []), k.label]);
    lines.push("Not in the file, kept (--prune deletes them):");
    for (const kind of KINDS) {
      const labels = per.get(kind);
      if (!labels) continue;
      const shown = [...labels]
        .sort((a, b) => a.localeCompare(b, "en", { numeric: true }))
        .slice(0, max)
        .map((l) => clip(l, 100));
      const more = labels.length > max ? `, and ${labels.length - max} more` : "";
      lines.push(`  ${kindCount(kind, labels.length)}: ${shown.join("; ")}${more}`);
    }
    lines.push("");
  }
  if (plan.untouched.length && plan.ops.length + plan.kept.length > 0)
    lines.push(`Not looked at (the file has no such section): ${plan.untouched.join(", ")}.`, "");
  if (plan.warnings.length) {
    lines.push("Warnings:");
    for (const w of plan.warnings.slice(0, 50)) lines.push(`  ${clip(w, 300)}`);
    if (plan.warnings.length > 50) lines.push(`  … and ${plan.warnings.length - 50} more.`);
    lines.push("");
  }
  if (!plan.ops.length) lines.push(`No changes: the database matches ${filename}.`);
  else {
    lines.push(`Plan: ${n("create")} to create, ${n("update")} to update, ${n("delete")} to delete.`);
    for (const a of ["create", "update", "delete"] as const) {
      const c = counts(plan.ops, a);
      if (c) lines.push(`  ${a}: ${c}`);
    }
  }
  return lines.join("\n") + "\n";
}

/** "3 policies, 1 AS" of a count per kind. */
export function summary(per: Partial<Record<Kind, number>>): string {
  return KINDS.filter((k) => per[k])
    .map((k) => kindCount(k, per[k]!))
    .join(", ");
}

export { KIND_NAMES };
