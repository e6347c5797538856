// What the BIRD 2 and FRR lab tests share: a test database and services whose secret key is
// known (the child worker needs it), console users alice (operator), bob (approver) and an
// alert channel, the in-process queue with every worker, their chat (../helpers/chat.ts), and
// helpers to drive a change.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { getChange, type ChangeRow } from "../../core/changes.js";
import { SecretBox, newSecretKey } from "../../core/crypto.js";
import { createDriverFactory } from "../../drivers/router/factory.js";
import { SshPool } from "../../drivers/ssh/pool.js";
import { registerAllWorkers } from "../../jobs/index.js";
import { requestPoll } from "../../jobs/poll-sessions.js";
import { createChat } from "../helpers/chat.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { dbUrl } from "../helpers/pg.js";
import { testServices, type Capture, type TestServices } from "../helpers/services.js";
import type { RouterLab } from "./lab.js";
import { seedLab, type LabSeed } from "./seed.js";

export interface Flow {
  db: TestDatabase;
  services: TestServices;
  pool: SshPool;
  seed: LabSeed;
  out: Capture;
  secretKey: string;
  dataDir: string;
  say(user: string, line: string): Promise<string>;
  change(id: number): Promise<ChangeRow>;
  /** Polls the router through the poll-sessions job until `ok` (or the time runs out). */
  pollUntil(ok: () => Promise<boolean>, ms?: number): Promise<void>;
  close(): Promise<void>;
}

export const CONFIRM_SECONDS = 6;

export async function startFlow(
  label: string,
  lab: RouterLab,
  opts: { routerName: string; template?: string; env?: Record<string, string> },
): Promise<Flow> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "peerbot-routers-"));
  const db = await createTestDatabase(label);
  const services = testServices(
    db,
    {
      PEERBOT_CONFIRM_TIMEOUT: `${CONFIRM_SECONDS}s`,
      PEERBOT_ALERT_CHANNEL: "console:alerts",
      PEERBOT_ALERT_DOWN_AFTER: "3s",
      ...(opts.env ?? {}),
    },
    dataDir,
  );
  const secretKey = newSecretKey();
  services.secrets = SecretBox.fromString(secretKey);
  const pool = new SshPool({ idleMs: 500 });
  services.drivers = createDriverFactory({ secrets: services.secrets, dataDir, pool });
  const chat = createChat(services);
  services.notifier = chat.session("alice").notifier;
  registerAllWorkers(services.queue, services);
  const seed = await seedLab(db, services.secrets, lab, {
    routerName: opts.routerName,
    template: opts.template,
  });
  const flow: Flow = {
    db,
    services,
    pool,
    seed,
    out: chat.out,
    secretKey,
    dataDir,
    say: chat.say,
    async change(id) {
      return (await getChange(db, id))!;
    },
    async pollUntil(ok, ms = 30_000) {
      const end = Date.now() + ms;
      for (;;) {
        await requestPoll(services.queue, seed.routerId);
        await chat.drain();
        if (await ok()) return;
        if (Date.now() > end) throw new Error(`polling did not get there in ${ms} ms`);
        await new Promise((r) => setTimeout(r, 500));
      }
    },
    async close() {
      await services.queue.drain().catch(() => {});
      await pool.closeAll().catch(() => {});
      await db.drop().catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return flow;
}

export { newChange } from "../helpers/chat.js";

/**
 * Deploys change `id` in a child process that hangs before the confirm, and SIGKILLs it once
 * the change is in phase `committed`: a worker that died between commit and confirm.
 */
export async function deployAndKillAfterCommit(flow: Flow, id: number): Promise<string> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(import.meta.dirname, "deploy-child.ts"), String(id)],
    {
      env: {
        ...process.env,
        DATABASE_URL: dbUrl(flow.db.name),
        PEERBOT_SECRET_KEY: flow.secretKey,
        PEERBOT_CONFIRM_TIMEOUT: `${CONFIRM_SECONDS}s`,
        PEERBOT_LAB_HOLD_CONFIRM: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((r) => child.on("exit", () => r()));
  try {
    const end = Date.now() + 60_000;
    for (;;) {
      const c = await flow.change(id);
      if (c.phase === "committed" && output.includes("holding before the confirm")) break;
      if (child.exitCode !== null || Date.now() > end)
        throw new Error(
          `the child deploy did not reach the commit (phase ${c.phase}, status ${c.status}):\n${output}`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    child.kill("SIGKILL");
    await exited;
  }
  return output;
}

/** Every text peerbot stored or said: change rows, audit rows, log lines, console output. */
export async function everythingSaid(flow: Flow, consoleText: string): Promise<string> {
  const changes = await flow.db.prisma.changeRequest.findMany();
  const audits = await flow.db.prisma.auditEvent.findMany();
  return [
    ...changes.flatMap((c) => [c.reason, ...c.steps, c.diff]),
    ...audits.flatMap((a) => [a.message, a.args, a.command]),
    ...flow.services.logLines,
    consoleText,
  ].join("\n");
}
