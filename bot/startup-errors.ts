// Start-up failures a user causes (a database that does not exist, a server that does not
// answer, a password refused) are answered in one sentence that says what to do, without a log
// line or a stack trace; anything else is a bug and keeps both. Hosts and ports come from the
// parsed URLs, never the URLs themselves, which may hold a password.
import pg from "pg";
import type { Config } from "../core/config.js";

interface Where {
  host: string;
  port: string;
  database: string;
  user: string;
}

function where(url: string | undefined, defaultPort: string): Where | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return {
      host: u.hostname,
      port: u.port || defaultPort,
      database: decodeURIComponent(u.pathname.replace(/^\//, "")),
      user: decodeURIComponent(u.username),
    };
  } catch {
    return undefined;
  }
}

/** The sentence for a start-up error the user can fix, or null when it is not one. */
export function startupProblem(
  err: unknown,
  config: Pick<Config, "DATABASE_URL" | "REDIS_URL">,
): string | null {
  const e = err as { code?: string; message?: string; address?: string; port?: number; hostname?: string };
  const db = where(config.DATABASE_URL, "5432");
  const redis = where(config.REDIS_URL, "6379");
  const at = (w: Where) => `${w.host}:${w.port}`;
  switch (e?.code) {
    case "3D000":
      return db
        ? `The database "${db.database}" does not exist on ${at(db)}: run \`peerbot migrate\`, which creates it, or create it yourself.`
        : null;
    case "28P01":
    case "28000":
      return db
        ? `PostgreSQL at ${at(db)} refused the user "${db.user || "(none)"}": check the user and password in DATABASE_URL.`
        : null;
    case "ECONNREFUSED":
    case "EHOSTUNREACH":
    case "ETIMEDOUT": {
      const port = String(e.port ?? /:(\d+)$/.exec(e.message ?? "")?.[1] ?? "");
      const what =
        redis && port === redis.port
          ? { name: "Redis", setting: "REDIS_URL", w: redis }
          : db
            ? { name: "PostgreSQL", setting: "DATABASE_URL", w: db }
            : undefined;
      if (!what) return null;
      const how = e.code === "ECONNREFUSED" ? "refused the connection" : "could not be reached";
      return `${what.name} at ${at(what.w)} ${how}: is it running there? Check ${what.setting}.`;
    }
    case "ENOTFOUND":
    case "EAI_AGAIN": {
      const host = e.hostname ?? "";
      const setting = redis && host === redis.host ? "REDIS_URL" : "DATABASE_URL";
      return `The host "${host}" in ${setting} cannot be resolved: check its name.`;
    }
    default:
      return null;
  }
}

/** Creates the database DATABASE_URL names, connecting to the server's `postgres` database. */
export async function createDatabaseOf(url: string): Promise<string> {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.replace(/^\//, ""));
  if (!name) throw new Error("DATABASE_URL names no database");
  u.pathname = "/postgres";
  const client = new pg.Client({ connectionString: u.toString() });
  await client.connect();
  try {
    await client.query(`create database "${name.replace(/"/g, '""')}"`);
  } catch (err) {
    // Another process created it meanwhile: that is what was wanted.
    if ((err as { code?: string }).code !== "42P04") throw err;
  } finally {
    await client.end().catch(() => {});
  }
  return name;
}
