// BIRD 2 over SSH: birdc on an exec channel, the owned file over SFTP.
//
// What peerbot owns: ONE file on the router host (the router's configPath), included by the
// main bird.conf (`include "/etc/bird/peerbot.conf";`; create it empty before BIRD starts, as
// BIRD refuses an include that is missing). Its previous version is kept beside it as
// "<file>.previous". The main file defines what the rendered file calls (templates/router/
// README.md: policy_<slug>() functions, protocol bfd).
//
// Deploy:  loadCandidate  keep what BIRD runs as <file>.previous, upload the candidate as
//                         <file>, `birdc configure check` (the main file, which includes
//                         ours); a refusal restores <file> and reports BIRD's error line
//          commit         `birdc configure timeout <n>`: BIRD applies it and undoes it by
//                         itself unless confirmed within n seconds; then it checks that BIRD
//                         runs the candidate (see "revision marker")
//          confirm        `birdc configure confirm`
//          rollback       `birdc configure undo` (BIRD goes back to the configuration it ran
//                         before, confirmed or not), and <file> is restored from .previous
// State:   `birdc show status` (server time) and `birdc show protocols all`, parsed by
//          parseBirdProtocols into BgpNeighbor[].
//
// Revision marker. getConfig must say what BIRD RUNS, not what the disk holds: when BIRD has
// undone an unconfirmed configure by itself, <file> still holds the new text. So the uploaded
// file ends with two lines peerbot adds and getConfig strips:
//     # peerbot revision: BIRD reports it with `birdc eval pb_config_sha256`
//     define pb_config_sha256 = "<sha256 of the text above>";
// `birdc eval pb_config_sha256` evaluates the constant in the configuration BIRD runs now
// (after an undo, the old one; with no peerbot file ever configured, the symbol is unknown).
// getConfig returns the first of <file>, <file>.previous, or "nothing" (no file) whose
// revision BIRD reports; a file without a marker (written before peerbot) stands for "no
// revision". When none matches (someone edited both files by hand) it returns <file>.
//
// Settings, after the path in configPath (see unix-host.ts):
//   socket=<path>  birdc's control socket (birdc -s), default BIRD's own (/run/bird/bird.ctl)
//   birdc=<path>   the birdc binary, default "birdc"
//   main=<path>    the main configuration to check and load, default the one BIRD started with
//   sudo=1         run birdc and file moves through `sudo -n`
//
// The driver runs one operation at a time; deploys and polls each make their own driver and
// share the router's pooled SSH connection.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { sha256 } from "../../core/diff.js";
import type { BgpNeighbor, CommitResult } from "../../core/ports.js";
import type { SshPool } from "../ssh/pool.js";
import type { SshTarget, SshTimeouts } from "../ssh/connection.js";
import { parseRouterAsn, toBgpState } from "./base/router-text.js";
import { DriverError, REDACTED } from "../ssh/errors.js";
import { MiB } from "../ssh/connection.js";
import { firstLines, isTrue, parseConfigPath, shq, UnixDaemonDriver } from "./base/unix-host.js";
import type { RouterDescription } from "./base/serial-driver.js";
import { parseBirdStatus } from "./base/versions.js";

export interface Bird2DriverOptions {
  pool: SshPool;
  target: SshTarget;
  timeouts?: Partial<SshTimeouts>;
  /** The file peerbot owns (absolute path on the router host). */
  configPath: string;
  /** birdc's control socket; default BIRD's compiled-in one. */
  socket?: string;
  /** The birdc binary. Default "birdc". */
  birdc?: string;
  /** The main configuration file to check and load; default the one BIRD started with. */
  mainConfig?: string;
  sudo?: boolean;
  /** Strings that must never appear in an error (BGP passwords). */
  redact?: string[];
  /** Milliseconds since the epoch; tests replace it. */
  now?: () => number;
}

/** Builds the options from a Router row's configPath (path?socket=...&birdc=...&main=...&sudo=1). */
export function bird2OptionsFromConfigPath(
  configPath: string,
): Pick<Bird2DriverOptions, "configPath" | "socket" | "birdc" | "mainConfig" | "sudo"> {
  const spec = parseConfigPath(configPath, "BIRD 2");
  const o = spec.options;
  return {
    configPath: spec.path,
    ...(o.socket ? { socket: o.socket } : {}),
    ...(o.birdc ? { birdc: o.birdc } : {}),
    ...(o.main ? { mainConfig: o.main } : {}),
    sudo: isTrue(o.sudo),
  };
}

export const BIRD_MARKER_SYMBOL = "pb_config_sha256";
const MARKER_COMMENT = `# peerbot revision: BIRD reports it with \`birdc eval ${BIRD_MARKER_SYMBOL}\``;
const MARKER_RE = new RegExp(
  `\\n${escapeRe(MARKER_COMMENT)}\\ndefine ${BIRD_MARKER_SYMBOL} = "([0-9a-f]{64})";\\n$`,
);

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The file peerbot uploads for `config`: the config, then the revision marker. */
export function withBirdMarker(config: string): string {
  return `${config}\n${MARKER_COMMENT}\ndefine ${BIRD_MARKER_SYMBOL} = "${sha256(config)}";\n`;
}

/** Splits an uploaded file into the config and its revision (null: no valid marker). */
export function splitBirdMarker(file: string): { config: string; revision: string | null } {
  const m = MARKER_RE.exec(file);
  if (m) {
    const config = file.slice(0, m.index);
    if (sha256(config) === m[1]) return { config, revision: m[1]! };
  }
  return { config: file, revision: null };
}

/** One reply line of `birdc -v`: a 4-digit code and its text (continuations joined). */
export interface BirdReply {
  code: number;
  text: string;
}

/** Parses `birdc -v` output into replies; lines without a code continue the previous reply. */
export function parseBirdReplies(output: string): BirdReply[] {
  const out: BirdReply[] = [];
  for (const line of output.split("\n")) {
    const m = /^(\d{4})[ -](.*)$/.exec(line);
    if (m) out.push({ code: Number(m[1]), text: m[2]!.trimEnd() });
    else if (line.trim() && out.length) out[out.length - 1]!.text += "\n" + line.trim();
  }
  return out;
}

/** Where the text BIRD runs came from. */
type Source = "file" | "previous" | "none" | "unknown";

interface OwnedFile {
  raw: string;
  config: string;
  revision: string | null;
}

export class Bird2Driver extends UnixDaemonDriver {
  private readonly file: string;
  private readonly previous: string;
  /** What BIRD ran when the candidate was loaded. */
  private before: Source = "unknown";
  private confirmDeadline = 0;

  constructor(private readonly opts: Bird2DriverOptions) {
    super(opts);
    this.file = opts.configPath;
    this.previous = `${opts.configPath}.previous`;
  }

  protected override redactDiff(text: string): string {
    return redactBird(text);
  }

  // -------------------------------------------------------------------------------------

  /** `birdc -v` with one command; the parsed replies, and the raw text. */
  private async birdc(command: string, opts: { timeoutMs?: number; maxOutputBytes?: number } = {}) {
    const args = [this.opts.birdc ?? "birdc", "-v"];
    if (this.opts.socket) args.push("-s", this.opts.socket);
    const line = `${args.map(shq).join(" ")} ${shq(command)}`;
    const r = await this.host.run(line, opts);
    const replies = parseBirdReplies(r.stdout);
    if (!replies.length || replies[0]!.code !== 1) {
      // birdc could not reach BIRD (not running, wrong socket, no permission).
      const said = firstLines(`${r.stdout}\n${r.stderr}`, 3) || `exit ${r.code}`;
      throw this.host.error(`birdc on ${this.label} cannot talk to BIRD: ${said}`, true);
    }
    return { replies: replies.slice(1), stdout: r.stdout };
  }

  /** The revision of the configuration BIRD runs (null: it runs none of peerbot's files). */
  private async activeRevision(): Promise<string | null> {
    const { replies } = await this.birdc(`eval ${BIRD_MARKER_SYMBOL}`);
    const value = replies.find((r) => r.code === 23);
    if (value) {
      const m = /^"?([0-9a-f]{64})"?$/.exec(value.text.trim());
      return m ? m[1]! : null;
    }
    // 9001 "syntax error, unexpected CF_SYM_UNDEFINED": the symbol is not defined.
    if (replies.some((r) => r.code >= 8000)) return null;
    throw this.host.error(
      `unexpected answer from BIRD on ${this.label}: ${firstLines(replies.map((r) => r.text).join("\n"), 3)}`,
    );
  }

  private async readOwned(file: string): Promise<OwnedFile | null> {
    const raw = await this.host.readText(file);
    if (raw === null) return null;
    const { config, revision } = splitBirdMarker(raw);
    return { raw, config, revision };
  }

  /** What BIRD runs for the owned file, and which file on disk that is. */
  protected async running(): Promise<{ config: string; source: Source; revision: string | null }> {
    const [active, file, previous] = [
      await this.activeRevision(),
      await this.readOwned(this.file),
      await this.readOwned(this.previous),
    ];
    if (file && file.revision === active) return { config: file.config, source: "file", revision: active };
    if (previous && previous.revision === active)
      return { config: previous.config, source: "previous", revision: active };
    if (active === null) return { config: "", source: "none", revision: null };
    // BIRD runs a peerbot revision that neither file holds: someone changed them by hand.
    return { config: file?.config ?? "", source: "unknown", revision: active };
  }

  private async copy(from: string, to: string): Promise<void> {
    const tmp = `${to}.tmp-${randomBytes(4).toString("hex")}`;
    await this.host.check(
      `cp -p ${shq(from)} ${shq(tmp)} && mv -f ${shq(tmp)} ${shq(to)}`,
      `copying ${path.basename(from)}`,
    );
  }

  private async remove(file: string): Promise<void> {
    await this.host.check(`rm -f ${shq(file)}`, `removing ${path.basename(file)}`);
  }

  /**
   * Puts <file> back to what BIRD ran before the candidate: .previous, or (BIRD ran none of
   * peerbot's files) an empty file, so that the main file's include still finds it.
   */
  private async restoreFile(before: Source): Promise<void> {
    if (before === "none" || (await this.host.readText(this.previous)) === null) {
      await this.host.writeText(this.file, "");
      return;
    }
    await this.copy(this.previous, this.file);
  }

  private checkCommand(): string {
    return this.opts.mainConfig ? `configure check ${birdString(this.opts.mainConfig)}` : "configure check";
  }

  protected async doLoadCandidate(config: string): Promise<void> {
    if (this.state === "pending") {
      throw new DriverError(`cannot load a candidate on ${this.label}: a commit awaits its confirm`);
    }
    if (/\0/.test(config)) throw new DriverError("the configuration contains a NUL character");
    const now = await this.running();
    // Keep what BIRD runs as .previous: the rollback target, and what getConfig reports while
    // the candidate is only on disk.
    if (now.source === "file") await this.copy(this.file, this.previous);
    else if (now.source === "none") await this.remove(this.previous);
    // "previous": <file> is a candidate BIRD never ran, .previous already is what it runs.
    // "unknown": keep .previous; nothing better is known.
    const before: Source = now.source === "file" ? "previous" : now.source;
    // From here on, .previous (or no file, when BIRD ran none) is what BIRD runs.
    await this.host.writeText(this.file, withBirdMarker(config));
    this.before = before;
    this.candidate = config;
    this.state = "editing";

    const { replies } = await this.birdc(this.checkCommand(), { timeoutMs: 300_000 });
    const bad = replies.find((r) => r.code >= 8000);
    if (bad || !replies.some((r) => r.code === 20)) {
      await this.restoreFile(before).catch(() => undefined);
      this.state = "idle";
      this.candidate = null;
      throw this.host.error(`${this.label} rejected the configuration: ${birdErrorText(bad, replies)}`);
    }
  }

  protected async doCommit(seconds: number): Promise<CommitResult> {
    if (this.state !== "editing" || this.candidate === null) {
      throw new DriverError(`cannot commit on ${this.label}: no candidate is loaded`);
    }
    const main = this.opts.mainConfig ? ` ${birdString(this.opts.mainConfig)}` : "";
    const { replies } = await this.birdc(`configure${main} timeout ${seconds}`, { timeoutMs: 300_000 });
    const bad = replies.find((r) => r.code >= 8000);
    // 3 Reconfigured, 4 Reconfiguration in progress, 5 queued behind one in progress.
    const applied = replies.find((r) => r.code === 3 || r.code === 4 || r.code === 5);
    if (bad || !applied) {
      await this.restoreFile(this.before).catch(() => undefined);
      this.state = "idle";
      throw this.host.error(
        `BIRD on ${this.label} refused 'configure timeout': ${birdErrorText(bad, replies)}`,
      );
    }
    if (!replies.some((r) => r.code === 22)) {
      // No "Undo scheduled": BIRD applied it without a timer. Undo at once rather than run
      // a configuration that would not roll itself back.
      await this.birdc("configure undo").catch(() => undefined);
      await this.restoreFile(this.before).catch(() => undefined);
      this.state = "idle";
      throw this.host.error(`BIRD on ${this.label} did not schedule the undo timer; the change was undone`);
    }
    this.state = "pending";
    this.confirmDeadline = this.now() + seconds * 1000;
    const active = await this.activeRevision();
    if (active !== sha256(this.candidate)) {
      throw this.host.error(
        `BIRD on ${this.label} does not run the uploaded file after 'configure' (it reports revision ${active?.slice(0, 12) ?? "none"})`,
      );
    }
    return { output: replies.map((r) => r.text).join("; ") };
  }

  protected async doConfirm(): Promise<void> {
    if (this.state === "confirmed") return;
    const { replies } = await this.birdc("configure confirm");
    if (replies.some((r) => r.code === 18)) {
      this.state = "confirmed";
      return;
    }
    // 19 "Nothing to do": no undo is scheduled. Either the timer already ran out (BIRD went
    // back) or the commit was confirmed before (a retry after a restart).
    const now = await this.running();
    const expected = this.candidate !== null ? sha256(this.candidate) : null;
    const ours = now.source === "file" && (expected === null || now.revision === expected);
    if (ours) {
      this.state = "confirmed";
      return;
    }
    this.state = "reverted";
    throw this.host.error(
      `the confirm timer on ${this.label} expired before the commit was confirmed: BIRD undid the change by itself`,
    );
  }

  protected async doRollback(): Promise<void> {
    const state = this.state;
    if (state === "editing") {
      await this.restoreFile(this.before);
    } else if (state === "pending" || state === "confirmed") {
      const now = await this.running();
      if (now.source === "file") {
        const { replies } = await this.birdc("configure undo", { timeoutMs: 300_000 });
        const undone = replies.some((r) => r.code === 21 || r.code === 3 || r.code === 4);
        const after = undone ? await this.running() : now;
        await this.restoreFile(this.before);
        if (after.source === "file") {
          // BIRD had nothing to undo to: load the restored file instead.
          const main = this.opts.mainConfig ? ` ${birdString(this.opts.mainConfig)}` : "";
          const { replies: again } = await this.birdc(`configure${main}`, { timeoutMs: 300_000 });
          const bad = again.find((r) => r.code >= 8000);
          if (bad)
            throw this.host.error(`rolling back on ${this.label} failed: ${birdErrorText(bad, again)}`);
        }
      } else {
        // BIRD already runs the previous configuration (its timer ran out): only the file.
        await this.restoreFile(this.before);
      }
    } else if (state === "reverted") {
      await this.restoreFile(this.before);
    } else {
      // A fresh driver: never undo a configuration it did not apply; only put back a
      // candidate that was uploaded and never applied.
      const now = await this.running();
      if (now.source === "previous") await this.restoreFile("previous");
    }
    this.state = "idle";
    this.candidate = null;
  }

  protected async identify(): Promise<RouterDescription> {
    return parseBirdStatus((await this.birdc("show status")).stdout);
  }

  protected async doGetBgpNeighbors(): Promise<BgpNeighbor[]> {
    const bin = [this.opts.birdc ?? "birdc"];
    if (this.opts.socket) bin.push("-s", this.opts.socket);
    const b = bin.map(shq).join(" ");
    // One round trip: the server's clock (for "since" times) and the protocols.
    const r = await this.host.run(`${b} show status && echo ${STATUS_END} && ${b} show protocols all`, {
      maxOutputBytes: 256 * MiB,
      timeoutMs: 300_000,
    });
    const split = r.stdout.indexOf(`\n${STATUS_END}\n`);
    if (r.code !== 0 || split < 0) {
      throw this.host.error(
        `birdc on ${this.label} cannot talk to BIRD: ${firstLines(`${r.stdout}\n${r.stderr}`, 3) || `exit ${r.code}`}`,
        true,
      );
    }
    const status = r.stdout.slice(0, split);
    const m = /Current server time is (\S+ \S+)/.exec(status);
    return parseBirdProtocols(r.stdout.slice(split + STATUS_END.length + 2), m ? m[1] : undefined);
  }
}

const STATUS_END = "--peerbot-status-end--";

/** Masks BIRD's `password "...";` (the transport's redactor knows the Junos/IOS/EOS forms). */
export function redactBird(text: string): string {
  return text.replace(/\b(password\s+)"[^"\n]*"/g, `$1"${REDACTED}"`);
}

/** A BIRD string literal (for file names in `configure "<file>"`). */
function birdString(s: string): string {
  if (/["\\\n]/.test(s)) throw new DriverError(`a BIRD file name cannot contain quotes or backslashes: ${s}`);
  return `"${s}"`;
}

function birdErrorText(bad: BirdReply | undefined, replies: BirdReply[]): string {
  if (bad) return bad.text;
  const last = replies.filter((r) => r.code !== 2).pop();
  return last ? last.text : "no answer";
}

// ---------------------------------------------------------------------------------------
// show protocols all
// ---------------------------------------------------------------------------------------

/** "Routes: 3 imported, 1 filtered, 2 exported, 3 preferred" (filtered only with import keep filtered). */
const ROUTES_RE = /(\d+) imported,(?: (\d+) filtered,)? (\d+) exported/;

/** "2026-11-21 23:51:01.660" or "23:51:01.660" (today on the server) to a Date. */
function parseBirdTime(since: string, server: Date | undefined): Date | undefined {
  const full = /^(\d{4}-\d\d-\d\d)(?:[ T](\d\d:\d\d:\d\d(?:\.\d+)?))?$/.exec(since);
  // A date alone (BIRD shows only the day for states older than about a day): its midnight.
  if (full) return new Date(`${full[1]}T${full[2] ?? "00:00:00"}Z`);
  const t = /^(\d\d:\d\d:\d\d(?:\.\d+)?)$/.exec(since);
  if (t && server) {
    const day = server.toISOString().slice(0, 10);
    const d = new Date(`${day}T${t[1]}Z`);
    // A time later than the server's clock is yesterday's.
    if (d.getTime() > server.getTime() + 1000) d.setUTCDate(d.getUTCDate() - 1);
    return d;
  }
  return undefined;
}

/**
 * Parses `birdc show protocols all` (BIRD 2) into BgpNeighbor[]: every BGP protocol, its
 * "BGP state" (a protocol that is down or disabled is idle), neighbour address and AS, the
 * description, and per channel "Routes: N imported, [M filtered,] K exported": received
 * = imported + filtered, accepted = imported, advertised = exported, summed over channels.
 * `serverTime` ("2026-11-21 23:50:44.648", from `show status`) turns the Since column into
 * seconds in the state. Pure; the benchmark runs it on 2,000 neighbours.
 */
export function parseBirdProtocols(text: string, serverTime?: string): BgpNeighbor[] {
  const server = serverTime ? parseBirdTime(serverTime.trim(), undefined) : undefined;
  const out: BgpNeighbor[] = [];
  let cur: BgpNeighbor | null = null;
  let since: string | undefined;
  let routesSeen = false;
  const flush = () => {
    if (cur && cur.remoteAddress) {
      const n: BgpNeighbor = cur;
      if (since && server) {
        const d = parseBirdTime(since, server);
        if (d) n.uptimeSeconds = Math.max(0, Math.round((server.getTime() - d.getTime()) / 1000));
      }
      if (!routesSeen) {
        delete n.receivedPrefixes;
        delete n.acceptedPrefixes;
        delete n.advertisedPrefixes;
      }
      out.push(n);
    }
    cur = null;
    since = undefined;
    routesSeen = false;
  };
  let pos = 0;
  const len = text.length;
  while (pos < len) {
    let end = text.indexOf("\n", pos);
    if (end < 0) end = len;
    const line = text.slice(pos, end);
    pos = end + 1;
    if (line.length === 0) continue;
    const c0 = line.charCodeAt(0);
    if (c0 !== 32 && c0 !== 9) {
      // A protocol header: "name  Proto  Table  State  Since  Info", or birdc's own lines.
      flush();
      const cols = line.split(/\s+/);
      if (cols[1] === "BGP") {
        cur = { remoteAddress: "", remoteAs: NaN, state: "idle" };
        // Since is one column ("23:51:01.660") or two ("2026-11-20 23:51:01").
        const s4 = cols[4] ?? "";
        since = /^\d{4}-\d\d-\d\d$/.test(s4) && cols[5] && /^\d\d:/.test(cols[5]) ? `${s4} ${cols[5]}` : s4;
      }
      continue;
    }
    if (!cur) continue;
    const t = line.trim();
    const colon = t.indexOf(":");
    if (colon < 0) continue;
    const key = t.slice(0, colon);
    switch (key) {
      case "BGP state": {
        const v = t
          .slice(colon + 1)
          .trim()
          .toLowerCase();
        // BIRD's "close" and "down" (and anything else) are idle to us, as toBgpState reads them.
        cur.state = toBgpState(v);
        break;
      }
      case "Neighbor address": {
        const v = t.slice(colon + 1).trim();
        const pct = v.indexOf("%");
        cur.remoteAddress = pct > 0 ? v.slice(0, pct) : v;
        break;
      }
      case "Neighbor AS":
        cur.remoteAs = parseRouterAsn(t.slice(colon + 1).trim());
        break;
      case "Description":
        cur.description = t.slice(colon + 1).trim();
        break;
      case "Routes": {
        routesSeen = true;
        const m = ROUTES_RE.exec(t);
        const imported = m ? Number(m[1]) : 0;
        const filtered = m && m[2] ? Number(m[2]) : 0;
        const exported = m ? Number(m[3]) : 0;
        cur.acceptedPrefixes = (cur.acceptedPrefixes ?? 0) + imported;
        cur.receivedPrefixes = (cur.receivedPrefixes ?? 0) + imported + filtered;
        cur.advertisedPrefixes = (cur.advertisedPrefixes ?? 0) + exported;
        break;
      }
      default:
        break;
    }
  }
  flush();
  return out;
}
