// IX-API endpoints (`ixapi add|list|remove|link`): where an exchange's v2 API lives, which
// environment variables hold its key and secret, or the two stored encrypted from the shell
// (`peerbot secret set ixapi <name>`; peerbot never takes either typed into chat),
// our account there, and which IXPs it serves (InternetExchange.ixapiEndpointId, with the
// exchange-LAN network service when an admin names it). Every change is written in one
// transaction with its history row, as every other inventory change is.
import { isIP } from "node:net";
import { configSchema } from "../config.js";
import type { SecretBox } from "../crypto.js";
import type { Database, Prisma } from "../db.js";
import { UserError } from "../errors.js";
import { recordChange, recordChanges, type HistoryAuthor } from "../history.js";
import { ENV_NAME } from "../objects/validate.js";
import { repr } from "../objects/repr.js";
import { clip, singleLine } from "../text.js";

/** What an endpoint's history row keeps: never the encrypted key, secret or tokens. */
const ENDPOINT_FIELDS = {
  id: true,
  name: true,
  url: true,
  keyEnv: true,
  secretEnv: true,
  accountId: true,
} as const;

export interface IxApiEndpointRow {
  id: number;
  name: string;
  url: string;
  keyEnv: string;
  secretEnv: string;
  accountId: string;
}

export interface IxApiEndpointSummary extends IxApiEndpointRow {
  /** Whether the variables it names are set in this process's environment. */
  keySet: boolean;
  secretSet: boolean;
  /** Whether a key and secret are stored encrypted (`peerbot secret set ixapi`). */
  stored: boolean;
  ixps: { id: number; name: string; slug: string; serviceId: string }[];
  snapshot: { fetchedAt: Date | null; requests: number; error: string; errorAt: Date | null } | null;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$/;
/** What an IX-API id looks like here: the ids we put in buttons and commands. */
export const IXAPI_ID = /^[A-Za-z0-9][A-Za-z0-9._~:-]{0,79}$/;
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);
const OWN_SETTINGS = new Set(Object.keys(configSchema.shape));

/** An endpoint's name: a word of letters, digits, `.`, `_`, `-`. */
export function checkEndpointName(name: string): string {
  if (!NAME.test(name))
    throw new UserError(
      `"${clip(name, 40)}" is not an endpoint name: one word of letters, digits, ".", "_" and "-", at most 60 characters.`,
    );
  return name;
}

/**
 * The base URL of a v2 API, normalised (no trailing slash): https, or http on loopback only
 * (a test server, a tunnel); no user or password in it, no query or fragment.
 */
export function checkEndpointUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text.trim());
  } catch {
    throw new UserError(
      `"${clip(text, 60)}" is not a URL; give the API's base, e.g. https://api.example-ix.net/api/v2.`,
    );
  }
  if (u.username || u.password)
    throw new UserError(
      "An IX-API URL must not carry a user or password: name the environment variables with key-env and secret-env instead.",
    );
  if (u.protocol !== "https:" && !(u.protocol === "http:" && LOOPBACK.has(u.hostname)))
    throw new UserError(
      `An IX-API URL must use https (plain http only on 127.0.0.1, ::1 or localhost), not ${clip(u.protocol.replace(/:$/, ""), 20)}.`,
    );
  if (u.search || u.hash)
    throw new UserError(
      "An IX-API URL is the API's base only, without a query or fragment, e.g. https://api.example-ix.net/api/v2.",
    );
  const host = u.hostname.replace(/^\[|\]$/g, "");
  if (!host || (host.includes(":") && !isIP(host)))
    throw new UserError(`"${clip(text, 60)}" has no usable host name.`);
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, "")}`;
}

/**
 * The name of the environment variable that holds the key or the secret. The value is never
 * repeated in the answer: whoever typed a key here by mistake does not see it echoed.
 */
export function checkEnvName(what: "key-env" | "secret-env", name: string): string {
  if (!ENV_NAME.test(name))
    throw new UserError(
      `The ${what} value is not an environment variable name (letters, digits and "_", not starting with a digit): peerbot takes the variable's name, never the ${what === "key-env" ? "key" : "secret"} itself.`,
    );
  if (OWN_SETTINGS.has(name))
    throw new UserError(
      `${name} is one of peerbot's own settings, not an IX-API credential; name a variable of its own.`,
    );
  return name;
}

function checkAccountId(id: string): string {
  if (!IXAPI_ID.test(id))
    throw new UserError(
      `"${clip(id, 40)}" is not an IX-API account id: letters, digits and . _ ~ : - only, at most 80 characters.`,
    );
  return id;
}

/** An IX-API network-service id as an admin types it for `ixapi link … service <id>`. */
export function checkServiceId(id: string): string {
  if (!IXAPI_ID.test(id))
    throw new UserError(
      `"${clip(id, 40)}" is not an IX-API network-service id: letters, digits and . _ ~ : - only, at most 80 characters.`,
    );
  return id;
}

const notSet = (env: Record<string, string | undefined>, name: string) => !env[name];

export interface AddEndpointInput {
  name: string;
  url: string;
  /** Both or neither: with neither, the key and secret are to be stored from the shell. */
  keyEnv?: string;
  secretEnv?: string;
  accountId?: string;
}

/** Adds an endpoint; `notes` says which of its variables this process does not have yet. */
export async function addEndpoint(
  db: Database,
  author: HistoryAuthor,
  input: AddEndpointInput,
  env: Record<string, string | undefined> = process.env,
): Promise<{ endpoint: IxApiEndpointRow; notes: string[] }> {
  const data = {
    name: checkEndpointName(input.name),
    url: checkEndpointUrl(input.url),
    keyEnv: input.keyEnv ? checkEnvName("key-env", input.keyEnv) : "",
    secretEnv: input.secretEnv ? checkEnvName("secret-env", input.secretEnv) : "",
    accountId: input.accountId === undefined ? "" : checkAccountId(input.accountId),
  };
  if (!data.keyEnv !== !data.secretEnv)
    throw new UserError(
      "Name both environment variables, key-env <VAR> and secret-env <VAR>, or neither (then store the two with `peerbot secret set ixapi <name>` on peerbot's host).",
    );
  if (data.keyEnv && data.keyEnv === data.secretEnv)
    throw new UserError(
      "The key and the secret need an environment variable each; key-env and secret-env are the same.",
    );
  const endpoint = await db.prisma.$transaction(async (tx) => {
    const taken = await tx.ixApiEndpoint.findUnique({ where: { name: data.name }, select: { id: true } });
    if (taken)
      throw new UserError(
        `There is already an IX-API endpoint called ${data.name}.`,
        "`ixapi list` shows them; `ixapi remove <name>` removes one.",
      );
    const created = await tx.ixApiEndpoint.create({ data, select: ENDPOINT_FIELDS });
    await recordChange(tx, author, {
      type: "ixapi-endpoint",
      id: created.id,
      repr: created.name,
      action: "create",
      after: created,
    });
    return created;
  });
  const notes = [
    ...(!data.keyEnv
      ? [
          `Its key and secret are not stored yet: on peerbot's host, \`peerbot secret set ixapi ${data.name}\` asks for them and stores them encrypted.`,
        ]
      : []),
    ...(data.keyEnv && notSet(env, data.keyEnv)
      ? [`$${data.keyEnv} (the key) is not set in peerbot's environment yet.`]
      : []),
    ...(data.secretEnv && notSet(env, data.secretEnv)
      ? [`$${data.secretEnv} (the secret) is not set in peerbot's environment yet.`]
      : []),
  ];
  return { endpoint, notes };
}

/**
 * The endpoint called `name` inside a transaction that changes it, with whether credentials are
 * stored (the encrypted values only travel from here to the update), or one sentence.
 */
async function endpointForUpdate(
  tx: Prisma.TransactionClient,
  name: string,
): Promise<{ row: IxApiEndpointRow; stored: boolean }> {
  const found = await tx.ixApiEndpoint.findUnique({
    where: { name },
    select: { ...ENDPOINT_FIELDS, keyEnc: true, secretEnc: true },
  });
  if (!found)
    throw new UserError(
      `There is no IX-API endpoint called "${clip(name, 60)}".`,
      "`ixapi list` shows them.",
    );
  const { keyEnc, secretEnc, ...row } = found;
  return { row, stored: !!keyEnc || !!secretEnc };
}

/** Every endpoint with its IXPs and its last pass, by name. */
export async function listEndpoints(
  db: Database,
  env: Record<string, string | undefined> = process.env,
): Promise<IxApiEndpointSummary[]> {
  const rows = await db.prisma.ixApiEndpoint.findMany({
    orderBy: { name: "asc" },
    select: {
      ...ENDPOINT_FIELDS,
      ixps: {
        select: { id: true, name: true, slug: true, ixapiServiceId: true },
        orderBy: { name: "asc" },
      },
      snapshot: { select: { fetchedAt: true, requests: true, error: true, errorAt: true } },
      keyEnc: true,
      secretEnc: true,
    },
  });
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    url: r.url,
    keyEnv: r.keyEnv,
    secretEnv: r.secretEnv,
    accountId: r.accountId,
    keySet: !!r.keyEnv && !notSet(env, r.keyEnv),
    secretSet: !!r.secretEnv && !notSet(env, r.secretEnv),
    stored: !!r.keyEnc && !!r.secretEnc,
    ixps: r.ixps.map((x) => ({
      id: x.id,
      name: singleLine(x.name, 100),
      slug: x.slug,
      serviceId: x.ixapiServiceId,
    })),
    snapshot: r.snapshot,
  }));
}

/** The endpoint called `name`, or null. */
export function findEndpoint(db: Database, name: string): Promise<IxApiEndpointRow | null> {
  return db.prisma.ixApiEndpoint.findUnique({ where: { name }, select: ENDPOINT_FIELDS });
}

/** The endpoint called `name`, or one sentence naming the ones there are. */
export async function requireEndpoint(db: Database, name: string): Promise<IxApiEndpointRow> {
  const e = await findEndpoint(db, name);
  if (e) return e;
  const names = (await db.prisma.ixApiEndpoint.findMany({ select: { name: true }, orderBy: { name: "asc" } }))
    .map((x) => x.name)
    .slice(0, 20);
  throw new UserError(
    `There is no IX-API endpoint called "${clip(name, 60)}".`,
    names.length ? `Endpoints: ${names.join(", ")}.` : "Add one with `ixapi add`.",
  );
}

/**
 * Removes an endpoint with its snapshot; the IXPs it served are unlinked (each with its history
 * row). Returns how many IXPs were unlinked.
 */
export async function removeEndpoint(
  db: Database,
  author: HistoryAuthor,
  name: string,
): Promise<{ endpoint: IxApiEndpointRow; unlinked: number }> {
  return db.prisma.$transaction(async (tx) => {
    const { row: before } = await endpointForUpdate(tx, name);
    const ixps = await tx.internetExchange.findMany({
      where: { ixapiEndpointId: before.id },
      select: { id: true, name: true, ixapiEndpointId: true, ixapiServiceId: true },
    });
    await tx.internetExchange.updateMany({
      where: { ixapiEndpointId: before.id },
      data: { ixapiEndpointId: null, ixapiServiceId: "" },
    });
    await tx.ixApiEndpoint.delete({ where: { id: before.id } });
    await recordChanges(tx, author, [
      ...ixps.map((x) => ({
        type: "ixp" as const,
        id: x.id,
        repr: repr.ixp(x),
        action: "update" as const,
        before: { ixapiEndpointId: x.ixapiEndpointId, ixapiServiceId: x.ixapiServiceId },
        after: { ixapiEndpointId: null, ixapiServiceId: "" },
      })),
      { type: "ixapi-endpoint", id: before.id, repr: before.name, action: "delete", before: { ...before } },
    ]);
    return { endpoint: before, unlinked: ixps.length };
  });
}

export interface LinkResult {
  ixp: { id: number; name: string };
  /** null: unlinked. */
  endpoint: IxApiEndpointRow | null;
  serviceId: string;
  changed: boolean;
}

/**
 * Links an IXP to an endpoint (by name) and, when given, to its exchange-LAN network service
 * there; without a service id the service is found in each pass (PeeringDB id, then subnets).
 * `endpointName` null unlinks the IXP.
 */
export async function linkIxp(
  db: Database,
  author: HistoryAuthor,
  ixpId: number,
  endpointName: string | null,
  serviceId?: string,
): Promise<LinkResult> {
  const service = serviceId === undefined ? "" : checkServiceId(serviceId);
  return db.prisma.$transaction(async (tx) => {
    const endpoint =
      endpointName === null
        ? null
        : await tx.ixApiEndpoint.findUnique({ where: { name: endpointName }, select: ENDPOINT_FIELDS });
    if (endpointName !== null && !endpoint)
      throw new UserError(
        `There is no IX-API endpoint called "${clip(endpointName, 60)}".`,
        "`ixapi list` shows them; `ixapi add` adds one.",
      );
    const before = await tx.internetExchange.findUniqueOrThrow({
      where: { id: ixpId },
      select: { id: true, name: true, ixapiEndpointId: true, ixapiServiceId: true },
    });
    const after = { ixapiEndpointId: endpoint?.id ?? null, ixapiServiceId: endpoint ? service : "" };
    const changed =
      before.ixapiEndpointId !== after.ixapiEndpointId || before.ixapiServiceId !== after.ixapiServiceId;
    if (changed) {
      await tx.internetExchange.update({ where: { id: ixpId }, data: after });
      await recordChange(tx, author, {
        type: "ixp",
        id: before.id,
        repr: repr.ixp(before),
        action: "update",
        before: { ixapiEndpointId: before.ixapiEndpointId, ixapiServiceId: before.ixapiServiceId },
        after,
      });
    }
    return {
      ixp: { id: before.id, name: singleLine(before.name, 100) },
      endpoint,
      serviceId: after.ixapiServiceId,
      changed,
    };
  });
}

/** The endpoint an IXP is linked to, with the service id it names (empty: found per pass). */
export async function endpointOfIxp(
  db: Database,
  ixpId: number,
): Promise<{ endpoint: IxApiEndpointRow; serviceId: string } | null> {
  const x = await db.prisma.internetExchange.findUnique({
    where: { id: ixpId },
    select: { ixapiServiceId: true, ixapiEndpoint: { select: ENDPOINT_FIELDS } },
  });
  return x?.ixapiEndpoint ? { endpoint: x.ixapiEndpoint, serviceId: x.ixapiServiceId } : null;
}

/** Every endpoint's id, in order: what the refresh job walks. */
export async function endpointIds(db: Database): Promise<number[]> {
  return (await db.prisma.ixApiEndpoint.findMany({ select: { id: true }, orderBy: { id: "asc" } })).map(
    (e) => e.id,
  );
}

/**
 * Stores an endpoint's key and secret encrypted with the secret box (`peerbot secret set ixapi
 * <name>`, from the shell, never chat). They replace the environment variables it named, and
 * the tokens kept for the old credentials are dropped, so the next call logs in with these.
 * The history row says that credentials were stored, never what they are.
 */
export async function storeEndpointCredentials(
  db: Database,
  secrets: SecretBox | undefined,
  name: string,
  credentials: { key: string; secret: string },
  author: HistoryAuthor,
): Promise<{ endpoint: IxApiEndpointRow; replacedEnv: string[]; replaced: boolean }> {
  if (!secrets)
    throw new UserError(
      "PEERBOT_SECRET_KEY is not set: peerbot stores IX-API credentials encrypted with it, so nothing was stored.",
      "Set it to the key the bot runs with (a new one: openssl rand -base64 32) and run this again.",
    );
  if (!credentials.key || !credentials.secret)
    throw new UserError(
      `No ${credentials.key ? "secret" : "key"} was given, so nothing was stored.`,
      "Type each at its prompt, or give the key and then the secret as two lines on standard input.",
    );
  const keyEnc = secrets.encrypt(credentials.key);
  const secretEnc = secrets.encrypt(credentials.secret);
  return db.prisma.$transaction(async (tx) => {
    const { row: before, stored } = await endpointForUpdate(tx, name);
    const after = await tx.ixApiEndpoint.update({
      where: { id: before.id },
      data: {
        keyEnc,
        secretEnc,
        keyEnv: "",
        secretEnv: "",
        accessTokenEnc: null,
        accessExpiresAt: null,
        refreshTokenEnc: null,
        refreshExpiresAt: null,
      },
      select: ENDPOINT_FIELDS,
    });
    await recordChange(tx, author, {
      type: "ixapi-endpoint",
      id: after.id,
      repr: after.name,
      action: "update",
      before: { keyEnv: before.keyEnv, secretEnv: before.secretEnv },
      after: { keyEnv: "", secretEnv: "", credentialsStored: "key and secret" },
    });
    return {
      endpoint: after,
      replacedEnv: [before.keyEnv, before.secretEnv].filter(Boolean),
      replaced: stored,
    };
  });
}

/** Removes an endpoint's stored key, secret and tokens; false when none were stored. */
export async function clearEndpointCredentials(
  db: Database,
  name: string,
  author: HistoryAuthor,
): Promise<{ endpoint: IxApiEndpointRow; cleared: boolean }> {
  return db.prisma.$transaction(async (tx) => {
    const { row, stored } = await endpointForUpdate(tx, name);
    if (!stored) return { endpoint: row, cleared: false };
    await tx.ixApiEndpoint.update({
      where: { id: row.id },
      data: {
        keyEnc: null,
        secretEnc: null,
        accessTokenEnc: null,
        accessExpiresAt: null,
        refreshTokenEnc: null,
        refreshExpiresAt: null,
      },
    });
    await recordChange(tx, author, {
      type: "ixapi-endpoint",
      id: row.id,
      repr: row.name,
      action: "update",
      before: { credentialsStored: "key and secret" },
      after: { credentialsStored: "none" },
    });
    return { endpoint: row, cleared: true };
  });
}
