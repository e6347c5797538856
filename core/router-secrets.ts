// A router's SSH credentials as an admin stores them from the shell (`peerbot secret set router
// <name>`, bot/cli-secret.ts): never typed in chat, kept AES-256-GCM encrypted (core/crypto.ts),
// recorded in the router's history without the value.
//
// A stored password replaces the environment variable the router named (credentialEnv is
// cleared, so that what the router uses is what was just stored); a stored private key is
// tried first and leaves the password, or the variable, as the fallback the SSH login offers
// next.
import type { SecretBox } from "./crypto.js";
import type { Database, Prisma } from "./db.js";
import { UserError } from "./errors.js";
import { recordChange, type HistoryAuthor, type Tx } from "./history.js";

export type RouterSecretKind = "password" | "privateKey";

export interface StoredSecret {
  router: { id: number; name: string; hostname: string; port: number; username: string };
  /** The variable the router named before a password replaced it ("" when none). */
  replacedEnv: string;
  /** Whether a secret of this kind was stored before. */
  replaced: boolean;
}

const WHAT: Record<RouterSecretKind, string> = { password: "password", privateKey: "private key" };

async function findRouter(tx: Tx, name: string) {
  const router = await tx.router.findUnique({ where: { name } });
  if (!router) {
    const names = (await tx.router.findMany({ select: { name: true }, orderBy: { name: "asc" } })).map(
      (r) => r.name,
    );
    throw new UserError(
      `There is no router called "${name.slice(0, 60)}".`,
      names.length
        ? `Routers: ${names.join(", ")}.`
        : "Add it first, in chat: router add <name> host <host> platform <platform>.",
    );
  }
  if (router.platform === "file") {
    throw new UserError(
      `${router.name} is a file router: it has no SSH credentials to store.`,
      `Only a router peerbot logs in to has them: in chat, router set ${router.name} platform <junos|iosxr|eos|bird2|frr> makes it one.`,
    );
  }
  return router;
}

/** The router a secret would be stored for (UserError when there is none, or it is a file router). */
export async function routerForSecret(db: Database, name: string): Promise<StoredSecret["router"]> {
  return brief(await findRouter(db.prisma, name));
}

/** Encrypts and stores `value` as the router's password or private key, in one transaction with its history row. */
export async function storeRouterSecret(
  db: Database,
  secrets: SecretBox | undefined,
  name: string,
  kind: RouterSecretKind,
  value: string,
  author: HistoryAuthor,
): Promise<StoredSecret> {
  if (!secrets) {
    throw new UserError(
      "PEERBOT_SECRET_KEY is not set: peerbot stores router credentials encrypted with it, so nothing was stored.",
      "Set it to the same key the bot runs with (a new one: openssl rand -base64 32) and run this again.",
    );
  }
  if (!value)
    throw new UserError(
      `No ${WHAT[kind]} was given, so nothing was stored.`,
      kind === "password"
        ? "Type it at the prompt, or give it as one line on standard input."
        : "Give the key file with --key-file <path>.",
    );
  const encrypted = secrets.encrypt(value);
  return db.prisma.$transaction(async (tx) => {
    const before = await findRouter(tx, name);
    const data =
      kind === "password" ? { passwordEnc: encrypted, credentialEnv: "" } : { privateKeyEnc: encrypted };
    // Which secret was stored (a new one looks the same as the old: "(set)"), never its value.
    const after = await update(tx, author, before, data, { credentialStored: WHAT[kind] });
    return {
      router: brief(after),
      replacedEnv: kind === "password" ? before.credentialEnv : "",
      replaced: hasSecret(before, kind),
    };
  });
}

/** Removes the router's stored password or private key; false when none was stored. */
export async function clearRouterSecret(
  db: Database,
  name: string,
  kind: RouterSecretKind,
  author: HistoryAuthor,
): Promise<{ router: StoredSecret["router"]; cleared: boolean }> {
  return db.prisma.$transaction(async (tx) => {
    const before = await findRouter(tx, name);
    if (!hasSecret(before, kind)) return { router: brief(before), cleared: false };
    const data = kind === "password" ? { passwordEnc: null } : { privateKeyEnc: null };
    const after = await update(tx, author, before, data);
    return { router: brief(after), cleared: true };
  });
}

type RouterRow = Awaited<ReturnType<typeof findRouter>>;

const hasSecret = (r: RouterRow, kind: RouterSecretKind) =>
  kind === "password" ? !!r.passwordEnc : !!r.privateKeyEnc;

/** Writes `data` to the router with its history row; `noted` is added to the row's after. */
async function update(
  tx: Tx,
  author: HistoryAuthor,
  before: RouterRow,
  data: Prisma.RouterUpdateInput,
  noted: Record<string, string> = {},
) {
  const after = await tx.router.update({ where: { id: before.id }, data });
  await recordChange(tx, author, {
    type: "router",
    id: before.id,
    repr: before.name,
    action: "update",
    before,
    after: { ...after, ...noted },
  });
  return after;
}

function brief(r: { id: number; name: string; hostname: string; port: number; username: string }) {
  return { id: r.id, name: r.name, hostname: r.hostname, port: r.port, username: r.username };
}
