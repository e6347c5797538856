// `peerbot inventory export [--file <f>]` and `peerbot inventory apply <file> [--dry-run] [--prune]`:
// the inventory as a YAML file (core/inventory-file). Exit codes: 0 applied or nothing to do,
// 1 the file or the plan was refused (nothing changed), 2 a usage mistake.
import { readFile, rename, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Config } from "../core/config.js";
import type { Database } from "../core/db.js";

type Opts = Record<string, string | boolean | undefined>;

const USAGE = "peerbot inventory export [--file <f>] | peerbot inventory apply <file> [--dry-run] [--prune]";

function usage(problem: string): number {
  process.stderr.write(`peerbot inventory: ${problem}\nUsage: ${USAGE}\n`);
  return 2;
}

/** Who applies a file, for the history: the shell user. */
function shellUser(): string {
  try {
    return os.userInfo().username || process.env.USER || "unknown";
  } catch {
    return process.env.USER || "unknown";
  }
}

async function withDatabase<T>(config: Config, fn: (db: Database) => Promise<T>): Promise<T> {
  const { boot } = await import("./runtime.js");
  const rt = await boot(config, { allowEmbedded: true });
  try {
    // Notes go to stderr: an export on stdout is the file and nothing else.
    for (const n of rt.notes) process.stderr.write(`note: ${n}\n`);
    return await fn(rt.services.db);
  } finally {
    await rt.close();
  }
}

async function runExport(opts: Opts, config: Config, rest: string[]): Promise<number> {
  if (rest.length) return usage(`export takes no file name after it; use --file ${rest[0]}.`);
  if (opts["dry-run"] || opts.prune) return usage("--dry-run and --prune belong to apply.");
  const file = typeof opts.file === "string" ? opts.file : undefined;
  const { exportInventory, summary } = await import("../core/inventory-file/index.js");
  const out = await withDatabase(config, exportInventory);
  if (!file) {
    process.stdout.write(out.yaml);
    return 0;
  }
  // Written beside the target, then renamed over it: a reader never sees half a file.
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.tmp`);
  await writeFile(tmp, out.yaml, { mode: 0o600 });
  await rename(tmp, file);
  process.stderr.write(`Wrote ${file}: ${summary(out.counts) || "an empty inventory"}.\n`);
  return 0;
}

async function runApply(opts: Opts, config: Config, rest: string[]): Promise<number> {
  const given = typeof opts.file === "string" ? [opts.file, ...rest] : rest;
  if (given.length === 0)
    return usage("say which file to apply, e.g. peerbot inventory apply inventory.yaml.");
  if (given.length > 1) return usage(`apply takes one file, not ${given.length}.`);
  const file = given[0] as string;
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    process.stderr.write(
      `peerbot inventory: cannot read ${file}: ${code === "ENOENT" ? "there is no such file" : code === "EACCES" ? "permission denied" : (err as Error).message}.\n`,
    );
    return 1;
  }
  const { applyParsed, invalid, parseInventory } = await import("../core/inventory-file/index.js");
  const { processAuthor } = await import("../core/history.js");
  // A file that does not parse is refused before any database is opened.
  const parsed = parseInventory(text, file);
  if (!parsed.ok) {
    process.stderr.write(invalid(parsed.errors, { parse: 0, plan: 0, write: 0 }).text);
    return 1;
  }
  const user = shellUser();
  const outcome = await withDatabase(config, (db) =>
    applyParsed(db, parsed, {
      filename: file,
      dryRun: Boolean(opts["dry-run"]),
      prune: Boolean(opts.prune),
      author: processAuthor(`cli:${user}`, "file", user),
    }),
  );
  const failed = outcome.status === "invalid" || outcome.status === "refused";
  (failed ? process.stderr : process.stdout).write(outcome.text);
  return failed ? 1 : 0;
}

export const inventorySub = {
  summary: "Export the inventory as YAML, or apply a YAML file to it (a plan, then one transaction).",
  usage: USAGE,
  options: {
    file: {
      type: "string" as const,
      short: "f",
      description: "export: write the YAML to this file (default: standard output)",
    },
    "dry-run": { type: "boolean" as const, description: "apply: print the plan and change nothing" },
    prune: {
      type: "boolean" as const,
      description: "apply: delete what the file lacks, in the sections the file has",
    },
  },
  positionals: true,
  async run(opts: Opts, config: Config, positionals: string[]): Promise<number> {
    const [verb, ...rest] = positionals;
    if (verb === "export") return runExport(opts, config, rest);
    if (verb === "apply") return runApply(opts, config, rest);
    return usage(verb ? `there is no inventory ${verb}: use export or apply.` : "say export or apply.");
  },
};
