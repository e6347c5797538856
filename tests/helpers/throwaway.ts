// Servers of a test's own, on ports of their own, for the tests that stop, kill or restart
// one: a Redis without persistence and a PostgreSQL cluster in a temporary folder. The shared
// servers on 5432 and 6379 are never touched. PostgreSQL refuses to run as root, so the
// cluster runs as the `postgres` user when the tests run as root (as CI does).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function until(ok: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok().catch(() => false))) {
    if (Date.now() > end) throw new Error(`${what} did not come up in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export class ThrowawayRedis {
  private proc: ChildProcess | null = null;
  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<ThrowawayRedis> {
    const r = new ThrowawayRedis(await freePort());
    await r.up();
    return r;
  }

  /** Starts the server (empty: it keeps nothing on disk). */
  async up(): Promise<void> {
    this.proc = spawn(
      "redis-server",
      ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { stdio: "ignore" },
    );
    await until(async () => {
      const c = new Redis(this.url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      c.on("error", () => {});
      try {
        await c.connect();
        return (await c.ping()) === "PONG";
      } finally {
        c.disconnect();
      }
    }, "the throwaway Redis");
  }

  /** Kills the server at once: everything it held is gone. */
  async down(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once("exit", r));
    p.kill("SIGKILL");
    await exited;
  }

  async restart(): Promise<void> {
    await this.down();
    await this.up();
  }
}

function pgBin(name: string): string {
  const base = "/usr/lib/postgresql";
  const v = readdirSync(base).sort((a, b) => Number(b) - Number(a))[0];
  if (!v) throw new Error("no PostgreSQL server binaries under /usr/lib/postgresql");
  return path.join(base, v, "bin", name);
}

const asRoot = process.getuid?.() === 0;

function runPg(bin: string, args: string[]): void {
  const cmd = asRoot ? ["runuser", "-u", "postgres", "--", pgBin(bin), ...args] : [pgBin(bin), ...args];
  execFileSync(cmd[0]!, cmd.slice(1), { stdio: "pipe" });
}

export class ThrowawayPostgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  /** The server's own `postgres` database; `url(name)` for another. */
  url(database = "postgres"): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/${database}`;
  }

  static async start(): Promise<ThrowawayPostgres> {
    const dir = mkdtempSync(path.join(os.tmpdir(), "peerbot-pg-"));
    if (asRoot) {
      const { uid, gid } = idOf("postgres");
      chownSync(dir, uid, gid);
    }
    runPg("initdb", [
      "-D",
      path.join(dir, "data"),
      "-A",
      "trust",
      "-U",
      "postgres",
      "--no-sync",
      "-E",
      "UTF8",
    ]);
    const pg = new ThrowawayPostgres(dir, await freePort());
    await pg.up();
    return pg;
  }

  async up(): Promise<void> {
    runPg("pg_ctl", [
      "-D",
      path.join(this.dir, "data"),
      "-l",
      path.join(this.dir, "log"),
      "-o",
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      "-w",
      "start",
    ]);
  }

  /** Stops the server at once, as a crash or a lost network would take it away. */
  async down(): Promise<void> {
    if (!existsSync(path.join(this.dir, "data", "postmaster.pid"))) return;
    runPg("pg_ctl", ["-D", path.join(this.dir, "data"), "-m", "immediate", "-w", "stop"]);
  }

  async destroy(): Promise<void> {
    await this.down().catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function idOf(user: string): { uid: number; gid: number } {
  const uid = Number(execFileSync("id", ["-u", user], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", user], { encoding: "utf8" }).trim());
  return { uid, gid };
}
