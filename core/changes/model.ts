// The change request as a record: its services, its row type, the one status table every
// status check reads, and the small pieces every step shares (who asked, how a change is
// loaded, audited and refused).
import { auditRow, type AuditRecord } from "../audit.js";
import type { Config } from "../config.js";
import type { SecretBox } from "../crypto.js";
import type { Database, Prisma, SessionStatus } from "../db.js";
import { UserError } from "../errors.js";
import type { Logger } from "../log.js";
import type { IxApiClientFactory } from "../ixapi/port.js";
import type { Clock, DriverFactory, JobQueue, Notifier, RouterInfo } from "../ports.js";
import type { Reply } from "../reply.js";
import type { Actor } from "../roles.js";

export { errorLine, utc } from "../text.js";
import { changeObject } from "./refs.js";

export const DEPLOY_QUEUE = "deploy";

/** What core/changes needs from a running peerbot (a subset of commands' Services). */
export interface ChangeServices {
  db: Database;
  config: Config;
  clock: Clock;
  jobs: JobQueue;
  notifier?: Notifier;
  secrets?: SecretBox;
  log: Logger;
  drivers: DriverFactory;
  /** IX-API clients, one per endpoint row (drivers/ixapi), for IX-API changes. */
  ixapi?: IxApiClientFactory;
}

/** A session status change that a change carries: applied on deploy, undone on reject/expiry. */
export interface Effect {
  kind: "ixp" | "direct";
  id: number;
  /** Status after a successful deploy, or "delete". */
  onDeploy: SessionStatus | "delete";
  /** Status to restore when the change is rejected or expires, or "delete" (it was created for it). */
  onRevert: SessionStatus | "delete";
}

export type ChangeRow = Prisma.ChangeRequestGetPayload<{ include: { router: true; approvals: true } }>;

/** A router as a change carries it. */
export type RouterRow = Prisma.RouterGetPayload<object>;

/**
 * The router of a router change. An IX-API change (kind ixapi, core/changes/ixapi.ts) has none:
 * the steps that talk to a router are never reached for it, and this says so if one is.
 */
export function routerOf(c: { id: number; router: RouterRow | null }): RouterRow {
  if (!c.router) throw new Error(`change #${c.id} is an IX-API change and has no router`);
  return c.router;
}

/** What a change is for, by name: its router, or the IXP connection of an IX-API change. */
export function targetName(c: { router: { name: string } | null; payload: unknown }): string {
  if (c.router) return c.router.name;
  const t = (c.payload as { target?: unknown } | null)?.target;
  return typeof t === "string" && t ? t : "IX-API";
}

export type ChangeStatus = ChangeRow["status"];

/**
 * The change status machine in one table: every status check reads it. `open`: it can be
 * decided (approved, rejected, superseded); `locking`: its router takes no other change;
 * `terminal`: nothing happens to it any more.
 */
export const CHANGE_STATUS: Record<
  ChangeStatus,
  { open: boolean; locking: boolean; terminal: boolean; label: string; kind: Reply["kind"] }
> = {
  planning: { open: false, locking: false, terminal: false, label: "being planned", kind: "info" },
  pending: { open: true, locking: false, terminal: false, label: "waiting for approval", kind: "info" },
  queued: { open: false, locking: true, terminal: false, label: "approved, deploy queued", kind: "info" },
  deploying: { open: false, locking: true, terminal: false, label: "deploying", kind: "info" },
  deployed: { open: false, locking: false, terminal: true, label: "deployed", kind: "success" },
  failed: { open: false, locking: false, terminal: true, label: "failed", kind: "error" },
  rolled_back: { open: false, locking: false, terminal: true, label: "rolled back", kind: "error" },
  rejected: { open: false, locking: false, terminal: true, label: "rejected", kind: "warning" },
  superseded: { open: false, locking: false, terminal: true, label: "superseded", kind: "warning" },
  expired: { open: false, locking: false, terminal: true, label: "expired", kind: "warning" },
};
const statuses = (f: (v: (typeof CHANGE_STATUS)[ChangeStatus]) => boolean) =>
  (Object.keys(CHANGE_STATUS) as ChangeStatus[]).filter((k) => f(CHANGE_STATUS[k]));
export const OPEN = statuses((v) => v.open);
export const LOCKING = statuses((v) => v.locking);
/** Listed by `changes`: everything not yet ended. */
export const ACTIVE = statuses((v) => !v.terminal);

/** How many deploy jobs a change may be given (each with the queue's own retries). */
export const MAX_DEPLOY_JOBS = 3;
/** A draft older than this was left behind by a `peer` that failed or was killed. */
export const PLANNING_GRACE_MS = 120_000;
/** A queued or deploying change untouched this long is checked for a live job. */
export const RECONCILE_GRACE_MS = 30_000;

/** The people a change carries effects of (rows from before `requesters` have only requestedBy). */
export const requestersOf = (c: { requesters: string[]; requestedBy: string }) =>
  c.requesters.length ? c.requesters : [c.requestedBy];

export const actorKey = (a: Actor) => `${a.platform}:${a.userId}`;

export function routerInfo(r: RouterRow): RouterInfo {
  return {
    id: r.id,
    name: r.name,
    hostname: r.hostname,
    port: r.port,
    platform: r.platform,
    username: r.username,
    passwordEnc: r.passwordEnc,
    privateKeyEnc: r.privateKeyEnc,
    credentialEnv: r.credentialEnv,
    hostKeyFingerprint: r.hostKeyFingerprint,
    configPath: r.configPath,
  };
}

export async function loadChange(db: Database, id: number): Promise<ChangeRow | null> {
  return db.prisma.changeRequest.findUnique({ where: { id }, include: { router: true, approvals: true } });
}

/** The change a transition's audit row names: by id, and its router or connection. */
export type AuditedChange = { id: number; routerId: number | null; connectionId?: number | null };

/**
 * A change's transition, as its audit row says it ("change.<what>" by the actor, or by peerbot).
 * Given to endChange (./effects.ts) and written in the transition's own transaction, so that a
 * process killed right after the status changed cannot leave the transition unaudited.
 */
export interface TransitionAudit {
  actor: Actor | null;
  what: string;
  message?: string;
}

function transitionRecord(change: AuditedChange, t: TransitionAudit): AuditRecord {
  return {
    actor: t.actor ?? PEERBOT,
    channel: "",
    command: `change.${t.what}`,
    args: `#${change.id}`,
    outcome: "ok",
    message: t.message ?? "",
    objects: [
      changeObject(change.id),
      change.routerId !== null ? `router:${change.routerId}` : `connection:${change.connectionId ?? 0}`,
    ],
  };
}

/** Writes transitions' audit rows in the caller's transaction (a failure fails the transition). */
export async function transitionAuditIn(
  tx: Prisma.TransactionClient,
  change: AuditedChange,
  ...transitions: TransitionAudit[]
): Promise<void> {
  if (!transitions.length) return;
  await tx.auditEvent.createMany({ data: transitions.map((t) => auditRow(transitionRecord(change, t))) });
}

export const PEERBOT: Actor = { platform: "console", userId: "peerbot", userName: "peerbot" };

export function notOpen(c: ChangeRow): UserError {
  const why =
    c.status === "superseded"
      ? `was superseded (${c.reason})`
      : CHANGE_STATUS[c.status].locking
        ? `is already approved and ${c.status}`
        : c.status === "planning"
          ? "is still being planned"
          : `is ${CHANGE_STATUS[c.status].label}`;
  return new UserError(
    `Change #${c.id} ${why}; there is nothing to decide.`,
    CHANGE_STATUS[c.status].locking
      ? "`changes` shows where it stands; an admin can end a stuck one with `change <id> abandon`."
      : "`changes` lists the open ones.",
  );
}

export async function requireChange(s: ChangeServices, id: number): Promise<ChangeRow> {
  const c = await loadChange(s.db, id);
  if (!c) throw new UserError(`There is no change #${id}.`, "`changes` lists the open ones.");
  return c;
}
