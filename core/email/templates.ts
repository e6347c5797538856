// E-mail templates: Handlebars files in templates/email/, one set per kind of message:
//   <name>.txt.hbs    front matter with the subject, then the plain-text body (required)
//   <name>.html.hbs   the HTML body (optional)
//   partials/<p>.txt.hbs, partials/<p>.html.hbs   partials `{{> p}}` of the text or HTML parts
// A folder named by PEERBOT_TEMPLATES_DIR overrides them with the same layout under email/:
// <dir>/email/<name>.txt.hbs replaces the bundled text part and subject, and then the HTML
// part is <dir>/email/<name>.html.hbs or none (so the two parts never tell different
// stories); an override folder with only <name>.html.hbs replaces the HTML part alone.
// Partials of the override folder replace (or add to) the bundled ones.
//
// The text part and the subject are compiled with `noEscape` (plain text is not HTML), the
// HTML part escapes every value and may not use `{{{ }}}` or `{{& }}`. Both are strict: a
// misspelt field, an unknown helper or partial is an error naming the file and its line,
// raised as a UserError before anything is sent. Compiled templates are cached and re-read
// when a file changes.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import Handlebars from "handlebars";
import { UserError } from "../errors.js";
import { fromRoot, projectRoot } from "../paths.js";
import { utc } from "../text.js";
import { headerText, MAX_SUBJECT } from "./address.js";

export const EMAIL_TEMPLATE_NAMES = ["peering-request", "sessions-configured", "maintenance"] as const;
export type EmailTemplateName = (typeof EMAIL_TEMPLATE_NAMES)[number];

export const BUNDLED_EMAIL_DIR = fromRoot("templates", "email");

export interface RenderedEmail {
  subject: string;
  text: string;
  html?: string;
}

export interface EmailTemplate {
  name: EmailTemplateName;
  /** What the journal records: "peering-request", or "override/peering-request" when any part is an override. */
  label: string;
  textFile: string;
  htmlFile?: string;
  render(context: unknown): RenderedEmail;
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

type Options = Handlebars.HelperOptions;
const isOptions = (x: unknown): x is Options =>
  typeof x === "object" && x !== null && "hash" in x && "data" in x;
const positional = (all: unknown[]) =>
  all.length && isOptions(all[all.length - 1]) ? all.slice(0, -1) : all;

function asDate(v: unknown): Date | null {
  if (v instanceof Date) return v;
  if (typeof v === "string" || typeof v === "number") {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  return null;
}

const HELPERS: Record<string, (...args: unknown[]) => unknown> = {
  eq: (...a) => {
    const [x, y] = positional(a);
    return x === y;
  },
  ne: (...a) => {
    const [x, y] = positional(a);
    return x !== y;
  },
  and: (...a) => positional(a).every(Boolean),
  or: (...a) => positional(a).some(Boolean),
  not: (...a) => !positional(a)[0],
  /** `{{join list ", "}}`: a list's items joined (", " by default). */
  join: (...a) => {
    const [list, sep] = positional(a);
    return Array.isArray(list) ? list.join(typeof sep === "string" ? sep : ", ") : "";
  },
  /** `{{plural count "session"}}` -> "1 session", "2 sessions"; a third argument is the plural. */
  plural: (...a) => {
    const [n, word, many] = positional(a);
    const count = Array.isArray(n) ? n.length : Number(n);
    const w = String(word ?? "");
    return `${count} ${count === 1 ? w : typeof many === "string" ? many : `${w}s`}`;
  },
  /** `{{utc date}}` -> "2026-12-01 21:58 UTC". */
  utc: (...a) => {
    const d = asDate(positional(a)[0]);
    return d ? utc(d) : "";
  },
  /** `{{iso date}}` -> "2026-12-01T21:58:00.000Z". */
  iso: (...a) => {
    const d = asDate(positional(a)[0]);
    return d ? d.toISOString() : "";
  },
  /** `{{default value "fallback"}}`: the value, or the fallback when it is empty. */
  default: (...a) => {
    const [v, f] = positional(a);
    return v === undefined || v === null || v === "" || (Array.isArray(v) && !v.length) ? f : v;
  },
  /** `{{pad text 20}}`: the text padded with spaces to a width (for plain-text columns). */
  pad: (...a) => {
    const [v, w] = positional(a);
    const s = v === undefined || v === null ? "" : String(v);
    return s.padEnd(Math.max(0, Math.min(200, Number(w) || 0)));
  },
};

const BUILTIN_HELPERS = [
  "if",
  "unless",
  "each",
  "with",
  "lookup",
  "log",
  "blockHelperMissing",
  "helperMissing",
];
export const EMAIL_HELPER_NAMES = Object.keys(HELPERS);
const KNOWN = new Set([...BUILTIN_HELPERS, ...EMAIL_HELPER_NAMES]);

const compileOptions = (html: boolean): CompileOptions => ({
  noEscape: !html,
  strict: true,
  knownHelpers: Object.fromEntries(EMAIL_HELPER_NAMES.map((n) => [n, true])),
  knownHelpersOnly: true,
});

// ---------------------------------------------------------------------------
// Errors: one sentence naming the file and the line
// ---------------------------------------------------------------------------

function shownPath(file: string): string {
  const rel = path.relative(projectRoot, file);
  return rel.startsWith("..") || path.isAbsolute(rel) ? file : rel;
}

/** Handlebars' message, cleaned: no position suffix, no "[object Object]", one line. */
function cleanMessage(err: unknown): { message: string; line?: number } {
  const raw = err instanceof Error ? err.message : String(err);
  let line: number | undefined;
  const e = err as { lineNumber?: unknown };
  if (typeof e?.lineNumber === "number") line = e.lineNumber;
  const parse = /^Parse error on line (\d+):/.exec(raw);
  if (parse) {
    line = Number(parse[1]);
    const lines = raw.split("\n");
    const expecting = lines[lines.length - 1] ?? "";
    const got = /got '([^']+)'/.exec(expecting)?.[1];
    return {
      message: `syntax error${got ? ` (unexpected ${got.toLowerCase().replace(/_/g, " ")})` : ""}`,
      line,
    };
  }
  let message = raw
    .split("\n")[0]!
    .replace(/ - \d+:\d+$/, "")
    .replace(/ not defined in \[object Object\]$/, " is not defined")
    .replace(/ not defined in .*$/, " is not defined")
    .replace(/^You specified knownHelpersOnly, but used the unknown helper (\S+)$/, "unknown helper $1");
  const pos = / - (\d+):\d+$/.exec(raw.split("\n")[0]!);
  if (line === undefined && pos) line = Number(pos[1]);
  message = message.replace(/\.$/, "");
  return { message: headerText(message, 160), line };
}

/** A template that does not compile or render: the same for every message made from it. */
export class EmailTemplateError extends UserError {}

export function templateError(
  file: string,
  err: unknown,
  lineOffset = 0,
  bundled = false,
): EmailTemplateError {
  const { message, line } = cleanMessage(err);
  const at = line !== undefined ? ` on line ${line + lineOffset}` : "";
  return new EmailTemplateError(
    `The e-mail template ${shownPath(file)} has an error${at}: ${message}.`,
    bundled
      ? "Fix the template file; nothing was sent."
      : "Fix the file, or remove it to use the bundled template; nothing was sent.",
  );
}

/** An error already tagged with the file it comes from (raised inside a partial). */
class TaggedError extends Error {
  constructor(readonly user: EmailTemplateError) {
    super(user.message);
  }
}

// ---------------------------------------------------------------------------
// Checks of a parsed template: unknown helpers and partials, raw output in HTML
// ---------------------------------------------------------------------------

interface AstNode {
  type: string;
  loc?: { start: { line: number } };
  [k: string]: unknown;
}

function walk(node: unknown, visit: (n: AstNode) => void): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, visit);
    return;
  }
  if (!node || typeof node !== "object") return;
  const n = node as AstNode;
  if (typeof n.type !== "string") return;
  visit(n);
  for (const k of ["body", "program", "inverse", "params", "path", "hash", "pairs", "value", "name"])
    if (k in n) walk(n[k], visit);
}

class CheckError extends Error {
  constructor(
    message: string,
    readonly lineNumber: number | undefined,
  ) {
    super(message);
  }
}

function check(ast: unknown, html: boolean, partials: ReadonlySet<string>): void {
  walk(ast, (n) => {
    const line = n.loc?.start.line;
    if (n.type === "MustacheStatement" || n.type === "BlockStatement" || n.type === "SubExpression") {
      const p = n.path as { type?: string; original?: unknown; parts?: unknown[]; data?: boolean };
      const params = (n.params as unknown[] | undefined) ?? [];
      const hash = n.hash as { pairs?: unknown[] } | undefined;
      const isCall = params.length > 0 || (hash?.pairs?.length ?? 0) > 0 || n.type === "SubExpression";
      if (isCall && p?.type === "PathExpression" && !KNOWN.has(String(p.original)))
        throw new CheckError(`unknown helper ${String(p.original)}`, line);
      if (html && n.type === "MustacheStatement" && n.escaped === false)
        throw new CheckError(
          "{{{ }}} and {{& }} are not allowed in an HTML template (values must be escaped)",
          line,
        );
    }
    if (n.type === "PartialStatement" || n.type === "PartialBlockStatement") {
      const name = n.name as { type?: string; original?: unknown };
      if (name?.type === "PathExpression" && !partials.has(String(name.original)))
        throw new CheckError(`there is no partial ${String(name.original)}`, line);
    }
    if (n.type === "DecoratorBlock" || n.type === "Decorator")
      throw new CheckError("decorators are not allowed", line);
  });
}

// ---------------------------------------------------------------------------
// Front matter
// ---------------------------------------------------------------------------

interface Parsed {
  subject: string;
  subjectLine: number;
  body: string;
  /** Lines before the body (the front matter). */
  bodyOffset: number;
}

function frontMatter(file: string, source: string, bundled: boolean): Parsed {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const fail = (line: number, message: string) =>
    templateError(file, new CheckError(message, line), 0, bundled);
  if (lines[0]?.trim() !== "---")
    throw fail(1, "it must start with a front matter block (--- subject: … ---)");
  let subject: string | null = null;
  let subjectLine = 0;
  let end = -1;
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i] ?? "";
    if (l.trim() === "---") {
      end = i;
      break;
    }
    if (!l.trim() || l.trim().startsWith("#")) continue;
    const m = /^([A-Za-z][A-Za-z0-9_-]*)\s*:\s?(.*)$/.exec(l);
    if (!m) throw fail(i + 1, "a front matter line must be `key: value`");
    const key = m[1]!.toLowerCase();
    if (key !== "subject") throw fail(i + 1, `unknown front matter key ${m[1]} (only subject)`);
    let v = (m[2] ?? "").trim();
    const q = /^(["'])(.*)\1$/.exec(v);
    if (q) v = q[2] ?? "";
    subject = v;
    subjectLine = i + 1;
  }
  if (end < 0) throw fail(lines.length, "the front matter block is not closed with ---");
  if (subject === null || !subject.trim()) throw fail(end + 1, "the front matter has no subject");
  return { subject, subjectLine, body: lines.slice(end + 1).join("\n"), bodyOffset: end + 1 };
}

// ---------------------------------------------------------------------------
// Loading, with a cache keyed by the files' signatures
// ---------------------------------------------------------------------------

function signature(file: string): string | null {
  try {
    const st = statSync(file);
    return st.isFile() ? `${st.mtimeMs}:${st.size}` : null;
  } catch {
    return null;
  }
}

function listPartials(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => /\.(txt|html)\.hbs$/.test(f))
      .sort();
  } catch {
    return [];
  }
}

interface Environments {
  sig: string;
  text: typeof Handlebars;
  html: typeof Handlebars;
  textPartials: Set<string>;
  htmlPartials: Set<string>;
  templates: Map<string, EmailTemplate>;
}

const cache = new Map<string, Environments>();

const PARTIAL_NAME = /^([A-Za-z0-9][A-Za-z0-9_-]{0,63})\.(txt|html)\.hbs$/;

function partialFiles(overrideDir: string | null): Map<string, { file: string; bundled: boolean }> {
  const out = new Map<string, { file: string; bundled: boolean }>();
  const dirs = [{ dir: path.join(BUNDLED_EMAIL_DIR, "partials"), bundled: true }];
  if (overrideDir) dirs.push({ dir: path.join(overrideDir, "email", "partials"), bundled: false });
  for (const { dir, bundled } of dirs)
    for (const f of listPartials(dir))
      if (PARTIAL_NAME.test(f)) out.set(f, { file: path.join(dir, f), bundled });
  return out;
}

function templateFiles(name: EmailTemplateName, overrideDir: string | null) {
  const bundledText = path.join(BUNDLED_EMAIL_DIR, `${name}.txt.hbs`);
  const bundledHtml = path.join(BUNDLED_EMAIL_DIR, `${name}.html.hbs`);
  const oText = overrideDir ? path.join(overrideDir, "email", `${name}.txt.hbs`) : null;
  const oHtml = overrideDir ? path.join(overrideDir, "email", `${name}.html.hbs`) : null;
  return { bundledText, bundledHtml, oText, oHtml };
}

function environments(overrideDir: string | null): Environments {
  const partials = partialFiles(overrideDir);
  const sigParts: string[] = [];
  for (const [k, v] of partials) sigParts.push(`${k}=${v.file}:${signature(v.file)}`);
  for (const name of EMAIL_TEMPLATE_NAMES) {
    const f = templateFiles(name, overrideDir);
    for (const file of [f.bundledText, f.bundledHtml, f.oText, f.oHtml])
      if (file) sigParts.push(`${file}:${signature(file)}`);
  }
  const sig = sigParts.join("|");
  const key = overrideDir ?? "";
  const have = cache.get(key);
  if (have && have.sig === sig) return have;

  const make = () => {
    const hb = Handlebars.create();
    for (const [n, fn] of Object.entries(HELPERS)) hb.registerHelper(n, fn as Handlebars.HelperDelegate);
    return hb;
  };
  const env: Environments = {
    sig,
    text: make(),
    html: make(),
    textPartials: new Set(),
    htmlPartials: new Set(),
    templates: new Map(),
  };
  for (const f of partials.keys()) {
    const m = PARTIAL_NAME.exec(f)!;
    (m[2] === "html" ? env.htmlPartials : env.textPartials).add(m[1]!);
  }
  for (const [f, { file, bundled }] of partials) {
    const m = PARTIAL_NAME.exec(f)!;
    const html = m[2] === "html";
    const hb = html ? env.html : env.text;
    const fn = compileFile(
      hb,
      file,
      readFileSync(file, "utf8"),
      html,
      html ? env.htmlPartials : env.textPartials,
      0,
      bundled,
    );
    hb.registerPartial(m[1]!, ((ctx: unknown, opts?: Handlebars.RuntimeOptions) => {
      try {
        return fn(ctx, opts);
      } catch (err) {
        if (err instanceof TaggedError) throw err;
        throw new TaggedError(templateError(file, err, 0, bundled));
      }
    }) as Handlebars.TemplateDelegate);
  }
  cache.set(key, env);
  return env;
}

function compileFile(
  hb: typeof Handlebars,
  file: string,
  source: string,
  html: boolean,
  partials: ReadonlySet<string>,
  lineOffset: number,
  bundled: boolean,
): Handlebars.TemplateDelegate {
  try {
    const ast = hb.parse(source);
    check(ast, html, partials);
    return hb.compile(source, compileOptions(html));
  } catch (err) {
    throw templateError(file, err, lineOffset, bundled);
  }
}

/** Blank lines at the ends dropped, trailing spaces dropped, runs of blank lines made one, one final newline. */
function tidyText(s: string): string {
  const clean = s
    .replace(/\r\n?/g, "\n")
    // Control characters other than tab and newline have no place in a plain-text body.
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "")
    .replace(/[ \t]+$/gm, "")
    .replace(/\n{3,}/g, "\n\n")
    .replace(/^\n+/, "")
    .replace(/\n+$/, "");
  return clean ? `${clean}\n` : "";
}

function run(
  fn: Handlebars.TemplateDelegate,
  ctx: unknown,
  file: string,
  lineOffset: number,
  bundled: boolean,
): string {
  try {
    return fn(ctx);
  } catch (err) {
    if (err instanceof TaggedError) throw err.user;
    throw templateError(file, err, lineOffset, bundled);
  }
}

/**
 * The template `name`, from the override folder when it has one (`overrideDir` is the
 * PEERBOT_TEMPLATES_DIR folder, or null). Throws UserError when it does not compile.
 */
export function loadEmailTemplate(name: EmailTemplateName, overrideDir: string | null): EmailTemplate {
  const env = environments(overrideDir);
  const have = env.templates.get(name);
  if (have) return have;
  const f = templateFiles(name, overrideDir);
  const textOverride = !!(f.oText && signature(f.oText));
  const textFile = textOverride ? f.oText! : f.bundledText;
  let htmlFile: string | undefined;
  if (f.oHtml && signature(f.oHtml)) htmlFile = f.oHtml;
  else if (!textOverride && signature(f.bundledHtml)) htmlFile = f.bundledHtml;
  const textBundled = !textOverride;
  const htmlBundled = htmlFile === f.bundledHtml;
  if (!signature(textFile))
    throw new EmailTemplateError(
      `The e-mail template ${shownPath(textFile)} is missing.`,
      "Reinstall peerbot's templates.",
    );

  const fm = frontMatter(textFile, readFileSync(textFile, "utf8"), textBundled);
  const subjectFn = compileFile(
    env.text,
    textFile,
    fm.subject,
    false,
    env.textPartials,
    fm.subjectLine - 1,
    textBundled,
  );
  const textFn = compileFile(
    env.text,
    textFile,
    fm.body,
    false,
    env.textPartials,
    fm.bodyOffset,
    textBundled,
  );
  const htmlFn = htmlFile
    ? compileFile(env.html, htmlFile, readFileSync(htmlFile, "utf8"), true, env.htmlPartials, 0, htmlBundled)
    : null;
  const label = textOverride || (htmlFile && !htmlBundled) ? `override/${name}` : name;
  const template: EmailTemplate = {
    name,
    label,
    textFile,
    htmlFile,
    render(ctx) {
      const subject = headerText(run(subjectFn, ctx, textFile, fm.subjectLine - 1, textBundled), MAX_SUBJECT);
      if (!subject)
        throw new EmailTemplateError(
          `The e-mail template ${shownPath(textFile)} made an empty subject (line ${fm.subjectLine}).`,
          "Fix its subject line; nothing was sent.",
        );
      const text = tidyText(run(textFn, ctx, textFile, fm.bodyOffset, textBundled));
      if (!text.trim())
        throw new EmailTemplateError(
          `The e-mail template ${shownPath(textFile)} made an empty body.`,
          "Fix the template; nothing was sent.",
        );
      const html = htmlFn ? run(htmlFn, ctx, htmlFile!, 0, htmlBundled).trim() : "";
      return html ? { subject, text, html: `${html}\n` } : { subject, text };
    },
  };
  env.templates.set(name, template);
  return template;
}

/** The override folder: PEERBOT_TEMPLATES_DIR resolved, or null. */
export function overrideDirOf(setting: string | undefined): string | null {
  return setting && setting.trim() ? path.resolve(setting.trim()) : null;
}
