// Routers: create, update, remove (each one transaction with its history row) and the detail
// `router show` prints. A credential is never a value here: a router names an environment
// variable, or its password is stored encrypted from the shell (`peerbot secret set router`).
import { existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { ACTIVE } from "../changes/model.js";
import { configSchema } from "../config.js";
import type { Database, Prisma } from "../db.js";
import { UserError } from "../errors.js";
import { recordChange, recordChanges, type HistoryAuthor, type HistoryEntry, type Tx } from "../history.js";
import { builtinTemplatesDir, dialectFor } from "../render/index.js";
import { clip, plural } from "../text.js";
import { repr } from "./repr.js";
import {
  check,
  configPath,
  envName,
  hostname,
  lineText,
  objectStatus,
  port,
  routerId,
  routerName,
  unique,
  username,
} from "./validate.js";

export const PLATFORMS = ["junos", "iosxr", "eos", "bird2", "frr", "file"] as const;
export type Platform = (typeof PLATFORMS)[number];

export const platform = z.string().transform((s, ctx) => {
  const hit = PLATFORMS.find((p) => p === s.trim().toLowerCase());
  if (!hit) {
    ctx.addIssue({
      code: "custom",
      message: `"${clip(s)}" is not a platform peerbot drives; use one of ${PLATFORMS.join(", ")}.`,
    });
    return z.NEVER;
  }
  return hit;
});

/** Where a router's password comes from: an environment variable, or nothing (clears a stored one). */
export type CredentialSource = { env: string } | { none: true };

/** The fields of a router that chat, a file or an import may set. */
export interface RouterFields {
  hostname: string;
  port: number;
  platform: Platform;
  /** Our local AS; must be affiliated. */
  localAsn: number;
  username: string;
  credential: CredentialSource;
  /** "" for the platform's own. */
  template: string;
  pollSessionState: boolean;
  fourEyes: boolean;
  bgpRouterId: string;
  configPath: string;
  status: "enabled" | "disabled" | "maintenance";
  comments: string;
}

export interface RouterOptions {
  /** Run inside this transaction instead of one of its own. */
  tx?: Tx;
  /** PEERBOT_TEMPLATES_DIR: where templates of one's own live (`<dir>/router/<name>.hbs`). */
  templatesDir?: string | null;
  /**
   * When set (chat), a file router's configuration path must lie inside this folder (peerbot's
   * data folder): a chat command must not make peerbot write files anywhere it can.
   */
  confineFilesTo?: string;
}

/** peerbot's own settings: a router's password never comes from one of them (its secret key, tokens). */
const OWN_SETTINGS = new Set(Object.keys(configSchema.shape));

function checkCredentialEnv(env: string): void {
  check(envName, env);
  if (OWN_SETTINGS.has(env))
    throw new UserError(
      `${env} is one of peerbot's own settings, not a router's password; name a variable of the router's own.`,
    );
}

/** A file router's path, inside `dir` when confined (relative paths are taken from there). */
function checkFilePath(p: string, plat: Platform, dir: string | undefined): void {
  if (!p || plat !== "file" || dir === undefined) return;
  const base = path.resolve(dir);
  const full = path.resolve(base, p);
  if (full !== base && !full.startsWith(base + path.sep))
    throw new UserError(
      `A file router set from chat writes inside peerbot's data folder (${base}); give a path in it, e.g. configs/<router>.conf.`,
    );
}

const TEMPLATE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Whether the renderer can load a router template of that name (built in, or in the override folder). */
export function templateExists(name: string, templatesDir?: string | null): boolean {
  if (!TEMPLATE_NAME.test(name) || name.includes("..")) return false;
  const dirs = [
    templatesDir?.trim() ? path.join(path.resolve(templatesDir.trim()), "router") : null,
    builtinTemplatesDir(),
  ];
  return dirs.some((d) => d && existsSync(path.join(d, `${name}.hbs`)));
}

/** Refuses a template the renderer cannot load, or one written for another platform. */
function checkTemplate(name: string, plat: Platform, routerLabel: string, templatesDir?: string | null) {
  if (!name) {
    if (plat === "file") {
      throw new UserError(
        `A file router writes its configuration from a template, so ${routerLabel} needs one.`,
        "Name it with template bird2 (or junos, iosxr, eos, frr, or a template of your own).",
      );
    }
    return;
  }
  if (!templateExists(name, templatesDir)) {
    throw new UserError(
      `There is no router template called "${clip(name)}".`,
      "The built-in ones are junos, iosxr, eos, bird2 and frr; your own go in $PEERBOT_TEMPLATES_DIR/router/<name>.hbs.",
    );
  }
  const d = dialectFor(plat, name);
  if (plat !== "file" && d !== plat) {
    throw new UserError(
      `The ${clip(name)} template writes ${d} configuration, which a ${plat} router cannot take.`,
      `Give ${routerLabel} a ${plat} template, or none for the built-in one.`,
    );
  }
}

/** Our affiliated AS with this number, or the only one when no number is given. */
async function localAs(tx: Tx, asn: number | undefined): Promise<{ id: number; asn: bigint }> {
  if (asn !== undefined) {
    const a = await tx.autonomousSystem.findUnique({
      where: { asn: BigInt(asn) },
      select: { id: true, asn: true, affiliated: true },
    });
    if (!a) throw new UserError(`AS${asn} is not in peerbot's database; add it as one of ours first.`);
    if (!a.affiliated)
      throw new UserError(`AS${asn} is not one of ours (affiliated), so it cannot be a router's local AS.`);
    return a;
  }
  const ours = await tx.autonomousSystem.findMany({
    where: { affiliated: true },
    select: { id: true, asn: true },
    orderBy: { asn: "asc" },
    take: 6,
  });
  if (ours.length === 1) return ours[0] as { id: number; asn: bigint };
  if (!ours.length)
    throw new UserError(
      "peerbot knows none of our own ASes yet, and a router needs its local AS.",
      "Add ours first: as add <asn> affiliated.",
    );
  throw new UserError(
    `We have ${ours.length > 5 ? "more than 5" : ours.length} ASes of our own (${ours
      .slice(0, 5)
      .map((a) => `AS${a.asn}`)
      .join(", ")}); say which is this router's local AS with as <asn>.`,
  );
}

function validateFields(f: Partial<RouterFields>): void {
  if (f.hostname !== undefined) check(hostname, f.hostname);
  if (f.port !== undefined) check(port, f.port);
  if (f.username !== undefined && f.username !== "") check(username, f.username);
  if (f.credential && "env" in f.credential) checkCredentialEnv(f.credential.env);
  if (f.bgpRouterId !== undefined && f.bgpRouterId !== "") check(routerId, f.bgpRouterId);
  if (f.configPath !== undefined && f.configPath !== "") check(configPath, f.configPath);
  if (f.status !== undefined) check(objectStatus, f.status);
  if (f.comments !== undefined) check(lineText("comment", 1000), f.comments);
}

const run = <T>(db: Database, opts: RouterOptions, fn: (tx: Tx) => Promise<T>): Promise<T> =>
  opts.tx ? fn(opts.tx) : db.prisma.$transaction((tx) => fn(tx));

type RouterRow = Prisma.RouterGetPayload<object>;

export interface RouterWrite {
  router: RouterRow;
  /** Things the user should know (an env variable that is not set, a pin that stays). */
  notes: string[];
}

function credentialData(c: CredentialSource | undefined): Prisma.RouterUncheckedUpdateInput {
  if (!c) return {};
  // A stored password would win over the variable (drivers take it first): naming a variable,
  // or none, drops it, so that the router uses what was asked for.
  if ("env" in c) return { credentialEnv: c.env, passwordEnc: null };
  return { credentialEnv: "", passwordEnc: null, privateKeyEnc: null };
}

function envNote(name: string, env: string): string[] {
  return env && process.env[env] === undefined
    ? [`$${env} is not set in peerbot's environment yet; ${name} cannot log in until it is.`]
    : [];
}

export async function createRouter(
  db: Database,
  author: HistoryAuthor,
  input: { name: string } & Partial<RouterFields> & Pick<RouterFields, "hostname" | "platform">,
  opts: RouterOptions = {},
): Promise<RouterWrite> {
  check(routerName, input.name);
  const plat = check(platform, input.platform);
  validateFields(input);
  const template = input.template ?? "";
  checkTemplate(template, plat, input.name, opts.templatesDir);
  checkFilePath(input.configPath ?? "", plat, opts.confineFilesTo);
  const exists = `There is already a router called ${input.name}.`;
  return unique(
    () =>
      run(db, opts, async (tx) => {
        if (await tx.router.findUnique({ where: { name: input.name }, select: { id: true } }))
          throw new UserError(exists);
        const as = await localAs(tx, input.localAsn);
        const created = await tx.router.create({
          data: {
            name: input.name,
            hostname: input.hostname,
            port: input.port ?? 22,
            platform: plat,
            localAsId: as.id,
            username: input.username ?? "",
            template,
            pollSessionState: input.pollSessionState ?? false,
            fourEyes: input.fourEyes ?? true,
            bgpRouterId: input.bgpRouterId ?? "",
            configPath: input.configPath ?? "",
            status: input.status ?? "enabled",
            comments: input.comments ?? "",
            ...(credentialData(input.credential) as object),
          },
        });
        await recordChange(tx, author, {
          type: "router",
          id: created.id,
          repr: repr.router(created),
          action: "create",
          after: created,
        });
        return { router: created, notes: envNote(created.name, created.credentialEnv) };
      }),
    exists,
  );
}

export async function updateRouter(
  db: Database,
  author: HistoryAuthor,
  name: string,
  patch: Partial<RouterFields>,
  opts: RouterOptions = {},
): Promise<RouterWrite & { changed: boolean }> {
  validateFields(patch);
  const plat = patch.platform === undefined ? undefined : check(platform, patch.platform);
  return run(db, opts, async (tx) => {
    const before = await requireRouter(tx, name);
    const nextPlatform = plat ?? before.platform;
    const nextTemplate = patch.template ?? before.template;
    if (plat !== undefined || patch.template !== undefined)
      checkTemplate(nextTemplate, nextPlatform, before.name, opts.templatesDir);
    if (plat !== undefined || patch.configPath !== undefined)
      checkFilePath(patch.configPath ?? before.configPath, nextPlatform, opts.confineFilesTo);
    const data: Prisma.RouterUncheckedUpdateInput = {
      ...(patch.hostname !== undefined ? { hostname: patch.hostname } : {}),
      ...(patch.port !== undefined ? { port: patch.port } : {}),
      ...(plat !== undefined ? { platform: plat } : {}),
      ...(patch.username !== undefined ? { username: patch.username } : {}),
      ...(patch.template !== undefined ? { template: patch.template } : {}),
      ...(patch.pollSessionState !== undefined ? { pollSessionState: patch.pollSessionState } : {}),
      ...(patch.fourEyes !== undefined ? { fourEyes: patch.fourEyes } : {}),
      ...(patch.bgpRouterId !== undefined ? { bgpRouterId: patch.bgpRouterId } : {}),
      ...(patch.configPath !== undefined ? { configPath: patch.configPath } : {}),
      ...(patch.status !== undefined ? { status: patch.status } : {}),
      ...(patch.comments !== undefined ? { comments: patch.comments } : {}),
      ...credentialData(patch.credential),
    };
    const notes: string[] = [];
    if (patch.localAsn !== undefined) data.localAsId = (await localAs(tx, patch.localAsn)).id;
    const after = await tx.router.update({ where: { id: before.id }, data });
    const n = await recordChange(tx, author, {
      type: "router",
      id: after.id,
      repr: repr.router(after),
      action: "update",
      before,
      after,
    });
    if (patch.credential && "env" in patch.credential)
      notes.push(...envNote(after.name, after.credentialEnv));
    if (before.passwordEnc && !after.passwordEnc) notes.push("The password stored for it was removed.");
    if (patch.hostname !== undefined && before.hostname !== after.hostname && after.hostKeyFingerprint)
      notes.push(
        "Its pinned SSH host key stays: if the name now points to another device, test the router and accept the new key.",
      );
    return { router: after, notes, changed: n > 0 };
  });
}

async function requireRouter(tx: Tx, name: string): Promise<RouterRow> {
  const r = await tx.router.findUnique({ where: { name } });
  if (!r) {
    const names = (
      await tx.router.findMany({ select: { name: true }, orderBy: { name: "asc" }, take: 20 })
    ).map((x) => x.name);
    throw new UserError(
      `There is no router called "${clip(name, 60)}".`,
      names.length ? `Routers: ${names.join(", ")}.` : "peerbot knows no router yet.",
    );
  }
  return r;
}

/** What keeps a router from being removed: its sessions and its changes not yet ended. */
export async function routerUse(tx: Tx, routerId: number) {
  const [ixpSessions, directSessions, openChanges, connections, pastChanges] = await Promise.all([
    tx.ixpSession.count({ where: { connection: { routerId } } }),
    tx.directSession.count({ where: { routerId } }),
    tx.changeRequest.findMany({
      where: { routerId, status: { in: [...ACTIVE] } },
      select: { id: true },
      orderBy: { id: "asc" },
    }),
    tx.connection.findMany({ where: { routerId }, include: { ixp: { select: { name: true } } } }),
    tx.changeRequest.count({ where: { routerId, status: { notIn: [...ACTIVE] } } }),
  ]);
  return { ixpSessions, directSessions, openChanges: openChanges.map((c) => c.id), connections, pastChanges };
}

export interface RouterRemoval {
  name: string;
  /** Connections that were on it and now have no router. */
  detached: string[];
  /** Ended change requests deleted with it. */
  pastChanges: number;
}

/**
 * Removes a router, refused (with the counts) while sessions or open changes use it. Its
 * connections stay, without a router; its ended changes go with it (the audit log and the
 * history keep what happened).
 */
export async function removeRouter(
  db: Database,
  author: HistoryAuthor,
  name: string,
  opts: RouterOptions = {},
): Promise<RouterRemoval> {
  return run(db, opts, async (tx) => {
    const r = await requireRouter(tx, name);
    // No change may be planned on it while it goes.
    await tx.$queryRaw`select id from "Router" where id = ${r.id} for update`;
    const use = await routerUse(tx, r.id);
    const sessions = use.ixpSessions + use.directSessions;
    if (sessions || use.openChanges.length) {
      const why = [
        sessions
          ? `${plural(sessions, "session")} (${use.ixpSessions} at IXPs, ${use.directSessions} direct)`
          : "",
        use.openChanges.length
          ? `${plural(use.openChanges.length, "open change")} (#${use.openChanges.join(", #")})`
          : "",
      ].filter(Boolean);
      throw new UserError(
        `${r.name} still has ${why.join(" and ")}, so peerbot will not remove it.`,
        [
          sessions
            ? "Remove its sessions (session … remove) or move its connections to another router first"
            : "",
          use.openChanges.length ? "let its changes end, or reject them" : "",
        ]
          .filter(Boolean)
          .join("; ") + "; or set it disabled to keep it out of use.",
      );
    }
    const history: HistoryEntry[] = [];
    for (const c of use.connections) {
      const after = await tx.connection.update({ where: { id: c.id }, data: { routerId: null } });
      const { ixp, ...before } = c;
      history.push({
        type: "connection",
        id: c.id,
        repr: repr.connection(c, ixp.name),
        action: "update",
        before,
        after,
      });
    }
    await tx.router.delete({ where: { id: r.id } });
    history.push({ type: "router", id: r.id, repr: repr.router(r), action: "delete", before: r });
    await recordChanges(tx, author, history);
    return {
      name: r.name,
      detached: use.connections.map((c) => repr.connection(c, c.ixp.name)),
      pastChanges: use.pastChanges,
    };
  });
}

/** Everything `router show` prints about a router; null when there is none by that name. */
export async function routerDetail(db: Database, name: string) {
  const r = await db.prisma.router.findUnique({
    where: { name },
    include: {
      localAs: { select: { asn: true, name: true } },
      connections: {
        orderBy: { id: "asc" },
        include: { ixp: { select: { name: true, slug: true } }, _count: { select: { ixpSessions: true } } },
      },
      _count: { select: { directSessions: true } },
    },
  });
  if (!r) return null;
  const [openChanges, lastDeployed] = await Promise.all([
    db.prisma.changeRequest.findMany({
      where: { routerId: r.id, status: { in: [...ACTIVE] } },
      select: { id: true, status: true, summary: true },
      orderBy: { id: "asc" },
    }),
    db.prisma.changeRequest.findFirst({
      where: { routerId: r.id, status: "deployed" },
      select: { id: true, deployedAt: true },
      orderBy: { deployedAt: "desc" },
    }),
  ]);
  return { router: r, openChanges, lastDeployed };
}

/** How a router gets its SSH credentials, in words (never the secret). */
export function credentialLines(r: {
  platform: string;
  passwordEnc: string | null;
  privateKeyEnc: string | null;
  credentialEnv: string;
}): string[] {
  const out: string[] = [];
  if (r.passwordEnc) out.push("password stored (encrypted)");
  if (r.credentialEnv) {
    const set = process.env[r.credentialEnv] !== undefined;
    out.push(
      `from $${r.credentialEnv} (${set ? "set" : "not set"})${r.passwordEnc ? ", unused while a password is stored" : ""}`,
    );
  }
  if (r.privateKeyEnc) out.push("private key stored (encrypted)");
  if (!out.length) out.push(r.platform === "file" ? "none (a file router needs none)" : "none");
  return out;
}
