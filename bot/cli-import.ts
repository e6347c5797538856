// `peerbot import peering-manager --url <base> [--token-env <VAR>] [--dry-run]`: a migration
// from a Peering Manager instance over its REST API (core/migrate/peering-manager). The token
// is read from an environment variable, so that it is never on a command line, in a process
// list or in a shell history; it is never printed, logged or put in an error.
import path from "node:path";
import type { Config } from "../core/config.js";
import { CliError, cliUser, reportingCliErrors } from "./cli-errors.js";

const USAGE = "peerbot import peering-manager --url <base URL> [--token-env <VAR>] [--dry-run]";
const DEFAULT_TOKEN_ENV = "PEERING_MANAGER_TOKEN";

async function run(
  opts: Record<string, string | boolean | undefined>,
  config: Config,
  positionals: string[],
): Promise<number> {
  if (positionals.length !== 1 || positionals[0] !== "peering-manager")
    throw new CliError(
      positionals.length
        ? `there is nothing to import from "${positionals.join(" ").slice(0, 40)}"; peerbot imports from peering-manager.\nUsage: ${USAGE}`
        : `say what to import from.\nUsage: ${USAGE}`,
      2,
    );
  const url = typeof opts.url === "string" ? opts.url.trim() : "";
  if (!url) throw new CliError(`give the Peering Manager's base URL with --url.\nUsage: ${USAGE}`, 2);
  const tokenEnv = typeof opts["token-env"] === "string" ? opts["token-env"].trim() : DEFAULT_TOKEN_ENV;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(tokenEnv))
    throw new CliError(`--token-env names an environment variable, e.g. ${DEFAULT_TOKEN_ENV}.`, 2);
  const token = process.env[tokenEnv];
  if (!token || !token.trim())
    throw new CliError(
      `the environment variable ${tokenEnv} is not set: it should hold a Peering Manager API token (Peering Manager: your profile, API tokens; a read-only token is enough).`,
      2,
    );

  const { PeeringManagerClient, PeeringManagerError } = await import("../drivers/peering-manager/client.js");
  const { readSnapshot } = await import("../core/migrate/peering-manager/source.js");
  const { applySnapshot } = await import("../core/migrate/peering-manager/import.js");
  const { formatSummary } = await import("../core/migrate/peering-manager/summary.js");
  const { createLogger } = await import("../core/log.js");
  const log = createLogger(config.PEERBOT_LOG_LEVEL);

  let client: InstanceType<typeof PeeringManagerClient>;
  try {
    client = new PeeringManagerClient({ baseUrl: url, token, logger: log });
  } catch (err) {
    if (err instanceof PeeringManagerError) throw new CliError(err.message);
    throw err;
  }
  let snap: Awaited<ReturnType<typeof readSnapshot>>;
  try {
    process.stderr.write(`Reading Peering Manager at ${client.host}…\n`);
    snap = await readSnapshot(client);
  } catch (err) {
    if (err instanceof PeeringManagerError) throw new CliError(err.message);
    throw err;
  } finally {
    await client.close();
  }

  const runtime = await import("./runtime.js");
  const rt = await runtime.boot(config, { allowEmbedded: true, log });
  try {
    for (const n of rt.notes) process.stderr.write(`note: ${n}\n`);
    const user = cliUser();
    const summary = await applySnapshot(rt.services.db, snap, {
      dryRun: Boolean(opts["dry-run"]),
      actor: `cli:${user}`,
      actorName: user,
      secrets: rt.services.secrets,
      templatesDir: config.PEERBOT_TEMPLATES_DIR?.trim()
        ? path.resolve(config.PEERBOT_TEMPLATES_DIR.trim())
        : path.resolve(config.PEERBOT_DATA_DIR, "templates"),
      templatesDirInUse: Boolean(config.PEERBOT_TEMPLATES_DIR?.trim()),
    });
    summary.requests = client.requests;
    process.stdout.write(`${formatSummary(summary)}\n`);
    return 0;
  } finally {
    await rt.close();
  }
}

export const importSubcommand = {
  summary:
    "Migrate from Peering Manager over its REST API: ASes, IXPs, routers, policies, sessions, contacts (--dry-run to see first).",
  usage: USAGE,
  positionals: true,
  options: {
    url: {
      type: "string" as const,
      description: "the Peering Manager's base URL, e.g. https://peering-manager.example.net",
    },
    "token-env": {
      type: "string" as const,
      description: `the environment variable that holds its API token (default ${DEFAULT_TOKEN_ENV})`,
    },
    "dry-run": { type: "boolean" as const, description: "print what would be imported, and change nothing" },
  },
  run: reportingCliErrors("import", run),
};
