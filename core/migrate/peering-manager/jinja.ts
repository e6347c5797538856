// Peering Manager's e-mail templates are Jinja2; peerbot's are Handlebars (templates/email/,
// see its README for the context). This turns the simple cases into Handlebars: the remote AS
// and our AS's fields, comments, `{% set x = affiliated_autonomous_systems | get(...) %}`,
// `{% if %}` on a field, and the loop over the IXPs both networks share with our addresses
// there. Anything else (other filters, other loops, macros, expressions) is not guessed at: the
// template is refused with the first construct that has no counterpart.
import Handlebars from "handlebars";

export type Converted = { ok: true; text: string; aliases: Map<string, Scope> } | { ok: false; why: string };

/** Fields of Peering Manager's AutonomousSystem and their names in peerbot's e-mail context. */
const AS_FIELDS: Record<string, string> = {
  asn: "asn",
  name: "name",
  irr_as_set: "irrAsSet",
  ipv4_max_prefixes: "ipv4MaxPrefixes",
  ipv6_max_prefixes: "ipv6MaxPrefixes",
};

export type Scope = "peer" | "local" | "ixp";

interface State {
  /** Jinja names bound to a context object: autonomous_system -> peer, a `set` alias -> local, loop vars -> ixp. */
  names: Map<string, Scope>;
  /** Open blocks, innermost last. */
  blocks: ("for" | "if")[];
  /** Inside a loop, root fields are reached through @root. */
  loops: number;
}

const TOKEN = /(\{\{-?|\{%-?|\{#)([\s\S]*?)(-?\}\}|-?%\}|#\})/g;

/** Text between tags, with what Handlebars would read as a tag escaped. */
const literal = (s: string) => s.replace(/\{\{/g, "\\{{");

/** A Handlebars path for a Jinja2 path, or null. `a.b`, `a[0].b`, `a.0.b`. */
function path(expr: string, st: State): string | null {
  const parts = expr
    .trim()
    .replace(/\[(\d+)\]/g, ".$1")
    .split(".")
    .map((p) => p.trim());
  if (!parts.every((p) => /^[A-Za-z_][A-Za-z0-9_]*$|^\d+$/.test(p))) return null;
  const head = parts[0]!;
  let rest = parts.slice(1);
  let scope: Scope | undefined;
  if (head === "my_asn" && rest.length === 0) return root("local", st) + ".asn";
  if (head === "autonomous_systems" && (rest[0] === "0" || rest[0] === "1")) {
    scope = rest[0] === "0" ? "local" : "peer";
    rest = rest.slice(1);
  } else if (head === "my_as") scope = "local";
  else scope = st.names.get(head);
  if (!scope) return null;
  if (scope === "ixp") {
    if (rest.length === 1 && rest[0] === "name") return "name";
    return null;
  }
  if (rest.length === 0) return null;
  if (rest.length !== 1) return null;
  const field = AS_FIELDS[rest[0]!];
  return field ? `${root(scope, st)}.${field}` : null;
}

const root = (scope: "peer" | "local", st: State) => (st.loops > 0 ? `@root.${scope}` : scope);

/** `{{ ... }}` -> Handlebars, or the reason it cannot be. */
function output(expr: string, st: State): string | { why: string } {
  const e = expr.trim();
  const whole = /^([A-Za-z_][A-Za-z0-9_]*)$/.exec(e);
  if (whole && st.names.get(whole[1]!) === "peer")
    return `AS{{${root("peer", st)}.asn}} - {{${root("peer", st)}.name}}`;
  const ips =
    /^([A-Za-z_][A-Za-z0-9_]*)\s*\|\s*local_ips\(\s*([46])\s*\)\s*\|\s*join\(\s*(["'])(.*?)\3\s*\)$/.exec(e);
  if (ips && st.names.get(ips[1]!) === "ixp") return `{{join ours.ipv${ips[2]} ${JSON.stringify(ips[4])}}}`;
  if (e.includes("|"))
    return { why: `the filter ${JSON.stringify(e.split("|")[1]!.trim().split(/[\s(]/)[0])}` };
  const p = path(e, st);
  return p ? `{{${p}}}` : { why: `the value ${JSON.stringify(e.slice(0, 40))}` };
}

/** `{% ... %}` -> Handlebars ("" when it leaves nothing), or the reason it cannot be. */
function statement(body: string, st: State): string | { why: string } {
  const s = body.trim();
  const set = /^set\s+([A-Za-z_][A-Za-z0-9_]*)\s*=\s*affiliated_autonomous_systems\b/.exec(s);
  if (set) {
    st.names.set(set[1]!, "local");
    return "";
  }
  const loop = /^for\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\s+([A-Za-z_][A-Za-z0-9_]*)\s*\|\s*shared_ixps\b/.exec(s);
  if (loop && st.names.get(loop[2]!) === "peer") {
    st.names.set(loop[1]!, "ixp");
    st.blocks.push("for");
    st.loops++;
    return "#each sharedIxps";
  }
  if (/^endfor$/.test(s)) {
    if (st.blocks.pop() !== "for") return { why: "an endfor without its for" };
    st.loops--;
    return "/each";
  }
  const cond = /^if\s+(.+)$/.exec(s);
  if (cond) {
    const p = path(cond[1]!, st);
    if (!p) return { why: `the condition ${JSON.stringify(cond[1]!.slice(0, 40))}` };
    st.blocks.push("if");
    return `#if ${p}`;
  }
  if (s === "else")
    return st.blocks[st.blocks.length - 1] === "if" ? "else" : { why: "an else outside an if" };
  if (s === "endif") return st.blocks.pop() === "if" ? "/if" : { why: "an endif without its if" };
  return {
    why: `{% ${s.split(/\s+/)[0]} %}${/^for\b/.test(s) ? ` over ${JSON.stringify(s.slice(0, 80))}` : ""}`,
  };
}

/**
 * A Jinja2 template as Handlebars, or the first construct that has no Handlebars counterpart
 * here. `aliases` are names another part set (a subject may use the body's `local_as`).
 */
export function jinjaToHandlebars(source: string, aliases?: Map<string, Scope>): Converted {
  const st: State = {
    names: new Map([["autonomous_system", "peer"], ...(aliases ?? [])]),
    blocks: [],
    loops: 0,
  };
  // Jinja2's whitespace control (`{%-`, `-%}`, `{{-`, `-}}`) is applied here, on the text around
  // the tag: Handlebars' `~` does not strip the same whitespace around blocks.
  const src = source.replace(/\r\n?/g, "\n");
  let out = "";
  let last = 0;
  let trimNext = false;
  const text = (t: string) => {
    out += literal(trimNext ? t.replace(/^\s+/, "") : t);
    trimNext = false;
  };
  for (const m of src.matchAll(TOKEN)) {
    const [all, open, inner, close] = m as unknown as [string, string, string, string];
    text(src.slice(last, m.index));
    last = (m.index ?? 0) + all.length;
    if (open.endsWith("-")) out = out.replace(/\s+$/, "");
    trimNext = close.startsWith("-");
    if (open === "{#") continue;
    const made = open.startsWith("{{") ? output(inner, st) : statement(inner, st);
    if (typeof made !== "string") return { ok: false, why: made.why };
    if (!made) continue;
    out += open.startsWith("{{") ? made : `{{${made}}}`;
  }
  text(src.slice(last));
  if (st.blocks.length) return { ok: false, why: `an unclosed {% ${st.blocks[st.blocks.length - 1]} %}` };
  try {
    Handlebars.parse(out);
  } catch (err) {
    return {
      ok: false,
      why: `what it became does not parse (${String((err as Error).message).split("\n")[0]})`,
    };
  }
  const names = new Map([...st.names].filter(([, v]) => v !== "ixp"));
  return { ok: true, text: out, aliases: names };
}
