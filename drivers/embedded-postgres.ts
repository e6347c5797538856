// The embedded default database: PGlite (PostgreSQL compiled to WebAssembly) with its data
// under PEERBOT_DATA_DIR, served over the PostgreSQL wire protocol on a loopback port, so
// that peerbot uses it exactly as it uses a real server (pg, the Prisma adapter, migrations).
// PGlite answers one connection at a time: use a pool of one in this mode.
//
// A new data folder starts from a snapshot of an empty database with every migration applied
// when the build made one for this PGlite and these migrations (dist/embedded/, written by
// `npm run build` through prisma/embedded-snapshot.ts): that skips initdb and the migrations,
// most of a first start's time.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { fromRoot } from "../core/paths.js";
import { readMigrations } from "../prisma/migrations-folder.js";

export interface EmbeddedPostgres {
  url: string;
  /** Whether this start loaded the data folder from the build's snapshot. */
  fromSnapshot: boolean;
  /**
   * Waits until the server holds no connection. It serves one at a time and drops a newcomer
   * while the previous one is still attached, so a client that just closed (the migrator)
   * must be gone before the pool connects.
   */
  idle(timeoutMs?: number): Promise<void>;
  /** The data folder as a gzipped tarball (PGlite's own format), for a snapshot. */
  dump(): Promise<Buffer>;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** A snapshot to start a new data folder from; default: the build's, when it matches. */
  snapshot?: string | false;
}

/** The installed PGlite's version (its package.json, found from its entry point). */
function pgliteVersion(): string {
  let dir = path.dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite"));
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (existsSync(pkg)) {
      const { name, version } = JSON.parse(readFileSync(pkg, "utf8")) as { name?: string; version?: string };
      if (name === "@electric-sql/pglite" && version) return version;
    }
    const up = path.dirname(dir);
    if (up === dir) return "unknown";
    dir = up;
  }
}

/** Where the build keeps the snapshot for this PGlite version and these migrations. */
export function snapshotPath(): string {
  const h = createHash("sha256").update(`pglite ${pgliteVersion()}\n`);
  for (const m of readMigrations().migrationDirectories) {
    h.update(`${m.path}\n`);
    h.update(m.migrationFile.content.tag === "ok" ? m.migrationFile.content.value : "");
  }
  return fromRoot("dist", "embedded", `pgdata-${h.digest("hex").slice(0, 16)}.tar.gz`);
}

/**
 * Unpacks a snapshot (PGlite's gzipped tar of the data folder: plain files and folders with
 * short names) into `dir`, through a folder beside it renamed into place, so that a start
 * that dies half-way leaves no data folder that looks complete. False, and nothing written,
 * when the tarball holds anything else: PGlite then creates the database itself.
 */
function unpackSnapshot(file: string, dir: string): boolean {
  const tar = gunzipSync(readFileSync(file));
  const entries: { name: string; dir: boolean; data?: Buffer }[] = [];
  for (let at = 0; at + 512 <= tar.length;) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const field = (from: number, len: number) =>
      header.toString("latin1", from, from + len).replace(/\0.*$/s, "");
    const name = (field(345, 155) ? `${field(345, 155)}/` : "") + field(0, 100);
    const size = parseInt(field(124, 12).trim() || "0", 8);
    const type = field(156, 1) || "0";
    const rel = path.normalize(name.replace(/^\/+/, ""));
    if (rel.startsWith("..") || path.isAbsolute(rel) || !/^[05]$/.test(type) || !Number.isFinite(size))
      return false;
    at += 512;
    if (type === "5") entries.push({ name: rel, dir: true });
    else entries.push({ name: rel, dir: false, data: tar.subarray(at, at + size) });
    at += Math.ceil(size / 512) * 512;
  }
  if (!entries.some((e) => e.name === "PG_VERSION")) return false;
  const staging = mkdtempSync(`${dir}.unpack-`);
  try {
    for (const e of entries) {
      const target = path.join(staging, e.name);
      if (e.dir) mkdirSync(target, { recursive: true });
      else {
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(target, e.data!);
      }
    }
    renameSync(staging, dir); // over the empty folder made above
    return true;
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

export async function startEmbeddedPostgres(
  dataDir: string,
  opts: EmbeddedOptions = {},
): Promise<EmbeddedPostgres> {
  const dir = path.resolve(dataDir, "pgdata");
  mkdirSync(dir, { recursive: true });
  let fromSnapshot = false;
  if (opts.snapshot !== false && !existsSync(path.join(dir, "PG_VERSION"))) {
    const file = opts.snapshot ?? snapshotPath();
    if (existsSync(file)) fromSnapshot = unpackSnapshot(file, dir);
  }
  // Loaded here, not at the top: a process with a DATABASE_URL never pays for PGlite.
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  const db = await PGlite.create({ dataDir: dir });
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 1 });
  await server.start();
  const conn = server.getServerConn(); // "127.0.0.1:<port>"
  const port = Number(conn.split(":").pop());
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
    fromSnapshot,
    async idle(timeoutMs = 5000) {
      const end = Date.now() + timeoutMs;
      while (server.getStats().activeConnections > 0 && Date.now() < end)
        await new Promise((r) => setTimeout(r, 10));
    },
    async dump() {
      const blob = await db.dumpDataDir("gzip");
      return Buffer.from(await blob.arrayBuffer());
    },
    async stop() {
      await server.stop().catch(() => {});
      await db.close().catch(() => {});
    },
  };
}
