// `router test <name>`: connect to a router over SSH with its stored credentials (a short
// connect timeout), say what it runs (RouterDriver.describe) and how many BGP neighbours it
// sees; or, in one sentence, why not. An unknown or changed SSH host key comes back with the
// fingerprint the router presented, for an admin to check out of band and accept:
// `acceptHostKey` connects again, and pins the key only when the router still presents the
// fingerprint the admin was shown, in one transaction with its history row, and audited.
//
// The transport marks the errors of a connection that failed with a `kind` (ConnectFailure,
// drivers/ssh/errors.ts); a HostKeyError also carries the presented `fingerprint`, its
// `keyType`, `reason` ("unknown" | "changed") and the `pinned` one. Core reads them by shape:
// it never imports a driver.
import { audit } from "./audit.js";
import { routerInfo, type RouterRow, type ChangeServices } from "./changes.js";
import { UserError } from "./errors.js";
import { chatAuthor, recordChange } from "./history.js";
import { knownAddresses } from "./import-sessions.js";
import { normalizeIp } from "./polling.js";
import type { BgpNeighbor, RouterDriver } from "./ports.js";
import type { Actor } from "./roles.js";
import { clip, errorLine } from "./text.js";

/** Why a connection failed, as the SSH transport marks its errors. */
export type ConnectFailure =
  "dns" | "refused" | "unreachable" | "timeout" | "closed" | "auth" | "credentials" | "key" | "host-key";

/** TCP connect + SSH handshake + login, for a test: a router that takes longer is not answering. */
export const ROUTER_TEST_CONNECT_MS = 5_000;
/** The whole test (login, version, neighbours) after the connect, at most. */
export const ROUTER_TEST_WORK_MS = 25_000;

export interface PresentedHostKey {
  /** What the router presented, "SHA256:<base64>". */
  fingerprint: string;
  /** "ssh-ed25519", "ecdsa-sha2-nistp256", ... */
  keyType: string;
  /** "unknown": nothing pinned yet; "changed": another key is pinned. */
  reason: "unknown" | "changed";
  /** The pinned fingerprint ("" when none). */
  pinned: string;
}

export interface RouterTestFailure {
  kind: ConnectFailure | "deadline" | "other";
  /** One sentence, naming the router. */
  sentence: string;
  /** What to do about it. */
  hint: string;
}

export interface RouterTestResult {
  router: Pick<
    RouterRow,
    "id" | "name" | "hostname" | "port" | "platform" | "username" | "hostKeyFingerprint"
  >;
  /** "ok": logged in; "file": nothing to connect to; "host-key": see hostKey; "failed": see failure. */
  outcome: "ok" | "file" | "host-key" | "failed";
  ms: number;
  description?: { platform: string; version: string; model?: string };
  /** The BGP neighbours it sees; `unknown` have no session on this router in peerbot. */
  neighbors?: { total: number; established: number; unknown: number };
  /** Logged in, but reading the neighbours failed: why, in one sentence. */
  neighborsError?: string;
  hostKey?: PresentedHostKey;
  failure?: RouterTestFailure;
}

export interface ProbeOptions {
  connectTimeoutMs?: number;
  workTimeoutMs?: number;
}

/** A fingerprint as a button may carry it: "SHA256:" and 43 characters of unpadded base64. */
export const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

type Marked = Error & {
  kind?: unknown;
  fingerprint?: unknown;
  keyType?: unknown;
  reason?: unknown;
  pinned?: unknown;
};

/** The host key a HostKeyError carries, or null when `err` is another error. */
export function presentedHostKey(err: unknown): PresentedHostKey | null {
  const e = err as Marked;
  if (!(err instanceof Error) || e.kind !== "host-key" || typeof e.fingerprint !== "string") return null;
  return {
    fingerprint: e.fingerprint,
    keyType: typeof e.keyType === "string" ? e.keyType : "unknown",
    reason: e.reason === "changed" ? "changed" : "unknown",
    pinned: typeof e.pinned === "string" ? e.pinned : "",
  };
}

const sentenceOf = (line: string) => (/[.!?]$/.test(line) ? line : `${line}.`);

/** One sentence and a hint for a failed test of `r`. */
export function describeFailure(
  err: unknown,
  r: RouterTestResult["router"],
  connectTimeoutMs = ROUTER_TEST_CONNECT_MS,
): RouterTestFailure {
  const name = clip(r.name, 63);
  const where = `${clip(r.hostname, 100)}:${r.port}`;
  const kind = (err as Marked)?.kind;
  const user = clip(r.username || "(none)", 40);
  switch (kind) {
    case "dns":
      return {
        kind,
        sentence: `${name}: the host name ${clip(r.hostname, 100)} does not resolve (DNS).`,
        hint: `Check the name, or give the router's address: \`router set ${name} host <address>\`.`,
      };
    case "refused":
      return {
        kind,
        sentence: `${name}: ${where} refused the connection: nothing accepts SSH on that port, or a firewall rejects peerbot.`,
        hint: `Check the port (\`router set ${name} port <n>\`) and that SSH is enabled on the router.`,
      };
    case "unreachable":
      return {
        kind,
        sentence: `${name}: ${where} is unreachable from peerbot (no route to it).`,
        hint: "Check the address and the routing between peerbot and the router's management network.",
      };
    case "timeout":
      return {
        kind,
        sentence: `${name}: ${where} did not complete an SSH handshake within ${Math.round(connectTimeoutMs / 1000)} s.`,
        hint: "A firewall that drops peerbot's packets, a router that is down, or a port that is not SSH.",
      };
    case "closed":
      return {
        kind,
        sentence: `${name}: ${where} closed the connection before SSH was ready.`,
        hint: "The router may refuse peerbot's address (an ACL on its SSH service) or allow no more sessions.",
      };
    case "auth":
      return {
        kind,
        sentence: `${name}: the router refused peerbot's credentials for user ${user}.`,
        hint: `Check the user (\`router set ${name} user <name>\`) and the password or key: \`peerbot secret set router ${name}\` from the shell, or the variable the router names.`,
      };
    case "credentials":
      return {
        kind,
        // The transport names the router first ("edge1's password variable X is not set").
        sentence: /^no SSH credentials/.test(errorLine(err))
          ? `${name} has no SSH credentials: it names no password variable and has no stored password or key.`
          : `${name} has no usable SSH credentials: ${sentenceOf(errorLine(err).replace(`${r.name}'s `, "its "))}`,
        hint: `Store them from the shell with \`peerbot secret set router ${name}\` (never in chat), or name an environment variable with \`router set ${name} credential env:<VAR>\`.`,
      };
    case "key":
      return {
        kind,
        sentence: `${name}: its stored SSH private key cannot be used.`,
        hint: `Store an unencrypted OpenSSH or PEM key with \`peerbot secret set router ${name} --key-file <path>\`.`,
      };
    default:
      return {
        kind: "other",
        sentence: `${name}: the test failed: ${sentenceOf(errorLine(err))}`,
        hint: `Check the router's settings with \`router show ${name}\`.`,
      };
  }
}

class Deadline extends Error {
  constructor(readonly ms: number) {
    super(`did not finish within ${Math.round(ms / 1000)} s`);
    this.name = "Deadline";
  }
}

/** `work`, or a Deadline error after `ms` (the work is left to end by itself). */
function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Deadline(ms)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

async function loadRouter(s: ChangeServices, routerId: number): Promise<RouterRow> {
  const r = await s.db.prisma.router.findUnique({ where: { id: routerId } });
  if (!r) throw new UserError("That router no longer exists.", "`routers` lists them.");
  return r;
}

function brief(r: RouterRow): RouterTestResult["router"] {
  return {
    id: r.id,
    name: r.name,
    hostname: r.hostname,
    port: r.port,
    platform: r.platform,
    username: r.username,
    hostKeyFingerprint: r.hostKeyFingerprint,
  };
}

/** Connects to the router and says what it found; never throws for a router that fails. */
export async function testRouter(
  s: ChangeServices,
  routerId: number,
  opts: ProbeOptions = {},
): Promise<RouterTestResult> {
  const row = await loadRouter(s, routerId);
  const router = brief(row);
  const t0 = Date.now();
  const done = (r: Omit<RouterTestResult, "router" | "ms">): RouterTestResult => ({
    router,
    ms: Date.now() - t0,
    ...r,
  });
  if (row.platform === "file") return done({ outcome: "file" });
  const connectTimeoutMs = opts.connectTimeoutMs ?? ROUTER_TEST_CONNECT_MS;
  const failed = (err: unknown): RouterTestResult => {
    const key = presentedHostKey(err);
    if (key) return done({ outcome: "host-key", hostKey: key });
    if (err instanceof Deadline) {
      return done({
        outcome: "failed",
        failure: {
          kind: "deadline",
          sentence: `${clip(row.name, 63)}: logged in, but the router did not answer within ${Math.round(err.ms / 1000)} s.`,
          hint: "The router may be overloaded, or its CLI waits for something peerbot does not send.",
        },
      });
    }
    return done({ outcome: "failed", failure: describeFailure(err, router, connectTimeoutMs) });
  };

  let driver: RouterDriver;
  try {
    driver = s.drivers(routerInfo(row));
  } catch (err) {
    return failed(err);
  }
  let closeLater = false;
  try {
    const limit = connectTimeoutMs + (opts.workTimeoutMs ?? ROUTER_TEST_WORK_MS);
    let description: RouterTestResult["description"];
    try {
      description = driver.describe ? await within(limit, driver.describe({ connectTimeoutMs })) : undefined;
    } catch (err) {
      closeLater = err instanceof Deadline;
      return failed(err);
    }
    let neighbors: BgpNeighbor[];
    try {
      neighbors = await within(limit, driver.getBgpNeighbors());
    } catch (err) {
      closeLater = err instanceof Deadline;
      // Without describe, the neighbours were the first thing to connect.
      if (!description) return failed(err);
      return done({
        outcome: "ok",
        description,
        neighborsError: `reading its BGP neighbours failed: ${sentenceOf(errorLine(err))}`,
      });
    }
    const known = await knownAddresses(s.db, row.id);
    return done({
      outcome: "ok",
      ...(description ? { description } : {}),
      neighbors: {
        total: neighbors.length,
        established: neighbors.filter((n) => n.state === "established").length,
        unknown: neighbors.filter((n) => !known.has(normalizeIp(n.remoteAddress))).length,
      },
    });
  } finally {
    // A driver still busy with a command that outlived the deadline closes when it is done.
    const closing = driver.close().catch(() => {});
    if (!closeLater) await closing;
  }
}

export interface AcceptResult {
  /** "pinned": stored now; "already": the router presents the pinned key, and it is this one. */
  outcome: "pinned" | "already";
  previous: string;
  keyType: string;
  /** The test run again with the key pinned. */
  test: RouterTestResult;
}

/**
 * An admin pressed Accept key for `fingerprint` (the one they were shown). The router is asked
 * again: only when it still presents exactly that key is it pinned, in one transaction with
 * the router's history row, and audited. Throws UserError, changing nothing, otherwise.
 */
export async function acceptHostKey(
  s: ChangeServices,
  routerId: number,
  fingerprint: string,
  actor: Actor,
  opts: ProbeOptions = {},
): Promise<AcceptResult> {
  if (!FINGERPRINT.test(fingerprint)) {
    throw new UserError("That button does not carry a host key fingerprint.", "Run `router test` again.");
  }
  const row = await loadRouter(s, routerId);
  const name = clip(row.name, 63);
  if (row.platform === "file")
    throw new UserError(
      `${name} is a file router: it has no SSH host key.`,
      `\`router show ${name}\` shows where its configuration is written.`,
    );
  const now = await testRouter(s, routerId, opts);
  if (now.outcome === "failed") {
    throw new UserError(
      `peerbot could not read the host key ${name} presents now, so nothing was pinned: ${now.failure!.sentence}`,
      now.failure!.hint,
    );
  }
  if (now.outcome !== "host-key") {
    if (row.hostKeyFingerprint === fingerprint)
      return { outcome: "already", previous: fingerprint, keyType: "", test: now };
    throw new UserError(
      `${name} presents its pinned key ${row.hostKeyFingerprint}, not ${fingerprint}; nothing was changed.`,
      `Run \`router test ${name}\` to see where it stands.`,
    );
  }
  const presented = now.hostKey!;
  if (presented.fingerprint !== fingerprint) {
    throw new UserError(
      `${name} now presents ${presented.keyType} ${presented.fingerprint}, not the key ${fingerprint} you were shown, so nothing was pinned.`,
      `Run \`router test ${name}\` again and verify the key it shows before you accept it.`,
    );
  }
  const pinned = await s.db.prisma.$transaction(async (tx) => {
    // Only over the pin the check was made against: a second admin's press in between wins.
    const n = await tx.router.updateMany({
      where: { id: row.id, hostKeyFingerprint: row.hostKeyFingerprint },
      data: { hostKeyFingerprint: fingerprint },
    });
    if (n.count !== 1) return false;
    await recordChange(tx, chatAuthor(actor), {
      type: "router",
      id: row.id,
      repr: row.name,
      action: "update",
      before: row,
      after: { ...row, hostKeyFingerprint: fingerprint },
    });
    return true;
  });
  if (!pinned) {
    throw new UserError(
      `${name}'s host key was changed by someone else meanwhile; nothing was pinned.`,
      `Run \`router test ${name}\` to see where it stands.`,
    );
  }
  await audit(s.db, {
    actor,
    channel: "",
    command: "router.hostkey",
    args: row.name,
    outcome: "ok",
    message: `pinned ${presented.keyType} ${fingerprint}${row.hostKeyFingerprint ? ` (replacing ${row.hostKeyFingerprint})` : ""}`,
    objects: [`router:${row.id}`],
  }).catch((err: unknown) => s.log.error("audit write failed", { err }));
  s.log.info("router host key pinned", { router: row.name, fingerprint, previous: row.hostKeyFingerprint });
  return {
    outcome: "pinned",
    previous: row.hostKeyFingerprint,
    keyType: presented.keyType,
    test: await testRouter(s, routerId, opts),
  };
}
