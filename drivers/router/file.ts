// The `file` platform: the rendered configuration is written to a file (atomically, through
// a temporary file and rename), the previous version is kept for rollback, and, when the
// file's folder is a git work tree, each deploy is committed there with its change's summary
// ("Allow Config Deployment to Git", as Peering Manager users ask for). There is no device
// to confirm a commit, so `commit` applies at once and `confirm` only records it.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { DriverError, type BgpNeighbor, type CommitResult, type RouterDriver } from "../../core/ports.js";

const run = promisify(execFile);

export interface FileDriverOptions {
  /** The configuration file. */
  path: string;
  /** Commit message for the git repository around the file, when there is one. */
  message?: () => string;
}

export class FileDriver implements RouterDriver {
  private candidate: string | null = null;

  constructor(private readonly opts: FileDriverOptions) {
    if (!opts.path) throw new DriverError("this file router has no configuration path");
  }

  private get previousPath(): string {
    return `${this.opts.path}.previous`;
  }

  async getConfig(): Promise<string> {
    try {
      return await readFile(this.opts.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return "";
      throw new DriverError(`cannot read ${this.opts.path}: ${(err as Error).message}`);
    }
  }

  async loadCandidate(config: string): Promise<void> {
    this.candidate = config;
  }

  async compare(): Promise<string> {
    if (this.candidate === null) return "";
    const current = await this.getConfig();
    return current === this.candidate ? "" : `${this.opts.path} will be replaced`;
  }

  async commit(_confirmSeconds: number): Promise<CommitResult> {
    if (this.candidate === null) throw new DriverError("no candidate configuration is loaded");
    const file = this.opts.path;
    try {
      await mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
      await writeFile(tmp, this.candidate, { mode: 0o640 });
      if (existsSync(file)) await writeFile(this.previousPath, await readFile(file));
      else await rm(this.previousPath, { force: true });
      await rename(tmp, file);
    } catch (err) {
      throw new DriverError(`cannot write ${file}: ${(err as Error).message}`, true);
    }
    const git = await this.gitCommit();
    return { output: `wrote ${this.candidate.length} bytes to ${path.basename(file)}${git}` };
  }

  async confirm(): Promise<void> {}

  async rollback(): Promise<void> {
    const file = this.opts.path;
    if (existsSync(this.previousPath)) await rename(this.previousPath, file);
    else await rm(file, { force: true });
    this.candidate = null;
    await this.gitCommit("rollback");
  }

  async getBgpNeighbors(): Promise<BgpNeighbor[]> {
    return [];
  }

  async close(): Promise<void> {}

  /**
   * Commits the file when its folder is the top of a git repository of its own (a folder
   * with a .git beside the file): opt-in, so that a file inside some other work tree is never
   * committed there. Best effort: the file is deployed whatever git says.
   */
  private async gitCommit(prefix = ""): Promise<string> {
    const dir = path.dirname(this.opts.path);
    if (!existsSync(path.join(dir, ".git"))) return "";
    const msg = [prefix, this.opts.message?.() ?? "peerbot deploy"].filter(Boolean).join(": ");
    const name = path.basename(this.opts.path);
    try {
      await run("git", ["-C", dir, "add", "--", name]);
      const status = await run("git", ["-C", dir, "status", "--porcelain", "--", name]);
      if (!status.stdout.trim()) return " (git: no change to commit)";
      await run("git", [
        "-C",
        dir,
        "-c",
        "user.name=peerbot",
        "-c",
        "user.email=peerbot@localhost",
        "commit",
        "-q",
        "-m",
        msg,
        "--",
        name,
      ]);
      const { stdout } = await run("git", ["-C", dir, "rev-parse", "--short", "HEAD"]);
      return ` and committed ${stdout.trim()} to git`;
    } catch (err) {
      return ` (git commit failed: ${((err as Error).message.split("\n")[0] ?? "").slice(0, 120)})`;
    }
  }
}
