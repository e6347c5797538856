// The set-up of most in-process chat tests: a database of the test file's own, a data folder of
// its own (file routers' configurations, the e-mail outbox), services on both, a chat, alice's
// notifier (console updates go to whoever's console shows the message; one capture serves all),
// every worker registered on the in-process queue, and the demo network (or the PeeringDB mirror).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Registry } from "../../commands/registry.js";
import { runSync } from "../../core/peeringdb/sync.js";
import { bundledPeeringDb } from "../../drivers/peeringdb/static-source.js";
import { registerAllWorkers } from "../../jobs/index.js";
import { createChat, type Chat } from "./chat.js";
import { createTestDatabase, type TestDatabase } from "./db.js";
import { seedDemoDb } from "./demo.js";
import { testServices, type TestServices } from "./services.js";

export interface DemoChat {
  db: TestDatabase;
  services: TestServices;
  chat: Chat;
  dataDir: string;
  /** Closes the mailer, drops the database and removes the data folder. */
  close(): Promise<void>;
}

export interface DemoChatOptions {
  /** The services' settings (testServices); a function of the data folder when they name it. */
  env?: Record<string, string> | ((dataDir: string) => Record<string, string>);
  registry?: Registry;
  /** The demo network (default), or only the bundled PeeringDB mirror. */
  seed?: "demo" | "mirror";
  /** Install alice's notifier and register every worker (default true). */
  workers?: boolean;
}

/** `label` is the test file (import.meta.filename): it names the database and the data folder. */
export async function demoChat(label: string, opts: DemoChatOptions = {}): Promise<DemoChat> {
  const slug = path.basename(label).replace(/\.test\.ts/, "");
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `peerbot-${slug}-`));
  let db: TestDatabase | undefined;
  let services: TestServices | undefined;
  const close = async () => {
    await services?.mailer.close();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    db = await createTestDatabase(label);
    const env = typeof opts.env === "function" ? opts.env(dataDir) : opts.env;
    services = testServices(db, env ?? {}, dataDir);
    const chat = createChat(services, opts.registry);
    if (opts.workers !== false) {
      services.notifier = chat.session("alice").notifier;
      registerAllWorkers(services.queue, services);
    }
    if (opts.seed === "mirror") {
      const report = await runSync(db, bundledPeeringDb(), undefined, { full: true });
      if (!report.ok) throw new Error("the bundled PeeringDB mirror did not load");
    } else await seedDemoDb(db, dataDir);
    return { db, services, chat, dataDir, close };
  } catch (err) {
    // Set-up failed: nothing is left behind (the test file's afterAll has no close to call).
    await close().catch(() => {});
    throw err;
  }
}
