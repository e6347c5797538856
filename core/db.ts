// The database: one pg pool shared by the Prisma client (through @prisma/adapter-pg) and by
// the few bulk paths that talk SQL directly (PeeringDB sync, benchmarks).
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../prisma/generated/client.js";

export type { PrismaClient };
export { Prisma } from "../prisma/generated/client.js";
export * from "../prisma/generated/enums.js";

export interface Database {
  prisma: PrismaClient;
  pool: pg.Pool;
  url: string;
  /** The embedded PGlite server: one connection, no COPY over the wire. */
  embedded?: boolean;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Connections in the pool. The embedded PGlite server answers one connection at a time: use 1. */
  poolSize?: number;
  embedded?: boolean;
}

export function openDatabase(url: string, opts: OpenOptions = {}): Database {
  const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 10, idleTimeoutMillis: 10_000 });
  // An idle client that loses its server must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    pool,
    url,
    embedded: opts.embedded ?? false,
    async close() {
      await prisma.$disconnect();
      await pool.end().catch(() => {});
    },
  };
}
