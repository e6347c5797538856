// BIRD 2 and FRR as configuration checkers (installed by .ci/install-routing.sh). Each check
// has two parts: the daemon's own parser (`bird -p`, `vtysh --dryrun`), then the daemon's
// own view of what it loaded (BIRD: `birdc show protocols all` against a running bird; FRR:
// `show bgp neighbors json` from a bgpd started on the file). The running daemons live in a
// private network namespace when `unshare -n` works (root), so they never reach a real peer.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Neighbor } from "./parsers.js";

export const BIRD = "/usr/sbin/bird";
export const BIRDC = "/usr/sbin/birdc";
export const VTYSH = "/usr/bin/vtysh";
export const BGPD = "/usr/lib/frr/bgpd";

export function haveBird(): boolean {
  return existsSync(BIRD) && existsSync(BIRDC);
}
export function haveFrr(): boolean {
  return existsSync(VTYSH) && existsSync(BGPD);
}

let netns: boolean | null = null;
/** `unshare -n` works here: daemons can run without any route to the outside. */
export function canIsolate(): boolean {
  netns ??= spawnSync("unshare", ["-n", "true"]).status === 0;
  return netns;
}

function isolated(cmd: string, args: string[]): [string, string[]] {
  return canIsolate() ? ["unshare", ["-n", cmd, ...args]] : [cmd, args];
}

export function scratch(): { dir: string; done: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), "peerbot-daemon-"));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A minimal main bird.conf around peerbot's include: the contract's policy functions and BFD. */
export function birdMainConfig(includeFile: string, policyFunctions: string[]): string {
  return [
    "router id 192.0.2.254;",
    "protocol device {}",
    "protocol bfd {}",
    ...policyFunctions.map((f) => `function ${f}() { bgp_med = 1; }`),
    `include "${includeFile}";`,
    "",
  ].join("\n");
}

export function birdParse(mainFile: string): { ok: boolean; output: string } {
  const r = spawnSync(BIRD, ["-p", "-c", mainFile], { encoding: "utf8", timeout: 20_000 });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

/** BGP protocols as a running bird sees them: name, neighbor address and AS, state. */
export async function birdRunningProtocols(
  mainFile: string,
  dir: string,
): Promise<{ name: string; neighbor: Neighbor; description: string; disabled: boolean }[]> {
  const sock = path.join(dir, "bird.ctl");
  const pid = path.join(dir, "bird.pid");
  const [cmd, args] = isolated(BIRD, ["-f", "-c", mainFile, "-s", sock, "-P", pid]);
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  try {
    if (!(await waitFor(() => existsSync(sock), 10_000))) throw new Error(`bird did not start: ${stderr}`);
    let out = "";
    for (let i = 0; i < 20; i++) {
      const r = spawnSync(BIRDC, ["-s", sock, "show", "protocols", "all"], {
        encoding: "utf8",
        timeout: 10_000,
      });
      out = r.stdout;
      if (r.status === 0 && out.includes("Name")) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    const protocols: { name: string; neighbor: Neighbor; description: string; disabled: boolean }[] = [];
    for (const block of out.split(/\n(?=\S)/)) {
      const head = /^(\S+)\s+BGP\s+\S+\s+(\S+)/.exec(block);
      if (!head) continue;
      const addr = /Neighbor address:\s+(\S+)/.exec(block);
      const as = /Neighbor AS:\s+(\d+)/.exec(block);
      const desc = /Description:\s+(.*)/.exec(block);
      protocols.push({
        name: head[1]!,
        neighbor: { address: addr?.[1] ?? "", asn: Number(as?.[1]) },
        description: desc?.[1] ?? "",
        disabled: head[2] === "down" && /BGP state:\s+Down/.test(block),
      });
    }
    return protocols;
  } finally {
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      /* already gone */
    }
    await waitFor(() => child.exitCode !== null || child.signalCode !== null, 5_000);
  }
}

/** vtysh's dry run of an frr.conf: exit status and every complaint. */
export function frrDryRun(file: string): { ok: boolean; output: string } {
  const r = spawnSync(VTYSH, ["--dryrun", "-f", file], { encoding: "utf8", timeout: 20_000 });
  const output = `${r.stdout}${r.stderr}`;
  return { ok: r.status === 0 && !/Unknown command|% /.test(output), output };
}

/** Neighbors as a bgpd that loaded `file` reports them (`show bgp neighbors json`). */
export function frrLoadedNeighbors(
  file: string,
  dir: string,
): { neighbors: Neighbor[]; shutdown: string[]; output: string } {
  const [cmd, args] = isolated(BGPD, [
    "-S",
    "-Z",
    "-n",
    "-p",
    "0",
    "-P",
    "0",
    "-f",
    file,
    "-t",
    "-i",
    path.join(dir, "bgpd.pid"),
    "--vty_socket",
    dir,
    "-z",
    path.join(dir, "zserv.api"),
  ]);
  const r = spawnSync(cmd, args, { input: "show bgp neighbors json\n", encoding: "utf8", timeout: 30_000 });
  const text = r.stdout;
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end < start) throw new Error(`bgpd printed no JSON: ${text}${r.stderr}`);
  const json = JSON.parse(text.slice(start, end + 1)) as Record<
    string,
    { remoteAs?: number; adminShutDown?: boolean }
  >;
  const neighbors: Neighbor[] = [];
  const shutdown: string[] = [];
  for (const [address, n] of Object.entries(json)) {
    neighbors.push({ address, asn: Number(n.remoteAs) });
    if (n.adminShutDown) shutdown.push(address);
  }
  return { neighbors, shutdown, output: `${text}${r.stderr}` };
}

export function readText(file: string): string {
  return readFileSync(file, "utf8");
}

export function write(file: string, text: string): string {
  writeFileSync(file, text);
  return file;
}
