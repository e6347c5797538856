// Router configuration rendering: one Handlebars template per platform under
// templates/router/, partials under templates/router/partials/. A directory named by
// PEERBOT_TEMPLATES_DIR (or opts.templatesDir) overrides them with the same layout:
// <dir>/router/<name>.hbs replaces a template, <dir>/router/partials/<name>.hbs a partial
// (or adds one), and a router whose `template` field names a file found only there uses it.
//
// Templates are compiled without HTML escaping (a router configuration is not HTML) and in
// strict mode (a misspelt field is an error, not an empty string): safety comes from the
// context, whose every string is already escaped for the dialect, and from a structural
// check of the output (balanced braces, terminated strings, no control characters).
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Handlebars from "handlebars";
import { SecretBox } from "../crypto.js";
import type { Database } from "../db.js";
import { buildRenderContext, loadRenderRows, type LoadOptions, type RenderContext } from "./context.js";
import { checkStructure, isPlatformDialect, RenderError, safeText, type Dialect } from "./escape.js";
import { HELPER_NAMES, registerHelpers } from "./helpers.js";

export interface RenderOptions extends LoadOptions {
  /** Override directory (same layout as templates/); default PEERBOT_TEMPLATES_DIR; null for none. */
  templatesDir?: string | null;
}

export interface RenderResult {
  config: string;
  /** SHA-256 (hex) of `config`. */
  sha256: string;
  /** Template name used, and the file it came from. */
  template: string;
  templateFile: string;
  dialect: Dialect;
  sessions: number;
  warnings: string[];
}

const COMPILE_OPTIONS = {
  noEscape: true,
  strict: true,
  // Only these helpers exist: a plain {{name}} is a field, never a helper looked up at run time.
  knownHelpers: Object.fromEntries(HELPER_NAMES.map((n) => [n, true])),
  knownHelpersOnly: true,
};
const TEMPLATE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function builtinDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ["../../templates/router", "../../../templates/router"]) {
    const d = path.resolve(here, up);
    if (existsSync(d)) return d;
  }
  return path.resolve(here, "../../templates/router");
}

const BUILTIN_DIR = builtinDir();

export function builtinTemplatesDir(): string {
  return BUILTIN_DIR;
}

interface Compiled {
  sig: string;
  fn: HandlebarsTemplateDelegate;
}

interface Environment {
  hb: typeof Handlebars;
  partialSigs: Map<string, string>;
  templates: Map<string, Compiled>;
}

const environments = new Map<string, Environment>();

function signature(file: string): string | null {
  try {
    const st = statSync(file);
    return st.isFile() ? `${st.mtimeMs}:${st.size}` : null;
  } catch {
    return null;
  }
}

function listHbs(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith(".hbs"))
      .sort();
  } catch {
    return [];
  }
}

function compile(hb: typeof Handlebars, file: string): HandlebarsTemplateDelegate {
  const source = readFileSync(file, "utf8");
  try {
    // Parse now so that syntax errors surface here, with the file name (compile is lazy).
    hb.parse(source);
    return hb.compile(source, COMPILE_OPTIONS);
  } catch (err) {
    throw new RenderError(`the template ${path.basename(file)} does not compile: ${(err as Error).message}`);
  }
}

function environment(dialect: Dialect, overrideDir: string | null): Environment {
  const key = `${dialect}\0${overrideDir ?? ""}`;
  let env = environments.get(key);
  if (!env) {
    const hb = Handlebars.create();
    registerHelpers(hb, dialect);
    env = { hb, partialSigs: new Map(), templates: new Map() };
    environments.set(key, env);
  }
  // Partials: built-in ones, then the override directory's (same name wins).
  const partials = new Map<string, string>();
  for (const dir of [
    path.join(BUILTIN_DIR, "partials"),
    overrideDir ? path.join(overrideDir, "router", "partials") : null,
  ]) {
    if (!dir) continue;
    for (const f of listHbs(dir)) partials.set(f.slice(0, -4), path.join(dir, f));
  }
  for (const [name, file] of partials) {
    const sig = `${file}:${signature(file)}`;
    if (env.partialSigs.get(name) === sig) continue;
    env.hb.registerPartial(name, compile(env.hb, file));
    env.partialSigs.set(name, sig);
  }
  for (const name of [...env.partialSigs.keys()]) {
    if (!partials.has(name)) {
      env.hb.unregisterPartial(name);
      env.partialSigs.delete(name);
    }
  }
  return env;
}

function templateFile(name: string, overrideDir: string | null): string {
  if (!TEMPLATE_NAME.test(name) || name.includes(".."))
    throw new RenderError(`${JSON.stringify(safeText(name, "generic", 40))} is not a valid template name`);
  const candidates = [
    overrideDir ? path.join(overrideDir, "router", `${name}.hbs`) : null,
    path.join(BUILTIN_DIR, `${name}.hbs`),
  ];
  for (const c of candidates) if (c && signature(c)) return c;
  throw new RenderError(`there is no router template called ${name}`);
}

/** The template a router uses: its own `template` field, else its platform's. */
export function templateNameFor(router: { name: string; platform: string; template: string }): string {
  if (router.template.trim()) return router.template.trim();
  if (isPlatformDialect(router.platform)) return router.platform;
  throw new RenderError(
    `the router ${safeText(router.name, "generic", 40)} uses the ${router.platform} platform: set its template ` +
      `(junos, iosxr, eos, bird2, frr or a template of your own)`,
  );
}

function resolveOverrideDir(opt: string | null | undefined): string | null {
  if (opt === null) return null;
  const d = opt ?? process.env.PEERBOT_TEMPLATES_DIR;
  return d && d.trim() ? path.resolve(d.trim()) : null;
}

function defaultSecretBox(opt: SecretBox | null | undefined): SecretBox | null {
  if (opt !== undefined) return opt;
  const k = process.env.PEERBOT_SECRET_KEY;
  return k && k.trim() ? SecretBox.fromString(k) : null;
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** Trailing spaces dropped, blank lines at the start and end dropped, one final newline. */
function tidy(out: string, trailing: boolean): string {
  let s = trailing ? out.replace(/[ \t]+$/gm, "") : out;
  let a = 0;
  while (a < s.length && s.charCodeAt(a) === 10) a++;
  let b = s.length;
  while (b > a && s.charCodeAt(b - 1) === 10) b--;
  s = a > 0 || b < s.length ? s.slice(a, b) : s;
  return s.length ? `${s}\n` : "";
}

/** Renders an already loaded context (no I/O besides reading changed template files). */
export function renderContext(
  ctx: RenderContext,
  opts: { template?: string; templatesDir?: string | null } = {},
): RenderResult {
  const overrideDir = resolveOverrideDir(opts.templatesDir);
  const name = opts.template ?? templateNameFor(ctx.router);
  const env = environment(ctx.dialect, overrideDir);
  const file = templateFile(name, overrideDir);
  const sig = signature(file)!;
  let compiled = env.templates.get(file);
  if (!compiled || compiled.sig !== sig) {
    compiled = { sig, fn: compile(env.hb, file) };
    env.templates.set(file, compiled);
  }
  let out: string;
  try {
    out = compiled.fn(ctx);
  } catch (err) {
    if (err instanceof RenderError) throw err;
    throw new RenderError(`the template ${name} failed: ${(err as Error).message}`);
  }
  let config = tidy(out, false);
  if (checkStructure(config, ctx.dialect).trailingSpace) config = tidy(config, true);
  return {
    config,
    sha256: sha256Hex(config),
    template: name,
    templateFile: file,
    dialect: ctx.dialect,
    sessions: ctx.counts.sessions,
    warnings: ctx.warnings,
  };
}

/**
 * Renders the configuration peerbot manages on a router: one database round trip, then the
 * router's template. Throws RenderError for anything a user can fix (unknown router or
 * template, invalid identifier, a password no router can carry, a template that breaks).
 */
export async function renderRouterConfig(
  db: Database,
  routerId: number,
  opts: RenderOptions = {},
): Promise<RenderResult> {
  const rows = await loadRenderRows(db, routerId);
  const template = opts.template ?? templateNameFor(rows.router);
  const ctx = buildRenderContext(rows, { ...opts, template, secretBox: defaultSecretBox(opts.secretBox) });
  return renderContext(ctx, { template, templatesDir: opts.templatesDir });
}
