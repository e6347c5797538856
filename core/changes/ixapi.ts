// IX-API changes: a connection's MAC addresses at the exchange, written through its IX-API
// only after a second engineer approved exactly what the change shows. The same record, the
// same four-eyes, expiry, lock, audit and message as a router change (kind "ixapi", no router).
//
// Plan:   read the config and the MACs from the IX-API now, store what it lists (`before`) and
//         what it will list (`after`), as words in the diff.
// Deploy: read again; the IXP lists `after` already -> done (a worker died after the write);
//         it lists something other than `before` -> refused, nothing written (approve what you
//         saw); else register the new MAC (an identical MAC object of ours is reused), PATCH
//         the config's MAC list, read it back, and only then take the new MAC on our record.
// Every step is stored before the next, so a retried or recovered job knows what is done.
import { createHash } from "node:crypto";
import { z } from "zod";
import type { Prisma } from "../db.js";
import { UserError } from "../errors.js";
import { processAuthor, recordChange } from "../history.js";
import { IxApiError, type IxApiClient, type IxApiClientFactory, type IxApiMac } from "../ixapi/port.js";
import { DriverError } from "../ports.js";
import type { Actor } from "../roles.js";
import { clip, singleLine } from "../text.js";
import { refreshMessage, step } from "./message.js";
import {
  actorKey,
  errorLine,
  LOCKING,
  OPEN,
  transitionAuditIn,
  type TransitionAudit,
  type ChangeRow,
  type ChangeServices,
} from "./model.js";
import { lockedError, supersedeOpen } from "./plan.js";
import { endChange } from "./effects.js";

/** ChangeServices, whose `ixapi` member an IX-API change needs. */
export type IxApiChangeServices = ChangeServices;

/** What an IX-API MAC change writes, stored in ChangeRequest.payload when it is planned. */
export const MacPayload = z.object({
  op: z.literal("macs"),
  /** How the change is named in titles and lists: "<IXP> <connection>". */
  target: z.string(),
  endpointId: z.number().int(),
  configId: z.string(),
  /** The MAC addresses the config listed when the change was made, and will list after it. */
  before: z.array(z.string()),
  after: z.array(z.string()),
  newMac: z.string(),
  /** Our connection's MAC before the change (restored nowhere: it is only taken on success). */
  previousMac: z.string(),
  keepOld: z.boolean(),
});
export type MacPayload = z.infer<typeof MacPayload>;

/**
 * A MAC address in the lower-case colon form, from any of the usual ways of writing one
 * (`94:F7:AD:12:34:56`, `94-f7-ad-12-34-56`, `94f7.ad12.3456`, `94f7ad123456`), or null.
 */
export function normaliseMac(text: string): string | null {
  const t = text.trim().toLowerCase();
  let hex: string | null = null;
  if (/^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/.test(t)) hex = t.replace(/[:-]/g, "");
  else if (/^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/.test(t)) hex = t.replace(/\./g, "");
  else if (/^[0-9a-f]{12}$/.test(t)) hex = t;
  if (!hex) return null;
  return hex.match(/../g)!.join(":");
}

const MAC_USAGE =
  "Usage: `connection <name> mac <MAC> [keep-old]`, e.g. `connection linx-lon1 mac 1c:b8:57:00:12:34 keep-old`.";

/** Checks a MAC typed in chat: one sentence for anything an exchange would refuse. */
export function parseMac(text: string): string {
  const mac = normaliseMac(text);
  if (!mac) throw new UserError(`${clip(singleLine(text, 40), 40)} is not a MAC address.`, MAC_USAGE);
  const first = parseInt(mac.slice(0, 2), 16);
  if (mac === "00:00:00:00:00:00" || first & 1)
    throw new UserError(
      `${mac} is a ${first & 1 ? "multicast or broadcast" : "zero"} address; a router port has a unicast MAC.`,
      MAC_USAGE,
    );
  return mac;
}

const sha = (lines: string[]) => createHash("sha256").update(lines.join("\n")).digest("hex");
const sameSet = (a: string[], b: string[]) => {
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
};
const listed = (macs: string[]) => (macs.length ? macs.join(", ") : "no MAC");

/** The MAC addresses a config lists, read from the IX-API now (ids resolved through /macs). */
async function macsOf(
  client: IxApiClient,
  configId: string,
): Promise<{
  addresses: string[];
  byAddress: Map<string, IxApiMac>;
  config: Awaited<ReturnType<IxApiClient["getNetworkServiceConfig"]>>;
}> {
  const [config, macs] = await Promise.all([client.getNetworkServiceConfig(configId), client.listMacs()]);
  const byId = new Map(macs.map((m) => [m.id, m]));
  const byAddress = new Map<string, IxApiMac>();
  for (const m of macs) {
    const a = normaliseMac(m.address);
    if (a && !byAddress.has(a)) byAddress.set(a, m);
  }
  const addresses = config.macs.map((id) => {
    const m = byId.get(id);
    return (m && normaliseMac(m.address)) || `unknown MAC object ${clip(singleLine(id, 60), 60)}`;
  });
  return { addresses, byAddress, config };
}

function ixapiOf(s: IxApiChangeServices): IxApiClientFactory {
  if (!s.ixapi)
    throw new UserError(
      "This peerbot has no IX-API client set up.",
      "An admin adds an endpoint with `ixapi add`; see the README's IX-API section.",
    );
  return s.ixapi;
}

function ixapiSentence(err: unknown): string {
  return err instanceof IxApiError ? err.message : errorLine(err);
}

/** A sentence without its final full stop, to go on with "; …" in one sentence. */
const bare = (text: string) => text.replace(/[\s.]+$/, "");

export interface MacChangeInput {
  connectionId: number;
  mac: string;
  keepOld: boolean;
  actor: Actor;
}

export type MacPlanResult =
  { kind: "change"; change: ChangeRow; superseded: number[] } | { kind: "nochange"; text: string };

/**
 * `connection <name> mac <MAC> [keep-old]`: reads the connection's config at the exchange and
 * plans a pending IX-API change: the new MAC beside the old ones (keep-old, for a router
 * migration) or instead of them. An open (pending) MAC change of the same connection is
 * superseded; a queued or deploying one locks the connection.
 */
export async function planMacChange(s: IxApiChangeServices, input: MacChangeInput): Promise<MacPlanResult> {
  const mac = parseMac(input.mac);
  const conn = await s.db.prisma.connection.findUniqueOrThrow({
    where: { id: input.connectionId },
    include: { ixp: true, router: { select: { name: true } } },
  });
  const connName = connectionName(conn);
  if (!conn.ixp.ixapiEndpointId)
    throw new UserError(
      `${singleLine(conn.ixp.name, 80)} is not linked to an IX-API endpoint, so peerbot cannot change ${connName} there.`,
      `An admin links it with \`ixapi link ${conn.ixp.slug} <endpoint>\`.`,
    );
  if (!conn.ixapiConfigId)
    throw new UserError(
      `${connName} is not matched to a network-service config at ${singleLine(conn.ixp.name, 80)}'s IX-API yet.`,
      `\`ixapi refresh ${conn.ixp.slug}\` reads the IX-API again; \`ix ${conn.ixp.slug}\` shows which config is ours.`,
    );
  const factory = ixapiOf(s);
  const locked = await s.db.prisma.changeRequest.findFirst({
    where: { connectionId: conn.id, status: { in: [...LOCKING] } },
  });
  if (locked) throw lockedError(connName, locked);

  let client: IxApiClient | undefined;
  let now: Awaited<ReturnType<typeof macsOf>>;
  try {
    client = await factory(conn.ixp.ixapiEndpointId);
    now = await macsOf(client, conn.ixapiConfigId);
  } catch (err) {
    throw new UserError(
      `Could not read ${connName}'s config from the IX-API: ${ixapiSentence(err)}`,
      "Nothing was changed; try again in a moment.",
    );
  } finally {
    await client?.close().catch(() => {});
  }
  const before = now.addresses;
  const after = input.keepOld ? [...new Set([...before, mac])] : [mac];
  if (sameSet(before, after))
    return {
      kind: "nochange",
      text: `The IXP lists ${mac} on ${connName} already${input.keepOld ? "" : ", and no other MAC"}; nothing to change.`,
    };

  const configId = conn.ixapiConfigId;
  const removed = before.filter((m) => !after.includes(m));
  const added = after.filter((m) => !before.includes(m));
  const diff = [
    `MACs of ${configId}: ${listed(before)} -> ${listed(after)}`,
    ...removed.map((m) => `- ${m}`),
    ...added.map((m) => `+ ${m}`),
  ].join("\n");
  const target = `${singleLine(conn.ixp.name, 60)} ${connName}`;
  const payload: MacPayload = {
    op: "macs",
    target,
    endpointId: conn.ixp.ixapiEndpointId,
    configId,
    before,
    after,
    newMac: mac,
    previousMac: conn.macAddress,
    keepOld: input.keepOld,
  };
  const summary = `MAC of ${connName} at ${singleLine(conn.ixp.name, 60)}: ${input.keepOld ? `add ${mac} beside ${listed(before)}` : `${listed(before)} -> ${mac}`}`;
  const expiresAt = new Date(s.clock.now().getTime() + s.config.PEERBOT_CHANGE_EXPIRY);
  const me = actorKey(input.actor);
  const { change, superseded } = await s.db.prisma.$transaction(async (tx) => {
    // Serialise planners of one connection on its row, as router changes do on the router's.
    await tx.$queryRaw`select id from "Connection" where id = ${conn.id} for update`;
    const lock = await tx.changeRequest.findFirst({
      where: { connectionId: conn.id, status: { in: [...LOCKING] } },
    });
    if (lock) throw lockedError(connName, lock);
    const open = await tx.changeRequest.findMany({
      where: { connectionId: conn.id, kind: "ixapi", status: { in: [...OPEN] } },
      orderBy: { id: "asc" },
    });
    const created = await tx.changeRequest.create({
      data: {
        kind: "ixapi",
        connectionId: conn.id,
        payload: payload as unknown as Prisma.InputJsonValue,
        summary,
        requestedBy: me,
        requestedByName: input.actor.userName,
        requesters: [me],
        status: "pending",
        config: after.join("\n"),
        configSha256: sha(after),
        baseSha256: sha(before),
        diff,
        diffSha256: sha([diff]),
        added: added.length,
        removed: removed.length,
        effects: [],
        expiresAt,
        supersedesId: open[open.length - 1]?.id ?? null,
      },
      include: { router: true, approvals: true },
    });
    await supersedeOpen(tx, open, created.id, s.clock.now());
    // The audit rows commit with the change, so that no crash leaves either unaudited.
    await transitionAuditIn(tx, created, { actor: input.actor, what: "create", message: summary });
    for (const o of open)
      await transitionAuditIn(
        tx,
        { id: o.id, routerId: null, connectionId: conn.id },
        { actor: input.actor, what: "supersede", message: `by #${created.id}` },
      );
    return { change: created, superseded: open.map((c) => c.id) };
  });
  for (const id of superseded) {
    await refreshMessage(s, id);
  }
  return { kind: "change", change, superseded };
}

export function connectionName(c: { id: number; name: string; router?: { name: string } | null }): string {
  const name = singleLine(c.name, 60) || `#${c.id}`;
  // A name that already says the router (the demo's "edge1.lon LINX LON1") does not repeat it.
  return c.router && !name.includes(c.router.name) ? `${name} (${singleLine(c.router.name, 60)})` : name;
}

export function macPayloadOf(c: { id: number; payload: unknown }): MacPayload {
  const p = MacPayload.safeParse(c.payload);
  if (!p.success) throw new Error(`change #${c.id} carries no IX-API change that peerbot can read`);
  return p.data;
}

/** What the exchange lists now, against the change: its `after`, its `before`, or neither. */
export type IxApiSeen = "approved" | "base" | "other" | "unreachable";

export async function readIxApi(s: IxApiChangeServices, c: ChangeRow): Promise<IxApiSeen> {
  let client: IxApiClient | undefined;
  try {
    const p = macPayloadOf(c);
    client = await ixapiOf(s)(p.endpointId);
    const { addresses } = await macsOf(client, p.configId);
    return sameSet(addresses, p.after) ? "approved" : sameSet(addresses, p.before) ? "base" : "other";
  } catch {
    return "unreachable";
  } finally {
    await client?.close().catch(() => {});
  }
}

/**
 * Ends an IX-API change deployed: in one transaction its status, our connection's record (the
 * new MAC, with a history row) and the audit rows (`change.deployed`, then `also`), so the two
 * never disagree and no crash leaves the transition unaudited.
 */
export async function finishIxApiDeployed(
  s: ChangeServices,
  c: ChangeRow,
  from: readonly ChangeRow["status"][] = ["deploying"],
  data: Prisma.ChangeRequestUpdateManyMutationInput = {},
  ...also: TransitionAudit[]
): Promise<boolean> {
  const p = macPayloadOf(c);
  const ended = await s.db.prisma.$transaction(async (tx) => {
    const n = await tx.changeRequest.updateMany({
      where: { id: c.id, status: { in: [...from] } },
      data: { reason: "", deployedAt: s.clock.now(), phase: "confirmed", ...data, status: "deployed" },
    });
    if (n.count === 0) return false;
    if (c.connectionId !== null) await recordMac(tx, c.connectionId, p.newMac, c.id);
    await transitionAuditIn(tx, c, { actor: null, what: "deployed" }, ...also);
    return true;
  });
  if (ended) await refreshMessage(s, c.id);
  return ended;
}

async function recordMac(tx: Prisma.TransactionClient, connectionId: number, mac: string, changeId: number) {
  const before = await tx.connection.findUnique({ where: { id: connectionId }, include: { ixp: true } });
  if (!before || before.macAddress === mac) return;
  await tx.connection.update({ where: { id: connectionId }, data: { macAddress: mac } });
  await recordChange(tx, processAuthor(`change:${changeId}`, "deploy", `change #${changeId}`), {
    type: "connection",
    id: connectionId,
    repr: `${before.ixp.name} ${before.name || `#${connectionId}`}`,
    action: "update",
    before: { macAddress: before.macAddress },
    after: { macAddress: mac },
  });
}

async function failIxApi(s: ChangeServices, c: ChangeRow, reason: string): Promise<void> {
  const ended = await endChange(s, c, ["deploying"], "failed", { reason: clip(reason, 480) }, "keep", {
    actor: null,
    what: "failed",
    message: reason,
  });
  if (!ended) return;
  await refreshMessage(s, c.id);
}

/**
 * The deploy job of an IX-API change (status already `deploying`). Idempotent: run again after
 * a crash at any step, it reads the exchange first and goes on from what it lists. A transient
 * IX-API error (429, 5xx, a timeout) is thrown as a transient DriverError for the queue to retry.
 */
export async function deployIxApiChange(
  s: IxApiChangeServices,
  c: ChangeRow,
): Promise<"deployed" | "failed"> {
  const p = macPayloadOf(c);
  const ours = p.previousMac || "no MAC";
  if (!s.ixapi) {
    await failIxApi(s, c, "this worker has no IX-API client; nothing was written at the IXP");
    return "failed";
  }
  let client: IxApiClient | undefined;
  let wrote = false;
  /** The new MAC's object at the IXP once it has one (made or reused), when the config did not list it. */
  let registered: string | null = null;
  try {
    client = await s.ixapi(p.endpointId);
    const now = await macsOf(client, p.configId);
    if (sameSet(now.addresses, p.after)) {
      await step(s, c.id, `the IXP lists ${listed(p.after)} already (found after a restart)`, {
        phase: "confirmed",
      });
      await finishIxApiDeployed(s, c);
      return "deployed";
    }
    if (!sameSet(now.addresses, p.before)) {
      await failIxApi(
        s,
        c,
        `stale: the IXP's MACs of ${p.configId} changed since this change was made (it lists ${listed(now.addresses)}, the change was made against ${listed(p.before)}); nothing was written, our record keeps ${ours}; run the command again`,
      );
      return "failed";
    }
    await step(s, c.id, `read the config again: it lists ${listed(p.before)}, as when the change was made`);
    const ids: string[] = [];
    // A MAC the config lists already keeps its own object, even one that GET /macs of our
    // account does not list (listed as "unknown MAC object <id>"): it is never sent to POST /macs.
    const listedIds = new Map(now.addresses.map((a, i) => [a, now.config.macs[i]!]));
    for (const address of p.after) {
      const existing = listedIds.get(address) ?? now.byAddress.get(address)?.id;
      if (existing) {
        ids.push(existing);
        if (address === p.newMac && !p.before.includes(address)) registered = existing;
        continue;
      }
      const made = await client.createMac({
        address,
        managing_account: now.config.managing_account,
        consuming_account: now.config.consuming_account,
      });
      ids.push(made.id);
      if (address === p.newMac) registered = made.id;
      await step(
        s,
        c.id,
        `registered MAC ${address} at the IXP (MAC object ${clip(singleLine(made.id, 60), 60)})`,
      );
    }
    await s.db.prisma.changeRequest.update({ where: { id: c.id }, data: { phase: "committing" } });
    wrote = true;
    await client.patchNetworkServiceConfig(p.configId, { macs: ids });
    await step(s, c.id, `the IXP's config ${p.configId} now lists ${listed(p.after)}`, {
      phase: "committed",
    });
    const check = await macsOf(client, p.configId);
    if (!sameSet(check.addresses, p.after)) {
      await failIxApi(
        s,
        c,
        `verification failed: after the write the IXP lists ${listed(check.addresses)}, not ${listed(p.after)}; our record keeps ${ours}`,
      );
      return "failed";
    }
    await step(s, c.id, "verified: the IXP lists exactly the approved MACs", { phase: "confirmed" });
    await finishIxApiDeployed(s, c);
    return "deployed";
  } catch (err) {
    if (err instanceof IxApiError && err.transient) {
      await step(s, c.id, `the IX-API did not answer (${err.message}); will retry`).catch(() => {});
      // What the exchange has besides its config (the give-up says what the config lists).
      const mac = registered
        ? `; ${p.newMac} is registered at the IXP as MAC object ${clip(singleLine(registered, 60), 60)}`
        : "";
      throw new DriverError(`change #${c.id}: ${bare(err.message)}${mac}`, true);
    }
    // Refused: say which side has what. After the write was sent, read what the IXP lists now.
    let where = `the IXP still lists ${listed(p.before)}`;
    let seen: string[] | null = p.before;
    if (wrote && client) {
      seen = await macsOf(client, p.configId).then(
        (x) => x.addresses,
        () => null,
      );
      where = seen ? `the IXP lists ${listed(seen)}` : "what the IXP lists now could not be read";
    }
    // A MAC registered for the change but not attached stays at the IXP: say so (it is reused
    // when the change is made again).
    if (registered)
      where += `; ${p.newMac} is registered at the IXP as MAC object ${clip(singleLine(registered, 60), 60)}${seen && !seen.includes(p.newMac) ? `, not attached to ${p.configId}` : ""}`;
    await failIxApi(s, c, `${bare(ixapiSentence(err))}; ${where}; our record keeps ${ours}`);
    return "failed";
  } finally {
    await client?.close().catch(() => {});
  }
}
