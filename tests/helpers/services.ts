// Services for in-process tests: a private database, a config built from explicit values
// (never the developer's environment), in-process jobs and a logger that keeps its lines.
import { Writable } from "node:stream";
import type { Services } from "../../core/services.js";
import { createServices } from "../../bot/services.js";
import { loadConfig, type Config } from "../../core/config.js";
import { SecretBox, newSecretKey } from "../../core/crypto.js";
import { createLogger } from "../../core/log.js";
import { DEMO_ROLES } from "../../bot/runtime.js";
import { InProcessQueue } from "../../jobs/queue.js";
import type { TestDatabase } from "./db.js";

export interface TestServices extends Services {
  logLines: string[];
  queue: InProcessQueue;
}

export function testConfig(env: Record<string, string> = {}): Config {
  const c = loadConfig({ PEERBOT_LOG_LEVEL: "debug", ...env });
  if (!env.PEERBOT_ROLES) c.PEERBOT_ROLES = DEMO_ROLES;
  return c;
}

export function testServices(
  db: TestDatabase,
  env: Record<string, string> = {},
  dataDir = "/tmp/peerbot-test-unused",
): TestServices {
  const logLines: string[] = [];
  const secrets = SecretBox.fromString(newSecretKey());
  const log = createLogger("debug", (l) => logLines.push(l));
  const queue = new InProcessQueue(log);
  return {
    ...createServices({ db, config: testConfig(env), jobs: queue, secrets, log, dataDir }),
    queue,
    logLines,
  };
}

/** A Writable that collects what is written to it. */
export class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
  take(): string {
    const t = this.text;
    this.text = "";
    return t;
  }
}

/** A fingerprint of every table but the audit log, to prove that a command changed nothing. */
export async function fingerprint(db: TestDatabase): Promise<string> {
  const { rows } = await db.pool.query<{ table_name: string }>(
    `select table_name from information_schema.tables
      where table_schema = 'public' and table_type = 'BASE TABLE'
        and table_name not in ('AuditEvent', '_prisma_migrations') order by table_name`,
  );
  const parts: string[] = [];
  for (const { table_name } of rows) {
    const r = await db.pool.query(
      `select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h, count(*) as n from "${table_name}" t`,
    );
    parts.push(`${table_name}:${r.rows[0].n}:${r.rows[0].h}`);
  }
  return parts.join("\n");
}
