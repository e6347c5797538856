// `peerbot <subcommand>`: console, start, worker, migrate, seed-demo, each with --help.
import { parseArgs } from "node:util";
import { config as loadDotenv } from "dotenv";
import { ConfigError, loadConfig, type Config } from "../core/config.js";
import { createLogger } from "../core/log.js";
import type { BootOptions, Runtime } from "./runtime.js";
import type { ChatPlatform } from "./chat-platform.js";
import type { PlatformRouter } from "./platform-router.js";
import { secretSubcommand } from "./cli-secret.js";
import { doctorSubcommand } from "./cli-doctor.js";
import { importSubcommand } from "./cli-import.js";
import { inventorySub } from "./cli-inventory.js";
import { discordRegisterSubcommand } from "./cli-discord.js";
import { slackManifestSub } from "./cli-slack.js";

/** Loaded on demand: `--help` should not pay for the database, Prisma and BullMQ. */
async function boot(config: Config, opts: BootOptions): Promise<Runtime> {
  const runtime = await import("./runtime.js");
  return runtime.boot(config, opts);
}

interface Sub {
  summary: string;
  usage: string;
  options?: Record<string, { type: "string" | "boolean"; short?: string; description: string }>;
  /** Whether it takes words after its name (`peerbot secret set router edge1`); refused otherwise. */
  positionals?: boolean;
  run(
    opts: Record<string, string | boolean | undefined>,
    config: Config,
    positionals: string[],
  ): Promise<number>;
}

const SUBCOMMANDS: Record<string, Sub> = {
  console: {
    summary: "Talk to peerbot in this terminal (embedded database unless DATABASE_URL is set).",
    usage: "peerbot console [--user <name>]",
    options: {
      user: { type: "string", short: "u", description: "act as this console user (default: $USER)" },
    },
    async run(opts, config) {
      const { ConsoleSession, runConsole } = await import("./console/console.js");
      const { buildRegistry } = await import("../commands/index.js");
      const user = (opts.user as string | undefined) ?? process.env.USER ?? "console";
      let session: InstanceType<typeof ConsoleSession> | undefined;
      const rt = await boot(config, {
        allowEmbedded: true,
        notifier: {
          update: (ref, reply) => session!.notifier.update(ref, reply),
          post: (ch, reply) => session!.notifier.post(ch, reply),
        },
      });
      let schedules: { stop(): Promise<void> } | undefined;
      try {
        await registerWorkers(rt);
        schedules = await startSchedules(rt);
        session = new ConsoleSession(buildRegistry(), rt.services, user, process.stdout);
        const interactive = Boolean(process.stdin.isTTY);
        const { hasIxps } = await import("../core/inventory.js");
        const empty = !(await hasIxps(rt.services.db));
        const banner = [
          ...rt.notes.map((n) => `note: ${n}`),
          ...(empty ? ["note: the database is empty; run `peerbot seed-demo` for the demo network."] : []),
          ...(interactive ? [`peerbot console as ${user}. Type \`help\`, or \`quit\` to leave.`] : []),
        ];
        await runConsole(session, { input: process.stdin, output: process.stdout, interactive }, banner);
        await schedules.stop();
        await rt.queue.drain();
        return 0;
      } finally {
        await schedules?.stop();
        await rt.close();
      }
    },
  },
  start: {
    summary: "Run the configured chat platforms (Slack, Discord) with in-process workers.",
    usage: "peerbot start",
    async run(_opts, config) {
      const { startPlatforms } = await import("./platforms.js");
      return serve(config, "start", (rt, router, platforms) => startPlatforms(rt, router, platforms));
    },
  },
  worker: {
    summary: "Run the job workers only (deploys, PeeringDB sync, polling, the reconciler); needs REDIS_URL.",
    usage: "peerbot worker",
    async run(_opts, config) {
      if (!config.REDIS_URL) {
        process.stderr.write("peerbot worker needs REDIS_URL: workers take their jobs from Redis.\n");
        return 2;
      }
      return serve(config, "worker", async (rt, router) => {
        // The chat code (platforms.ts and the command registry behind the messages' buttons)
        // only where a job has a platform to post to.
        if (config.SLACK_BOT_TOKEN || config.DISCORD_TOKEN) {
          const { workerNotifiers } = await import("./platforms.js");
          await workerNotifiers(rt, router);
        }
        return async () => {};
      });
    },
  },
  migrate: {
    summary:
      "Apply pending database migrations, creating the database if it does not exist (safe to run from several processes at once).",
    usage: "peerbot migrate",
    async run(_opts, config) {
      let rt: Runtime;
      try {
        rt = await boot(config, { allowEmbedded: true });
      } catch (err) {
        // A server that has no such database yet: create it, then migrate.
        if ((err as { code?: string }).code !== "3D000" || !config.DATABASE_URL) throw err;
        const { createDatabaseOf } = await import("./startup-errors.js");
        const name = await createDatabaseOf(config.DATABASE_URL);
        process.stdout.write(`Created the database "${name}".\n`);
        rt = await boot(config, { allowEmbedded: true });
      }
      process.stdout.write("The database is up to date.\n");
      await rt.close();
      return 0;
    },
  },
  sync: {
    summary: "Sync the PeeringDB mirror now from PEERINGDB_URL (incremental; --full for everything).",
    usage: "peerbot sync [--full]",
    options: {
      full: {
        type: "boolean",
        description: "fetch every record again, and drop what PeeringDB no longer lists",
      },
    },
    async run(opts, config) {
      const { runSync } = await import("../core/peeringdb/sync.js");
      const { peeringDbClientFromConfig } = await import("../drivers/peeringdb/client.js");
      const rt = await boot(config, { allowEmbedded: true });
      const client = peeringDbClientFromConfig(config, rt.services.log);
      try {
        let last = "";
        const report = await runSync(
          rt.services.db,
          client,
          (type, rows) => {
            if (type !== last) process.stdout.write(`${last ? "\n" : ""}${type}: `);
            last = type;
            process.stdout.write(`${rows} `);
          },
          { full: Boolean(opts.full), logger: rt.services.log },
        );
        process.stdout.write("\n");
        for (const t of report.types) {
          process.stdout.write(
            `${t.type.padEnd(9)} ${t.ok ? "ok" : `FAILED (${t.error})`}: ${t.fetched} fetched, ${t.upserted} changed, ${t.deleted} deleted, ${t.skipped.length} skipped, ${t.rows} rows\n`,
          );
        }
        process.stdout.write(
          `${report.ok ? "Synced" : "Synced with errors"} in ${(report.durationMs / 1000).toFixed(1)} s.\n`,
        );
        return report.ok ? 0 : 1;
      } finally {
        await client.close();
        await rt.close();
      }
    },
  },
  "seed-demo": {
    summary: "Load the demo network (AS64500 at LINX LON1, AMS-IX, DE-CIX Frankfurt) and PeeringDB data.",
    usage: "peerbot seed-demo",
    async run(_opts, config) {
      const { seedDemo } = await import("../core/demo.js");
      const rt = await boot(config, { allowEmbedded: true });
      try {
        for (const n of rt.notes) process.stdout.write(`note: ${n}\n`);
        const { bundledPeeringDb } = await import("../drivers/peeringdb/static-source.js");
        const s = await seedDemo(rt.services.db, {
          dataDir: config.PEERBOT_DATA_DIR,
          mirror: bundledPeeringDb(),
        });
        process.stdout.write(
          `Demo network ready: AS64500 with ${s.connections} connections at ${s.ixps} IXPs, ${s.routers} routers, ${s.sessions} sessions; ${s.mirrorRows} PeeringDB records in the mirror.\n`,
        );
        return 0;
      } finally {
        await rt.close();
      }
    },
  },
  secret: secretSubcommand,
  doctor: doctorSubcommand,
  import: importSubcommand,
  inventory: inventorySub,
  "discord-register": discordRegisterSubcommand,
  "slack-manifest": slackManifestSub,
};

/** Every schedule (repeatable jobs, polling, the reconciler): jobs/schedule.ts. */
async function startSchedules(rt: Runtime): Promise<{ stop(): Promise<void> }> {
  const { startSchedules } = await import("../jobs/schedule.js");
  return startSchedules(rt.queue, rt.services);
}

/** Registers every queue's worker function on the runtime's queue. */
async function registerWorkers(rt: Runtime): Promise<void> {
  const { registerAllWorkers } = await import("../jobs/index.js");
  registerAllWorkers(rt.queue, rt.services);
}

/**
 * `peerbot start` and `peerbot worker`: the operations server (/healthz at once, /readyz once
 * everything is up), the runtime, the job workers, the schedules and what `receive` starts
 * (the chat platforms), until SIGTERM or SIGINT. Then the graceful shutdown: /readyz answers
 * 503 at once, the platforms stop receiving, the schedules and the reconciler stop, running
 * jobs get PEERBOT_SHUTDOWN_GRACE to finish (then go back to the queue for another worker),
 * the pools close, and the process exits 0. A second signal exits at once.
 */
async function serve(
  config: Config,
  name: "start" | "worker",
  receive: (rt: Runtime, router: PlatformRouter, platforms: ChatPlatform[]) => Promise<() => Promise<void>>,
): Promise<number> {
  const { OpsListenError, startOpsServer, readinessChecks, observeRuntime } = await import("./ops-server.js");
  const { PlatformRouter } = await import("./platform-router.js");
  const log = createLogger(config.PEERBOT_LOG_LEVEL);
  // Counted from here: a signal during start-up shuts down as soon as start-up ends.
  const signalled = waitForSignal();
  let ops: Awaited<ReturnType<typeof startOpsServer>>;
  try {
    ops = await startOpsServer({ port: config.PEERBOT_HTTP_PORT, host: config.PEERBOT_HTTP_HOST, log });
  } catch (err) {
    if (!(err instanceof OpsListenError)) throw err;
    process.stderr.write(`peerbot ${name}: ${err.message}.\n`);
    return 1;
  }
  let rt: Runtime | undefined;
  try {
    const router = new PlatformRouter();
    rt = await boot(config, { allowEmbedded: false, migrateInChild: true, notifier: router, log });
    observeRuntime(rt);
    // `start` may leave the jobs to `peerbot worker` processes (PEERBOT_START_WORKERS=false with
    // Redis): it still enqueues them, and runs the reconciler and the schedules.
    const runsJobs = name === "worker" || config.PEERBOT_START_WORKERS || !config.REDIS_URL;
    if (!runsJobs) log.info("start: no job workers in this process (PEERBOT_START_WORKERS=false)");
    // Registered either way: a job's attempts and backoff come with its queue's registration.
    await registerWorkers(rt);
    if (runsJobs) await rt.queue.start();
    const schedules = await startSchedules(rt);
    const platforms: ChatPlatform[] = [];
    let stopReceiving: () => Promise<void>;
    try {
      stopReceiving = await receive(rt, router, platforms);
    } catch (err) {
      await schedules.stop();
      throw err;
    }
    ops.setChecks(readinessChecks(rt, platforms));
    process.stderr.write(
      name === "start"
        ? `peerbot started (health on port ${ops.port})\n`
        : `peerbot worker: waiting for jobs (health on port ${ops.port}).\n`,
    );
    const signal = await signalled;
    ops.shutdown();
    const grace = config.PEERBOT_SHUTDOWN_GRACE;
    log.info("shutting down", { signal, graceMs: grace });
    await stopReceiving();
    await schedules.stop();
    const r = rt;
    rt = undefined;
    await r.close({ graceMs: grace });
    log.info("shut down");
    return 0;
  } finally {
    await rt?.close();
    await ops.close();
  }
}

/**
 * Resolves with the first SIGINT or SIGTERM, and keeps the process alive until then (with
 * nothing else to do it, Node would exit). A second signal exits at once.
 */
function waitForSignal(): Promise<NodeJS.Signals> {
  const keepAlive = setInterval(() => {}, 1 << 30);
  return new Promise((resolve) => {
    const first = (signal: NodeJS.Signals) => {
      clearInterval(keepAlive);
      process.off("SIGINT", first);
      process.off("SIGTERM", first);
      const again = (s: NodeJS.Signals) => {
        process.stderr.write(`peerbot: ${s} again; exiting now.\n`);
        process.exit(s === "SIGINT" ? 130 : 143);
      };
      process.once("SIGINT", again);
      process.once("SIGTERM", again);
      resolve(signal);
    };
    process.on("SIGINT", first);
    process.on("SIGTERM", first);
  });
}

function helpText(): string {
  const lines = ["Usage: peerbot <command> [options]", "", "Commands:"];
  for (const [name, s] of Object.entries(SUBCOMMANDS)) lines.push(`  ${name.padEnd(10)} ${s.summary}`);
  lines.push(
    "",
    "Run `peerbot <command> --help` for its options. Settings come from the environment; see .env.example.",
  );
  return lines.join("\n");
}

function subHelp(s: Sub): string {
  const lines = [`Usage: ${s.usage}`, "", s.summary];
  const opts = Object.entries(s.options ?? {});
  if (opts.length) {
    lines.push("", "Options:");
    for (const [k, o] of opts)
      lines.push(
        `  ${o.short ? `-${o.short}, ` : "    "}--${k}${o.type === "string" ? " <value>" : ""}  ${o.description}`,
      );
  }
  lines.push("  -h, --help  show this help");
  return lines.join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(helpText() + "\n");
    return name ? 0 : 2;
  }
  const sub = SUBCOMMANDS[name];
  if (!sub) {
    process.stderr.write(`peerbot: there is no command "${name}".\n${helpText()}\n`);
    return 2;
  }
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      options: { ...(sub.options ?? {}), help: { type: "boolean", short: "h" } },
      allowPositionals: sub.positionals ?? false,
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`peerbot ${name}: ${(err as Error).message}\n${subHelp(sub)}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(subHelp(sub) + "\n");
    return 0;
  }
  if (process.env.PEERBOT_NO_ENV_FILE !== "true") loadDotenv({ quiet: true });
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(err.message + "\n");
      return 78; // EX_CONFIG
    }
    throw err;
  }
  try {
    return await sub.run(values, config, positionals);
  } catch (err) {
    const { startupProblem } = await import("./startup-errors.js");
    const problem = startupProblem(err, config);
    if (problem) {
      process.stderr.write(`peerbot ${name}: ${problem}\n`);
      return 1;
    }
    createLogger(config.PEERBOT_LOG_LEVEL).error(`peerbot ${name} failed`, { err });
    process.stderr.write(`peerbot ${name} failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
