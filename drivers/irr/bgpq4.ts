// The IRR port (core/irr/types.ts) answered by bgpq4, run as a child process: one child per
// call, started with spawn and an argument vector (never a shell), so a set name can never
// become a command. Set names arrive validated (core/irr/sets.ts); this driver still refuses
// one that does not start with "AS", so nothing can be read by bgpq4 as an option.
//
// Arguments are Peering Manager's: IPv4 `-4 -A -r 8 -R 24`, IPv6 `-6 -A -r 16 -R 48`, then
// `-h <host>`, `-S <sources>` when sources are given, `-j -l peerbot` and the sets (bgpq4
// takes several and merges them). Origin ASNs are `-j -f 1 -l peerbot <sets>`.
//
// What bgpq4 1.9 was observed to do against tests/fakes/irrd.ts:
// - It sends `!!`, `!nbgpq4 1.9`, a bare `!a` probe (not with -f), `!s<sources>` with -S, then
//   `!a4<SET>`/`!a6<SET>` when the probe gets IRRd 4's `F Missing required set name for A
//   query` (it compares that text), else `!i<SET>,1` and `!gas<n>`/`!6as<n>`
//   per origin (ASNs in lower case), and `!q`.
// - JSON output: `{ "peerbot": [ { "prefix": "45.129.8.0\/24", "exact": true },
//   { "prefix": "185.101.0.0\/22", "exact": false, "less-equal": 24 } ] }`; with -f:
//   `{"peerbot": [ 204001,204002 ]}` (numbers). A -R range gives "less-equal" only.
// - A set the server does not know (`D`) or that has no members: exit 0 and an empty list,
//   the same as a set hidden by -S. It cannot be told apart from a set without routes, so
//   [] is returned and the caller records "no prefixes".
// - An unknown source: exit 1, stderr `ERROR:Invalid source(s) 'FOO': F Invalid source(s): FOO`.
// - A server that cannot be reached: exit 1, `ERROR:All attempts to connect <host> failed, ...`.
// - A reply it cannot read: with a wrong length it may crash (SIGABRT on an assertion, or
//   SIGSEGV) after `ERROR:Unable to parse prefix ...`; any exit by signal is an IrrError.
// - A prefix it cannot parse inside a good reply: it prints `ERROR:Unable to parse prefix X`
//   and EXITS 0 with the other prefixes. That partial list is refused (IrrError); the only
//   ERROR lines accepted on exit 0 are `Invalid AS number: N`, its deliberate skip of a
//   reserved/private ASN met while expanding a set itself (without !a or with -f), and
//   `Key not found expanding` (an unknown set: 1.9 prints nothing for it, older ones may).
// - An `F <error>` reply to a query: ERROR line and exit 0, refused like a bad prefix.
// Output can be large (200,000 prefixes is about 10 MB of JSON): chunks are kept in an array
// and joined once. Every entry is checked; one that is not what bgpq4 prints fails the whole
// answer (nothing is dropped silently).
import { spawn } from "node:child_process";
import { IrrError, type IrrFetcher, type IrrPrefix, type IrrQuery } from "../../core/irr/types.js";

export const DEFAULT_ARGS_V4: readonly string[] = ["-4", "-A", "-r", "8", "-R", "24"];
export const DEFAULT_ARGS_V6: readonly string[] = ["-6", "-A", "-r", "16", "-R", "48"];
export const DEFAULT_TIMEOUT_MS = 30_000;
/** bgpq4's -l: the key of the JSON object it prints. */
export const LIST_NAME = "peerbot";
/** More output than this is not a prefix list any router will take: the child is stopped. */
export const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

export interface Bgpq4Options {
  /** "rr.ntt.net" or "host:port". */
  host: string;
  timeoutMs?: number;
  bin?: string;
  argsV4?: string[];
  argsV6?: string[];
  /** Added after the family arguments, for prefixes() and asns(). */
  extraArgs?: string[];
}

const CONTROL = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

/** bgpq4's first non-empty stderr line for a person: control characters removed, trimmed, ≤ 200 chars. */
export function firstStderrLine(stderr: string): string {
  const line = stderr.split(/\r?\n/).find((l) => l.trim()) ?? "";
  return line.replace(CONTROL, "").trim().slice(0, 200);
}

/**
 * ERROR lines bgpq4 prints on a good run: its skip of a reserved/private ASN, and (in versions
 * that print it) a set the server does not know, which 1.9 answers silently with [] anyway.
 */
const BENIGN_STDERR = /^(Invalid AS number\b|Key not found expanding\b)/;

/** bgpq4's "ERROR:" lines, without the tag, cleaned as firstStderrLine does. */
export function stderrErrors(stderr: string): string[] {
  return stderr
    .split(/\r?\n/)
    .filter((l) => l.startsWith("ERROR:"))
    .map((l) => firstStderrLine(l.slice("ERROR:".length)));
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

/** The argument vector for one call (exported for tests and for logging what was run). */
export function bgpq4Args(
  opts: Bgpq4Options,
  q: { sets: string[]; sources: string[]; family?: 4 | 6; extraArgs?: string[] },
  mode: "prefixes" | "asns",
): string[] {
  if (!q.sets.length) throw new IrrError("No AS-SET or ASN was given to look up in the IRR.");
  for (const s of q.sets) {
    if (!/^AS[A-Z0-9:_-]*$/i.test(s))
      throw new IrrError(`"${s.replace(CONTROL, "").slice(0, 60)}" is not an ASN or AS-SET name.`);
  }
  for (const s of q.sources) {
    if (!/^[A-Z0-9][A-Z0-9-]{0,19}$/i.test(s))
      throw new IrrError(`"${s.replace(CONTROL, "").slice(0, 30)}" is not an IRR source name.`);
  }
  const args: string[] = [];
  if (mode === "prefixes")
    args.push(...(q.family === 6 ? (opts.argsV6 ?? DEFAULT_ARGS_V6) : (opts.argsV4 ?? DEFAULT_ARGS_V4)));
  // An AS's own options (validated by core/irr/cache.ts parseIrrArgs): all of them shape a
  // prefix list; of them only -p (keep private ASNs) means anything to the origin list.
  const own = q.extraArgs ?? [];
  args.push(...(opts.extraArgs ?? []), ...(mode === "prefixes" ? own : own.filter((a) => a === "-p")));
  args.push("-h", opts.host);
  if (q.sources.length) args.push("-S", q.sources.join(","));
  args.push("-j");
  if (mode === "asns") args.push("-f", "1");
  args.push("-l", LIST_NAME, ...q.sets);
  return args;
}

/** Runs bgpq4 once; resolves with its stdout when it exits 0, else an IrrError. */
export function runBgpq4(bin: string, args: string[], host: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let failure: IrrError | undefined;
    let settled = false;
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"], shell: false, windowsHide: true });
    const kill = (why: IrrError) => {
      failure ??= why;
      child.kill("SIGKILL");
    };
    const timer = setTimeout(
      () => kill(new IrrError(`The IRR server at ${host} did not answer within ${seconds(timeoutMs)}.`)),
      timeoutMs,
    );
    const done = (e: IrrError | undefined, value?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (e) reject(e);
      else resolve(value ?? "");
    };
    child.stdout.on("data", (c: Buffer) => {
      outBytes += c.length;
      if (outBytes > MAX_OUTPUT_BYTES)
        kill(
          new IrrError(`bgpq4 printed more than ${MAX_OUTPUT_BYTES / 1024 / 1024} MB for one list: stopped.`),
        );
      else out.push(c);
    });
    child.stderr.on("data", (c: Buffer) => {
      // Only the first line is ever shown; keep the first 64 KiB.
      if (errBytes < 65_536) err.push(c);
      errBytes += c.length;
    });
    child.on("error", (e: NodeJS.ErrnoException) => {
      const why =
        e.code === "ENOENT"
          ? `bgpq4 is not installed here: ${bin} was not found (install the bgpq4 package or set the path to it).`
          : e.code === "EACCES"
            ? `bgpq4 could not be started: ${bin} is not executable.`
            : `bgpq4 could not be started (${e.code ?? e.message}).`;
      done(new IrrError(why));
    });
    child.on("close", (code, signal) => {
      if (failure) return done(failure);
      const line = firstStderrLine(Buffer.concat(err).toString("utf8")).replace(/^ERROR:\s*/, "");
      if (signal)
        return done(new IrrError(`bgpq4 stopped on ${signal} asking ${host}${line ? `: ${line}` : "."}`));
      if (code !== 0)
        return done(
          new IrrError(`bgpq4 failed (exit code ${code}) asking ${host}${line ? `: ${line}` : "."}`),
        );
      // Exit 0 with an ERROR line: bgpq4 skipped something it could not read (a bad prefix,
      // an unexpected member) and printed the rest. That is a partial list: refuse it. Only
      // its deliberate skip of reserved/private ASNs ("Invalid AS number") is accepted.
      const problem = stderrErrors(Buffer.concat(err).toString("utf8")).find((l) => !BENIGN_STDERR.test(l));
      if (problem) return done(new IrrError(`bgpq4 reported an error asking ${host}: ${problem}`));
      done(undefined, Buffer.concat(out, outBytes).toString("utf8"));
    });
  });
}

/** The array under LIST_NAME in bgpq4's JSON output, or an IrrError. */
export function parseList(stdout: string): unknown[] {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw new IrrError(
      `bgpq4 printed output that is not JSON (starting "${stdout.slice(0, 40).replace(CONTROL, " ")}").`,
    );
  }
  const list = doc && typeof doc === "object" ? (doc as Record<string, unknown>)[LIST_NAME] : undefined;
  if (!Array.isArray(list)) throw new IrrError(`bgpq4's JSON output has no "${LIST_NAME}" list.`);
  return list;
}

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const V6 = /^[0-9a-f:]{2,39}\/(\d{1,3})$/i;

function prefixLength(prefix: string, family: 4 | 6): number | null {
  if (family === 4) {
    const m = V4.exec(prefix);
    if (!m || m.slice(1, 5).some((o) => Number(o) > 255)) return null;
    const len = Number(m[5]);
    return len <= 32 ? len : null;
  }
  const m = V6.exec(prefix);
  if (!m || !prefix.includes(":") || (prefix.match(/::/g)?.length ?? 0) > 1) return null;
  const len = Number(m[1]);
  return len <= 128 ? len : null;
}

/** One entry of bgpq4 -j output, checked, or an IrrError naming what is wrong. */
export function toIrrPrefix(entry: unknown, family: 4 | 6): IrrPrefix {
  const bad = (why: string) =>
    new IrrError(
      `bgpq4 printed an IPv${family} entry peerbot cannot read (${why}): ${JSON.stringify(entry)?.slice(0, 80)}.`,
    );
  if (!entry || typeof entry !== "object" || Array.isArray(entry)) throw bad("not an object");
  const e = entry as Record<string, unknown>;
  if (typeof e.prefix !== "string") throw bad("no prefix");
  const len = prefixLength(e.prefix, family);
  if (len === null) throw bad("not a prefix");
  if (typeof e.exact !== "boolean") throw bad('"exact" is not true or false');
  const max = family === 4 ? 32 : 128;
  const out: IrrPrefix = { prefix: e.prefix, exact: e.exact };
  for (const k of ["less-equal", "greater-equal"] as const) {
    const v = e[k];
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isInteger(v) || v < len || v > max)
      throw bad(`"${k}" is not a length from ${len} to ${max}`);
    out[k] = v;
  }
  return out;
}

export function createBgpq4Fetcher(opts: Bgpq4Options): IrrFetcher {
  const bin = opts.bin ?? "bgpq4";
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // A bad host is reported by every call (recorded for the set), not thrown at start-up.
  const badHost =
    !opts.host || /[\s\p{Cc}]/u.test(opts.host) || opts.host.startsWith("-")
      ? new IrrError(
          `"${opts.host.replace(CONTROL, "").slice(0, 60)}" is not an IRR server name: give a host such as rr.ntt.net or host:port.`,
        )
      : undefined;
  return {
    async prefixes(q: IrrQuery): Promise<IrrPrefix[]> {
      if (badHost) throw badHost;
      const stdout = await runBgpq4(bin, bgpq4Args(opts, q, "prefixes"), opts.host, timeoutMs);
      const list = parseList(stdout);
      const out = new Array<IrrPrefix>(list.length);
      for (let i = 0; i < list.length; i++) out[i] = toIrrPrefix(list[i], q.family);
      return out;
    },
    async asns(q: Omit<IrrQuery, "family">): Promise<number[]> {
      if (badHost) throw badHost;
      const stdout = await runBgpq4(bin, bgpq4Args(opts, q, "asns"), opts.host, timeoutMs);
      return parseList(stdout).map((a) => {
        if (typeof a !== "number" || !Number.isInteger(a) || a < 1 || a > 4_294_967_295)
          throw new IrrError(
            `bgpq4 printed an origin that is not an ASN: ${JSON.stringify(a)?.slice(0, 40)}.`,
          );
        return a;
      });
    },
  };
}
