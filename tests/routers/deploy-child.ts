// A deploy worker in a process of its own, for the test that kills it: runs deployChange for
// one change with the real driver factory, and (PEERBOT_LAB_HOLD_CONFIRM=1) hangs before the
// confirm, as a worker would that died between commit and confirm, so that the test can
// SIGKILL it at that exact point. Reads DATABASE_URL, PEERBOT_SECRET_KEY, PEERBOT_CONFIRM_TIMEOUT
// and the change id (argv[2]) from its environment and arguments; prints the outcome.
import { deployChange } from "../../core/changes.js";
import { loadConfig } from "../../core/config.js";
import { SecretBox } from "../../core/crypto.js";
import { openDatabase } from "../../core/db.js";
import { createLogger } from "../../core/log.js";
import { systemClock, type DriverFactory } from "../../core/ports.js";
import { createDriverFactory } from "../../drivers/router/factory.js";

async function main(): Promise<void> {
  const id = Number(process.argv[2]);
  const config = loadConfig({
    PEERBOT_NO_ENV_FILE: "true",
    PEERBOT_CONFIRM_TIMEOUT: process.env.PEERBOT_CONFIRM_TIMEOUT ?? "10s",
    PEERBOT_LOG_LEVEL: "warn",
  });
  const db = openDatabase(process.env.DATABASE_URL!, { poolSize: 2 });
  const secrets = SecretBox.fromString(process.env.PEERBOT_SECRET_KEY!);
  const real = createDriverFactory({ secrets, dataDir: "/tmp/peerbot-lab-child-unused" });
  const hold = process.env.PEERBOT_LAB_HOLD_CONFIRM === "1";
  const drivers: DriverFactory = (router, opts) => {
    const d = real(router, opts);
    if (!hold) return d;
    return {
      getConfig: () => d.getConfig(),
      loadCandidate: (c: string) => d.loadCandidate(c),
      commit: (s: number) => d.commit(s),
      confirm: async () => {
        process.stdout.write("holding before the confirm\n");
        await new Promise((r) => setTimeout(r, 600_000));
        return d.confirm();
      },
      rollback: () => d.rollback(),
      getBgpNeighbors: () => d.getBgpNeighbors(),
      close: () => d.close(),
    };
  };
  const outcome = await deployChange(
    {
      db,
      config,
      clock: systemClock,
      jobs: { enqueue: async () => {}, jobState: async () => "missing" as const },
      secrets,
      log: createLogger("warn"),
      drivers,
    },
    id,
  );
  process.stdout.write(`outcome ${outcome}\n`);
  await db.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`deploy-child failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
