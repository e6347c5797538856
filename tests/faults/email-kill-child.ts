// A peerbot process for the e-mail kill test: presses Send on e-mail argv[2] as alice and runs
// its delivery in-process with the real SMTP mailer, SIGKILLing itself at PEERBOT_KILL_AT,
// exactly as a crash would stop it there:
//   send:enqueue   after Send committed `queued`, before the job exists
//   before:send    the job stored `sending`, before the message goes to the server
//   after:send     the server accepted the message (250), before `sent` is stored
// Reads DATABASE_URL, PEERBOT_DATA_DIR and the PEERBOT_SMTP_* settings; prints
// "survived <status>" when the kill point was never reached.
import { loadConfig } from "../../core/config.js";
import { openDatabase } from "../../core/db.js";
import { queueEmail, requireEmail } from "../../core/email/index.js";
import { createLogger } from "../../core/log.js";
import { systemClock, type JobQueue, type Mailer } from "../../core/ports.js";
import { createMailer } from "../../drivers/mail/index.js";
import { registerEmailWorker } from "../../jobs/email.js";
import { InProcessQueue } from "../../jobs/queue.js";

const killAt = process.env.PEERBOT_KILL_AT ?? "";
const die = (point: string) => {
  if (killAt === point) process.kill(process.pid, "SIGKILL");
};

async function main(): Promise<void> {
  const id = Number(process.argv[2]);
  const config = loadConfig({ ...process.env, PEERBOT_NO_ENV_FILE: "true", PEERBOT_LOG_LEVEL: "warn" });
  const log = createLogger("warn");
  const db = openDatabase(process.env.DATABASE_URL!, { poolSize: 2 });
  const real = createMailer(config, log);
  const mailer: Mailer = {
    kind: real.kind,
    describe: real.describe,
    async send(mail) {
      die("before:send");
      const r = await real.send(mail);
      die("after:send");
      return r;
    },
    close: () => real.close(),
  };
  const queue = new InProcessQueue(log);
  const jobs: JobQueue = {
    enqueue: async (...a) => {
      die("send:enqueue");
      return queue.enqueue(...a);
    },
    jobState: (q, j) => queue.jobState(q, j),
  };
  const services = { db, config, clock: systemClock, jobs, log, mailer };
  registerEmailWorker(queue, services, { backoffMs: 10 });
  await queueEmail(services, id, { platform: "console", userId: "alice", userName: "alice" });
  await queue.drain();
  process.stdout.write(`survived ${(await requireEmail(db, id)).status}\n`);
  await mailer.close();
  await db.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`email-kill-child failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
