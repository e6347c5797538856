// Reading an inventory file: YAML (with a line counter, so that every error names its line),
// then the zod schema. Errors read "inventory.yaml:42: routers[3].platform: expected one of
// junos, iosxr, eos, bird2, frr, file", one per problem, in file order.
import { levenshtein } from "../text.js";
import { isMap, isNode, LineCounter, parseDocument, type Document, type Node } from "yaml";
import type { z } from "zod";
import { inventoryFileSchema, type InventoryFile } from "./schema.js";

export type Path = (string | number)[];

/** Where a refusal points: the line of a path in the file. */
export interface Located {
  /** Finds the line of `path` (or of the nearest thing above it that the file has). */
  lineOf(path: Path): number;
  /** "inventory.yaml:42: routers[3].platform: <message>". */
  error(path: Path, message: string): string;
}

export type ParseResult = ({ ok: true; file: InventoryFile } & Located) | { ok: false; errors: string[] };

/** Larger files are refused before they are parsed. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

/** "routers[3].platform". */
export function pathText(path: Path): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${p}` : p;
  return out;
}

/** The fields an object at `path` may have, for "did you mean": read off the schema. */
function knownKeys(schema: z.ZodType, path: Path): string[] {
  let s: unknown = schema;
  const unwrap = (x: unknown): unknown => {
    for (let i = 0; i < 6; i++) {
      const def = (x as { def?: { type?: string; innerType?: unknown; element?: unknown } }).def;
      if (def?.type === "optional" || def?.type === "nullable") x = def.innerType;
      else break;
    }
    return x;
  };
  for (const p of path) {
    s = unwrap(s);
    const def = (s as { def?: { type?: string; element?: unknown; shape?: Record<string, unknown> } }).def;
    if (typeof p === "number" && def?.type === "array") s = def.element;
    else if (typeof p === "string" && def?.type === "object") s = def.shape?.[p];
    else return [];
  }
  s = unwrap(s);
  const shape = (s as { def?: { type?: string; shape?: Record<string, unknown> } }).def;
  return shape?.type === "object" ? Object.keys(shape.shape ?? {}) : [];
}

function suggestion(key: string, known: string[]): string {
  const k = key.toLowerCase();
  const best = known
    .map((c) => ({ c, d: levenshtein(k, c) }))
    .filter((x) => x.d <= Math.max(1, Math.floor(x.c.length / 3)))
    .sort((a, b) => a.d - b.d)[0];
  return best
    ? ` (did you mean ${best.c}?)`
    : known.length
      ? `; the fields here are ${known.join(", ")}`
      : "";
}

function locator(filename: string, doc: Document, lines: LineCounter): Located {
  const lineOf = (path: Path): number => {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return lines.linePos((node as Node).range![0]).line;
    }
    return 1;
  };
  return {
    lineOf,
    error: (path, message) =>
      `${filename}:${lineOf(path)}: ${path.length ? `${pathText(path)}: ` : ""}${message}`,
  };
}

/** Where an unknown key is: the line of the key itself. */
function keyLine(doc: Document, lines: LineCounter, path: Path, key: string): number | null {
  const map = path.length ? doc.getIn(path, true) : doc.contents;
  if (!isMap(map)) return null;
  for (const pair of map.items) {
    const k = pair.key;
    if (isNode(k) && (k as unknown as { value?: unknown }).value === key && k.range)
      return lines.linePos(k.range[0]).line;
  }
  return null;
}

/** Parses and validates `text`; `filename` names the file in every error. */
export function parseInventory(text: string, filename: string): ParseResult {
  if (Buffer.byteLength(text) > MAX_FILE_BYTES)
    return {
      ok: false,
      errors: [`${filename}: the file is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB.`],
    };
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
  });
  if (doc.errors.length) {
    return {
      ok: false,
      errors: doc.errors.slice(0, 20).map((e) => {
        const at = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
        // The parser's own description (never the source line: it may hold anything).
        const message = e.message.split(" at line ")[0]!.split("\n")[0]!;
        return `${filename}:${at.line}: ${message}`;
      }),
    };
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    // Aliases that expand past the limit ("billion laughs"), and the like.
    return { ok: false, errors: [`${filename}: ${(err as Error).message.split("\n")[0]}`] };
  }
  const loc = locator(filename, doc, lines);
  if (raw === null || raw === undefined) return { ok: true, file: {}, ...loc };
  if (typeof raw !== "object" || Array.isArray(raw))
    return {
      ok: false,
      errors: [`${filename}:1: expected a map of sections (policies, autonomous_systems, routers, …)`],
    };
  const r = inventoryFileSchema.safeParse(raw);
  if (r.success) return { ok: true, file: r.data, ...loc };
  const found: { line: number; text: string }[] = [];
  for (const issue of r.error.issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    if (issue.code === "unrecognized_keys") {
      const known = knownKeys(inventoryFileSchema, path);
      for (const key of issue.keys) {
        const line = keyLine(doc, lines, path, key) ?? loc.lineOf(path);
        const where = pathText([...path, key]);
        found.push({ line, text: `${filename}:${line}: ${where}: unknown field${suggestion(key, known)}` });
      }
      continue;
    }
    const line = loc.lineOf(path);
    found.push({
      line,
      text: `${filename}:${line}: ${path.length ? `${pathText(path)}: ` : ""}${issueText(issue)}`,
    });
  }
  found.sort((a, b) => a.line - b.line);
  return { ok: false, errors: found.slice(0, 50).map((f) => f.text) };
}

/** A zod issue as a person reads it, without the value it refused. */
function issueText(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type") {
    const what: Record<string, string> = {
      array: "a list (lines starting with -)",
      object: "a map of fields",
      string: "text",
      number: "a number",
      boolean: "true or false",
    };
    return `expected ${what[issue.expected] ?? issue.expected}`;
  }
  return issue.message;
}
