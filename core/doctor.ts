// `peerbot doctor` and the admins' `doctor` command: every outside world peerbot depends on,
// checked side by side, each within its own time limit, one line each with what to do when
// it fails. Configuration; PostgreSQL and its migrations; Redis; Slack (auth.test); Discord
// (the bot user behind the token); SMTP (when configured); PeeringDB (reachable, the API key
// accepted); and for each router its name (DNS), its port (TCP), its SSH host key (pinned and
// matching) and the login (core/router-probe.ts).
//
// No line carries a secret: every value of a secret setting (tokens, keys, passwords, the
// passwords inside DATABASE_URL, REDIS_URL and PEERBOT_SMTP_URL) is replaced before a line
// leaves here, whatever an error message quoted.
import { lookup } from "node:dns/promises";
import net from "node:net";
import type { Config } from "./config.js";
import { migrationNames, pendingMigrations } from "./metrics.js";
import { testRouter } from "./router-probe.js";
import type { Services } from "./services.js";
import { clip, errorLine, singleLine } from "./text.js";
import { migrationsDir } from "../prisma/migrations-folder.js";

export type CheckStatus = "ok" | "fail" | "skip";

export interface CheckLine {
  /** "configuration", "postgresql", "redis", "slack", "discord", "smtp", "peeringdb", "router edge1 ssh" ... */
  name: string;
  status: CheckStatus;
  /** What was found, one sentence. */
  detail: string;
  /** What to do about a failure. */
  fix?: string;
  ms: number;
}

/** What the checks need from outside core: given by the process (bot/cli-doctor.ts, bot/services). */
export interface DoctorProbes {
  /** A Redis PING through the process's own connection settings; absent without REDIS_URL. */
  redis?: () => Promise<void>;
  /** Resolves a host name to its addresses. */
  resolve(host: string): Promise<string[]>;
  /** Opens (and closes) a TCP connection. */
  connect(host: string, port: number, timeoutMs: number): Promise<void>;
  fetch?: typeof fetch;
}

const NET_ERRORS: Record<string, string> = {
  ECONNREFUSED: "refused",
  EHOSTUNREACH: "no route to the host",
  ENETUNREACH: "network unreachable",
  ECONNRESET: "reset",
  ENOTFOUND: "no such name",
  EAI_AGAIN: "the DNS server did not answer",
};

/**
 * The probes of a running process: DNS and TCP from here, and Redis through the job queue's
 * own connection (a look-up of a job that does not exist is one round trip).
 */
export function defaultProbes(s: Pick<Services, "config" | "jobs">): DoctorProbes {
  return {
    ...(s.config.REDIS_URL
      ? { redis: async () => void (await s.jobs.jobState("deploy", "peerbot-doctor-ping")) }
      : {}),
    async resolve(host) {
      try {
        return (await lookup(host, { all: true })).map((a) => a.address);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? "";
        throw new Error(NET_ERRORS[code] ?? code ?? errorLine(err));
      }
    },
    connect(host, port, timeoutMs) {
      return new Promise((resolve, reject) => {
        const socket = net.connect({ host, port });
        socket.setTimeout(timeoutMs, () => {
          socket.destroy();
          reject(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`));
        });
        socket.once("connect", () => {
          socket.destroy();
          resolve();
        });
        socket.once("error", (err: NodeJS.ErrnoException) => {
          socket.destroy();
          reject(new Error(NET_ERRORS[err.code ?? ""] ?? err.code ?? err.message));
        });
      });
    },
  };
}

export interface DoctorOptions {
  /** Each check's time limit (a router's SSH login gets twice this). Default 5 s. */
  timeoutMs?: number;
  /** The configuration's problems, when it did not load (nothing else is checked then). */
  configProblems?: string[];
  /** Only these routers (by name); every router by default. */
  routers?: string[];
}

export const DOCTOR_TIMEOUT_MS = 5_000;

class TimedOut extends Error {
  constructor(ms: number) {
    super(`no answer within ${(ms / 1000).toFixed(ms < 1000 ? 1 : 0)} s`);
    this.name = "TimedOut";
  }
}

function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut(ms)), ms);
  });
  work.catch(() => {});
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** Every secret value in the configuration, longest first, for scrubbing. */
export function secretValues(config: Partial<Config>): string[] {
  const out = new Set<string>();
  for (const [k, v] of Object.entries(config)) {
    if (typeof v !== "string" || !v) continue;
    if (/TOKEN|SECRET|PASSWORD|API_KEY|PRIVATE/.test(k) && v.length >= 4) out.add(v);
    if (/:\/\//.test(v)) {
      try {
        const u = new URL(v);
        if (u.password) {
          out.add(u.password);
          out.add(decodeURIComponent(u.password));
        }
      } catch {
        // not a URL
      }
    }
  }
  return [...out].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
}

function scrub(text: string, secrets: string[]): string {
  let s = text;
  for (const secret of secrets) s = s.split(secret).join("[redacted]");
  return s;
}

const failed = (detail: string, fix: string) => ({ status: "fail" as const, detail, fix });
const ok = (detail: string) => ({ status: "ok" as const, detail });
const skip = (detail: string) => ({ status: "skip" as const, detail });
type Outcome = { status: CheckStatus; detail: string; fix?: string };

/** Runs every check at once; the lines come back in a fixed order. */
export async function runDoctor(
  s: Services | null,
  config: Config | null,
  probes: DoctorProbes,
  opts: DoctorOptions = {},
): Promise<CheckLine[]> {
  const ms = opts.timeoutMs ?? DOCTOR_TIMEOUT_MS;
  const secrets = config ? secretValues(config) : [];
  const run = async (name: string, check: () => Promise<Outcome>, limit = ms): Promise<CheckLine> => {
    const t0 = Date.now();
    let out: Outcome;
    try {
      out = await within(limit, check());
    } catch (err) {
      out = failed(
        `${err instanceof TimedOut ? err.message : singleLine(errorLine(err), 300)}.`,
        FIX[name.split(" ")[0]!] ?? "See the log for the cause.",
      );
    }
    return {
      name,
      status: out.status,
      detail: scrub(out.detail, secrets),
      ...(out.fix ? { fix: scrub(out.fix, secrets) } : {}),
      ms: Date.now() - t0,
    };
  };

  if (!config || opts.configProblems?.length) {
    return [
      {
        name: "configuration",
        status: "fail",
        detail: `${opts.configProblems?.length ?? 0} setting(s) are wrong: ${(opts.configProblems ?? []).join("; ")}.`,
        fix: "Correct them in the environment or in .env (.env.example describes each); nothing else was checked.",
        ms: 0,
      },
    ];
  }
  const http = probes.fetch ?? fetch;
  const checks: Promise<CheckLine>[] = [
    run("configuration", async () => ok("every setting is valid.")),
    run("postgresql", () => checkPostgres(s, ms)),
    run("redis", async () => {
      if (!config.REDIS_URL || !probes.redis)
        return skip("not configured (no REDIS_URL): jobs run inside the one peerbot process.");
      await probes.redis();
      return ok("answers.");
    }),
    run("slack", () => checkSlack(config, http, ms)),
    run("discord", () => checkDiscord(config, http, ms)),
    run("smtp", async () => {
      if (!config.PEERBOT_SMTP_URL)
        return skip("not configured (no PEERBOT_SMTP_URL): e-mails are written to the outbox folder.");
      if (!s?.mailer.verify) return skip("this process has no SMTP mailer to ask.");
      await s.mailer.verify();
      return ok(`${s.mailer.describe} accepts peerbot (greeting, TLS and login).`);
    }),
    run("peeringdb", () => checkPeeringdb(config, http, ms)),
  ];
  const lines = await Promise.all([...checks, routerChecks(s, probes, ms, opts.routers, run)]);
  return lines.flat();
}

const FIX: Record<string, string> = {
  postgresql:
    "Check DATABASE_URL (host, port, user, password, database) and that the server accepts connections from here.",
  redis: "Check REDIS_URL and that Redis runs and accepts connections from here.",
  slack: "Check SLACK_API_URL (if set) and the network to Slack.",
  discord: "Check DISCORD_API_URL (if set) and the network to Discord.",
  smtp: "Check PEERBOT_SMTP_URL, its password and TLS settings, and the network to the server.",
  peeringdb: "Check PEERINGDB_URL and the network to PeeringDB.",
  router: "Check the router with `router test <name>`.",
};

async function checkPostgres(s: Services | null, ms: number): Promise<Outcome> {
  if (!s) return failed("not reached.", FIX.postgresql!);
  const expected = migrationNames(migrationsDir);
  const pending = await pendingMigrations(s.db, expected, ms);
  if (pending.length)
    return failed(
      `reachable, but ${pending.length} of ${expected.length} migrations are not applied (first: ${clip(pending[0]!, 80)}).`,
      "Run `peerbot migrate` (safe from several processes at once).",
    );
  return ok(`reachable; all ${expected.length} migrations applied.`);
}

async function getJson(
  http: typeof fetch,
  url: string,
  init: RequestInit,
  ms: number,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await http(url, { ...init, signal: AbortSignal.timeout(ms) });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: the status says enough
  }
  return { status: res.status, body };
}

async function checkSlack(config: Config, http: typeof fetch, ms: number): Promise<Outcome> {
  if (!config.SLACK_BOT_TOKEN) return skip("not configured (no SLACK_BOT_TOKEN).");
  const base = (config.SLACK_API_URL ?? "https://slack.com/api/").replace(/\/?$/, "/");
  const { status, body } = await getJson(
    http,
    `${base}auth.test`,
    {
      method: "POST",
      headers: {
        authorization: `Bearer ${config.SLACK_BOT_TOKEN}`,
        "content-type": "application/x-www-form-urlencoded",
      },
    },
    ms,
  );
  if (body.ok === true)
    return ok(
      `the bot token is valid: ${clip(singleLine(String(body.user ?? "?"), 60))} in ${clip(singleLine(String(body.team ?? "?"), 60))}.`,
    );
  const error = singleLine(String(body.error ?? `HTTP ${status}`), 60);
  if (/invalid_auth|not_authed|token_revoked|account_inactive|token_expired/.test(error))
    return failed(
      `Slack refused the bot token (${error}).`,
      "Copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page into SLACK_BOT_TOKEN.",
    );
  return failed(`auth.test answered ${error}.`, FIX.slack!);
}

async function checkDiscord(config: Config, http: typeof fetch, ms: number): Promise<Outcome> {
  if (!config.DISCORD_TOKEN) return skip("not configured (no DISCORD_TOKEN).");
  const base = (config.DISCORD_API_URL ?? "https://discord.com/api").replace(/\/$/, "");
  const { status, body } = await getJson(
    http,
    `${base}/v10/users/@me`,
    { headers: { authorization: `Bot ${config.DISCORD_TOKEN}` } },
    ms,
  );
  if (status === 200)
    return ok(`the bot token is valid: the bot user ${clip(singleLine(String(body.username ?? "?"), 60))}.`);
  if (status === 401)
    return failed(
      "Discord refused the bot token (401 Unauthorized).",
      "Copy DISCORD_TOKEN again from the Developer Portal's Bot page (Reset Token).",
    );
  return failed(`GET /users/@me answered HTTP ${status}.`, FIX.discord!);
}

async function checkPeeringdb(config: Config, http: typeof fetch, ms: number): Promise<Outcome> {
  const base = config.PEERINGDB_URL.replace(/\/$/, "");
  const key = config.PEERINGDB_API_KEY;
  const { status } = await getJson(
    http,
    `${base}/net?limit=1`,
    key ? { headers: { authorization: `Api-Key ${key}` } } : {},
    ms,
  );
  if (status === 200)
    return ok(
      key
        ? "reachable; the API key is accepted."
        : "reachable, without an API key (contacts PeeringDB shows only to its users stay hidden).",
    );
  if (status === 401 || status === 403)
    return failed(
      key
        ? `PeeringDB refused the API key (HTTP ${status}).`
        : `PeeringDB refuses anonymous requests (HTTP ${status}).`,
      "Make an API key in your PeeringDB profile (API Keys) and put it in PEERINGDB_API_KEY.",
    );
  if (status === 429)
    return failed(
      "PeeringDB is rate-limiting this address (HTTP 429).",
      "Set PEERINGDB_API_KEY (keys get higher limits), and wait a minute.",
    );
  return failed(`PeeringDB answered HTTP ${status}.`, FIX.peeringdb!);
}

const IP = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]+:[0-9a-f:.]*)$/i;

async function routerChecks(
  s: Services | null,
  probes: DoctorProbes,
  ms: number,
  only: string[] | undefined,
  run: (name: string, check: () => Promise<Outcome>, limit?: number) => Promise<CheckLine>,
): Promise<CheckLine[]> {
  if (!s) return [];
  let routers;
  try {
    routers = await s.db.prisma.router.findMany({
      where: only ? { name: { in: only } } : {},
      orderBy: { name: "asc" },
    });
  } catch {
    return []; // the postgresql line says why
  }
  const per = routers.map(async (r): Promise<CheckLine[]> => {
    const name = clip(r.name, 63);
    if (r.platform === "file")
      return [
        await run(`router ${name}`, async () =>
          ok("a file router: peerbot writes its configuration to a file; nothing to connect to."),
        ),
      ];
    const host = r.hostname;
    const dns = run(`router ${name} dns`, async () => {
      if (IP.test(host)) return ok(`${clip(host, 100)} is an address; no name to resolve.`);
      const addresses = await probes.resolve(host);
      return ok(`${clip(host, 100)} resolves to ${addresses.slice(0, 3).join(", ")}.`);
    });
    const dnsLine = await dns;
    if (dnsLine.status === "fail") {
      dnsLine.fix = `Check the name, or give the router's address: \`router set ${name} host <address>\`.`;
      dnsLine.detail = `${clip(host, 100)} does not resolve (${dnsLine.detail.replace(/\.$/, "")}).`;
      const notTried = skip("not tried: the name does not resolve.");
      return [
        dnsLine,
        { name: `router ${name} tcp`, ...notTried, ms: 0 },
        { name: `router ${name} ssh host key`, ...notTried, ms: 0 },
        { name: `router ${name} login`, ...notTried, ms: 0 },
      ];
    }
    const tcp = await run(`router ${name} tcp`, async () => {
      await probes.connect(host, r.port, ms);
      return ok(`${clip(host, 100)}:${r.port} accepts connections.`);
    });
    if (tcp.status === "fail") {
      tcp.detail = `${clip(host, 100)}:${r.port} does not accept connections (${tcp.detail.replace(/\.$/, "")}).`;
      tcp.fix = `Check the port (\`router set ${name} port <n>\`), that SSH is enabled on the router, and the firewalls between.`;
      const notTried = skip("not tried: the port does not accept connections.");
      return [
        dnsLine,
        tcp,
        { name: `router ${name} ssh host key`, ...notTried, ms: 0 },
        { name: `router ${name} login`, ...notTried, ms: 0 },
      ];
    }
    const t0 = Date.now();
    const t = await within(3 * ms, testRouter(s, r.id, { connectTimeoutMs: ms, workTimeoutMs: ms })).catch(
      (err: unknown) => ({ outcome: "error" as const, err }),
    );
    const took = Date.now() - t0;
    const key = (o: Outcome): CheckLine => ({ name: `router ${name} ssh host key`, ...o, ms: took });
    const login = (o: Outcome): CheckLine => ({ name: `router ${name} login`, ...o, ms: took });
    const lines: CheckLine[] = [dnsLine, tcp];
    if (t.outcome === "error") {
      lines.push(
        key(failed(`the SSH test did not finish: ${singleLine(errorLine(t.err), 200)}.`, FIX.router!)),
        login(skip("not tried.")),
      );
    } else if (t.outcome === "host-key") {
      const k = t.hostKey!;
      lines.push(
        key(
          k.reason === "unknown"
            ? failed(
                `no host key is pinned; the router presents ${clip(k.keyType, 40)} ${k.fingerprint}.`,
                `Compare it with the router's own fingerprint, then \`router test ${name}\` and press Accept key.`,
              )
            : failed(
                `the host key changed: the router presents ${k.fingerprint}, peerbot pinned ${k.pinned}.`,
                "Find out why before anything else (a replaced router, or someone in between); once verified, an admin accepts the new key with `router test`.",
              ),
        ),
        login(skip("not tried: the host key is not accepted.")),
      );
    } else if (t.outcome === "ok") {
      lines.push(
        key(ok(`pinned, and the router presents it (${r.hostKeyFingerprint.slice(0, 20)}…).`)),
        login(
          ok(
            `logged in as ${clip(r.username || "(none)", 40)}${t.description ? `: ${clip(singleLine(t.description.platform, 30))} ${clip(singleLine(t.description.version, 40))}` : ""}.`,
          ),
        ),
      );
    } else {
      const f = t.failure!;
      const atLogin = ["auth", "credentials", "key", "deadline"].includes(f.kind);
      if (atLogin)
        lines.push(
          key(ok(`pinned, and the router presents it (${r.hostKeyFingerprint.slice(0, 20)}…).`)),
          login(failed(f.sentence.replace(/^[^:]+: /, ""), f.hint)),
        );
      else
        lines.push(
          key(failed(f.sentence.replace(/^[^:]+: /, ""), f.hint)),
          login(skip("not tried: the SSH connection failed.")),
        );
    }
    return lines;
  });
  return (await Promise.all(per)).flat();
}

/** The lines as text, one per check: "ok    postgresql: reachable; …" / "FAIL  redis: … Fix: …". */
export function formatDoctor(lines: CheckLine[]): string {
  const label: Record<CheckStatus, string> = { ok: "ok  ", fail: "FAIL", skip: "skip" };
  return lines
    .map((l) => `${label[l.status]}  ${l.name}: ${l.detail}${l.fix ? ` Fix: ${l.fix}` : ""}`)
    .join("\n");
}

export function doctorFailed(lines: CheckLine[]): boolean {
  return lines.some((l) => l.status === "fail");
}
