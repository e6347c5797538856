// One deploy per router at a time, across every peerbot process: a PostgreSQL session-level
// advisory lock per router (key: ROUTER_LOCK_CLASS, router id), taken by the deploy job before
// it touches the router and released when it ends. A change that is queued or deploying
// already keeps other changes of its router from being planned (core/changes); this lock
// keeps two jobs of one change apart too: a job BullMQ runs again because its worker stalled
// while that worker still runs it, or an attempt the reconciler queued after Redis lost the
// old one. A process that dies loses its connection, and PostgreSQL frees its locks with it.
//
// The locks live on one connection of their own per process (not the pool's), so that a
// deploy never waits for a pooled connection to hold its lock. Advisory locks are re-entrant
// within a session, so the routers this process holds are also kept in a set.
import pg from "pg";
import type { Database } from "../core/db.js";
import type { Logger } from "../core/log.js";

/** The first half of every router lock's key (the second is the router's id). */
export const ROUTER_LOCK_CLASS = 7263;
const IDLE_CLOSE_MS = 2_000;

export interface RouterLocks {
  /** Takes the router's lock, or returns null when another deploy holds it. */
  tryLock(routerId: number): Promise<{ release(): Promise<void> } | null>;
  close(): Promise<void>;
}

export function routerLocks(db: Database, log: Logger): RouterLocks {
  const held = new Set<number>();
  let client: Promise<pg.Client> | null = null;
  let idle: NodeJS.Timeout | undefined;
  // With no deploy running the connection is closed after a moment, so that it keeps neither
  // a process alive nor a database busy.
  const closeWhenIdle = () => {
    clearTimeout(idle);
    if (held.size) return;
    idle = setTimeout(() => {
      if (held.size || !client) return;
      const c = client;
      client = null;
      void c.then((x) => x.end()).catch(() => {});
    }, IDLE_CLOSE_MS);
    idle.unref();
  };

  const connection = (): Promise<pg.Client> => {
    client ??= (async () => {
      const c = new pg.Client({ connectionString: db.url });
      c.on("error", (err) => {
        // The locks went with the connection; the next deploy opens a new one.
        log.warn("the router lock connection was lost", { err: err.message });
        client = null;
      });
      c.on("end", () => {
        client = null;
      });
      await c.connect();
      return c;
    })().catch((err: unknown) => {
      client = null;
      throw err;
    });
    return client;
  };

  return {
    async tryLock(routerId) {
      if (held.has(routerId)) return null;
      held.add(routerId);
      clearTimeout(idle);
      if (db.embedded) {
        // The embedded database belongs to this one process: the set is the whole lock.
        return { release: async () => void held.delete(routerId) };
      }
      let c: pg.Client;
      let ok = false;
      try {
        c = await connection();
        ok = Boolean(
          (
            await c.query<{ ok: boolean }>("select pg_try_advisory_lock($1::int, $2::int) as ok", [
              ROUTER_LOCK_CLASS,
              routerId,
            ])
          ).rows[0]?.ok,
        );
      } finally {
        if (!ok) {
          held.delete(routerId);
          closeWhenIdle();
        }
      }
      if (!ok) return null;
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          held.delete(routerId);
          await c
            .query("select pg_advisory_unlock($1::int, $2::int)", [ROUTER_LOCK_CLASS, routerId])
            .catch((err: Error) => {
              // Unlocking failed: close the connection, which frees every lock it held.
              log.warn("could not release a router lock; closing its connection", { err: err.message });
              client = null;
              void c.end().catch(() => {});
            });
          closeWhenIdle();
        },
      };
    },
    async close() {
      clearTimeout(idle);
      const c = client;
      client = null;
      if (c) await (await c.catch(() => null))?.end().catch(() => {});
    },
  };
}
