// The embedded default database: PGlite (PostgreSQL compiled to WebAssembly) with its data
// under PEERBOT_DATA_DIR, served over the PostgreSQL wire protocol on a loopback port, so
// that peerbot uses it exactly as it uses a real server (pg, the Prisma adapter, migrations).
// PGlite answers one connection at a time: use a pool of one in this mode.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

export interface EmbeddedPostgres {
  url: string;
  /**
   * Waits until the server holds no connection. It serves one at a time and drops a newcomer
   * while the previous one is still attached, so a client that just closed (the migrator)
   * must be gone before the pool connects.
   */
  idle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const dir = path.resolve(dataDir, "pgdata");
  mkdirSync(dir, { recursive: true });
  const db = await PGlite.create({ dataDir: dir });
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 1 });
  await server.start();
  const conn = server.getServerConn(); // "127.0.0.1:<port>"
  const port = Number(conn.split(":").pop());
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
    async idle(timeoutMs = 5000) {
      const end = Date.now() + timeoutMs;
      while (server.getStats().activeConnections > 0 && Date.now() < end)
        await new Promise((r) => setTimeout(r, 10));
    },
    async stop() {
      await server.stop().catch(() => {});
      await db.close().catch(() => {});
    },
  };
}
