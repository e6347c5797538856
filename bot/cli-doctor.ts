// `peerbot doctor`: core/doctor.ts's checks from the shell, one line each, exit status 1 when
// any fails. It opens the database and the queue itself instead of booting a runtime: a
// doctor must report pending migrations, not apply them, and must answer when the database
// or Redis is away.
import type { Config } from "../core/config.js";
import { CliError, reportingCliErrors } from "./cli-errors.js";

export const doctorSubcommand = {
  summary:
    "Check what peerbot depends on: settings, PostgreSQL and migrations, Redis, Slack, Discord, SMTP, PeeringDB, and each router (DNS, TCP, SSH host key, login). Exit status 1 when a check fails.",
  usage: "peerbot doctor [--router <name>] [--timeout <seconds>]",
  options: {
    router: { type: "string" as const, description: "check only this router (and everything else)" },
    timeout: { type: "string" as const, description: "seconds each check may take (default 5)" },
  },
  run: reportingCliErrors(
    "doctor",
    async (opts: Record<string, string | boolean | undefined>, config: Config): Promise<number> => {
      const timeout = opts.timeout === undefined ? 5 : Number(opts.timeout);
      if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 120)
        throw new CliError(
          "--timeout takes a number of seconds from 1 to 120; usage: peerbot doctor [--router <name>] [--timeout <seconds>]",
          2,
        );
      const { runDoctor, defaultProbes, formatDoctor, doctorFailed } = await import("../core/doctor.js");
      const { createLogger } = await import("../core/log.js");
      const log = createLogger("silent");
      if (!config.DATABASE_URL) {
        process.stdout.write(
          `${formatDoctor([
            {
              name: "postgresql",
              status: "fail",
              detail: "DATABASE_URL is not set.",
              fix: "Set it to the PostgreSQL server's postgresql:// URL; only `peerbot console` runs without one, on the embedded database.",
              ms: 0,
            },
          ])}\n`,
        );
        return 1;
      }
      const { openDatabase } = await import("../core/db.js");
      const { SecretBox } = await import("../core/crypto.js");
      const { InProcessQueue } = await import("../jobs/queue.js");
      const { BullJobQueue } = await import("../jobs/bull-queue.js");
      const { createServices } = await import("./services.js");
      const db = openDatabase(config.DATABASE_URL, { poolSize: 4 });
      const jobs = config.REDIS_URL
        ? new BullJobQueue(config.REDIS_URL, config.PEERBOT_QUEUE_PREFIX, log)
        : new InProcessQueue(log);
      const secrets = config.PEERBOT_SECRET_KEY ? SecretBox.fromString(config.PEERBOT_SECRET_KEY) : undefined;
      const services = createServices({ db, config, jobs, log, secrets });
      try {
        const lines = await runDoctor(services, config, defaultProbes(services), {
          timeoutMs: timeout * 1000,
          ...(typeof opts.router === "string" ? { routers: [opts.router] } : {}),
        });
        process.stdout.write(`${formatDoctor(lines)}\n`);
        const failed = lines.filter((l) => l.status === "fail").length;
        process.stdout.write(
          failed ? `${failed} of ${lines.length} checks failed.\n` : `All ${lines.length} checks passed.\n`,
        );
        return doctorFailed(lines) ? 1 : 0;
      } finally {
        // Nothing waits for a server that does not answer: the process exits after this.
        void services.mailer.close().catch(() => {});
        void jobs.close().catch(() => {});
        void db.close().catch(() => {});
      }
    },
  ),
};
