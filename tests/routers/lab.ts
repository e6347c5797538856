// A routing lab in network namespaces, for the BIRD 2 and FRR driver tests and the benchmark.
//
//   test process (root namespace)          <ns>-r: "our" router                 <ns>-p: the peer
//   198.51.100.<4k+1>/30  ---mgmt veth---  198.51.100.<4k+2>/30: sshd
//                                          192.0.2.1/24  ----peering veth----  192.0.2.2/24
//                                          BIRD 2 or FRR bgpd (AS64500)        BIRD 2 (AS64501)
//
// sshd runs with its own config, host key and a private mount namespace in which /run is a
// fresh tmpfs and /etc/passwd, /etc/shadow are copies with one more uid-0 user, "peerbot",
// whose password is generated per lab: nothing on the machine is changed. Names carry a tag
// and this process's pid; a lab left behind by a process that no longer exists is swept at
// the next start. close() kills every process in both namespaces, deletes them (and so the
// veth pairs) and the temporary folder.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { sshFingerprint } from "../../drivers/ssh/fingerprint.js";

const run = promisify(execFile);

export const OUR_ASN = 64500;
export const PEER_ASN = 64501;
export const OUR_IP = "192.0.2.1";
export const PEER_IP = "192.0.2.2";
/** Routes the peer announces to us. */
export const PEER_ROUTES = ["198.18.0.0/24", "198.18.1.0/24", "198.18.2.0/24"];
/** The route we announce (our static, let through by policy_lab_export). */
export const OUR_ROUTE = "203.0.113.0/24";

/**
 * What a router suite skips on: the reason the lab cannot run, outside CI. Under CI=true
 * nothing is skipped: a suite whose daemons or privileges are missing fails, saying why
 * (`it` is the suite file's own, so the failure is reported there).
 */
export function skipReason(why: string | null, it: (name: string, fn: () => void) => void): string | null {
  if (process.env.CI !== "true" || !why) return why;
  it(`the router lab can run under CI (${why})`, () => {
    throw new Error(`CI=true, and the router lab cannot run: ${why}`);
  });
  return why;
}

/** Why the lab cannot run here, or null when it can. */
export function labUnavailable(): string | null {
  if (process.getuid?.() !== 0) return "the router lab needs root (network namespaces); CI runs as root";
  for (const bin of [
    "/usr/sbin/bird",
    "/usr/sbin/birdc",
    "/usr/sbin/sshd",
    "/usr/sbin/ip",
    "/usr/bin/ssh-keygen",
    "/usr/bin/openssl",
    "/usr/bin/unshare",
  ]) {
    if (!existsSync(bin)) return `${bin} is missing: run .ci/install-routing.sh`;
  }
  return null;
}

export function frrUnavailable(): string | null {
  const base = labUnavailable();
  if (base) return base;
  for (const bin of [
    "/usr/lib/frr/zebra",
    "/usr/lib/frr/bgpd",
    "/usr/bin/vtysh",
    "/usr/lib/frr/frr-reload.py",
    "/usr/bin/python3",
  ]) {
    if (!existsSync(bin)) return `${bin} is missing: run .ci/install-routing.sh`;
  }
  return null;
}

async function sh(
  cmd: string,
  args: string[],
  opts: { input?: string; allowFail?: boolean } = {},
): Promise<string> {
  if (opts.input !== undefined) {
    return new Promise((resolve, reject) => {
      const p = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
      let out = "";
      let err = "";
      p.stdout.on("data", (c: Buffer) => (out += c.toString()));
      p.stderr.on("data", (c: Buffer) => (err += c.toString()));
      p.on("close", (code) =>
        code === 0 || opts.allowFail
          ? resolve(out)
          : reject(new Error(`${cmd} ${args.join(" ")}: exit ${code}: ${err}`)),
      );
      p.stdin.end(opts.input);
    });
  }
  try {
    const { stdout } = await run(cmd, args);
    return stdout;
  } catch (err) {
    if (opts.allowFail) return "";
    throw err;
  }
}

/** Kills every process in a namespace (all of them started by a lab), then deletes it. */
async function destroyNamespace(ns: string): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const pids = (await sh("ip", ["netns", "pids", ns], { allowFail: true }))
      .split("\n")
      .map((l) => Number(l.trim()))
      .filter((n) => Number.isInteger(n) && n > 1);
    if (!pids.length) break;
    for (const pid of pids) {
      try {
        process.kill(pid, i < 5 ? "SIGTERM" : "SIGKILL");
      } catch {
        // gone already
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await sh("ip", ["netns", "del", ns], { allowFail: true });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Removes labs of `tag` left behind by processes that are gone. */
async function sweep(tag: string): Promise<void> {
  const list = await sh("ip", ["netns", "list"], { allowFail: true });
  for (const line of list.split("\n")) {
    const name = line.split(" ")[0] ?? "";
    const m = new RegExp(`^pbl-${tag}-(\\d+)-[rp]$`).exec(name);
    if (m && !pidAlive(Number(m[1]))) await destroyNamespace(name);
  }
}

export interface LabOptions {
  /** One letter or two, unique per test file: names and the management subnet derive from it. */
  tag: string;
  /** Which /30 of 198.51.100.0/24 the management link uses (0..63), unique per test file. */
  mgmtSlot: number;
  /** What runs on our router. */
  daemon: "bird2" | "frr";
  /** More addresses (CIDR) on our router's peering interface, e.g. a large peering LAN. */
  extraRouterAddresses?: string[];
}

export class RouterLab {
  readonly dir: string;
  readonly routerNs: string;
  readonly peerNs: string;
  readonly mgmtHost: string;
  readonly password = `Lab-${randomBytes(12).toString("base64url")}`;
  readonly username = "peerbot";
  hostKeyFingerprint = "";
  private readonly mgmtLocal: string;
  private readonly children: ChildProcess[] = [];
  private readonly ifMgmt: string;
  private readonly ifPeer: string;
  private closed = false;

  constructor(readonly opts: LabOptions) {
    const id = `${opts.tag}-${process.pid}`;
    this.routerNs = `pbl-${id}-r`;
    this.peerNs = `pbl-${id}-p`;
    const short = `${opts.tag}${process.pid % 1_000_000}`;
    this.ifMgmt = `pb${short}m`;
    this.ifPeer = `pb${short}x`;
    this.mgmtLocal = `198.51.100.${opts.mgmtSlot * 4 + 1}`;
    this.mgmtHost = `198.51.100.${opts.mgmtSlot * 4 + 2}`;
    this.dir = mkdtempSync(path.join(os.tmpdir(), `peerbot-lab-${opts.tag}-`));
    chmodSync(this.dir, 0o755);
  }

  /** The BIRD control socket of our router (bird2 labs). */
  get birdSocket(): string {
    return path.join(this.dir, "router", "bird.ctl");
  }
  /** The file peerbot owns on our router. */
  get ownedFile(): string {
    return path.join(this.dir, "router", this.opts.daemon === "bird2" ? "peerbot.conf" : "peerbot-frr.conf");
  }
  get frrDir(): string {
    return path.join(this.dir, "frr");
  }
  /** The Router row's configPath: the owned file and the daemon's settings. */
  get configPath(): string {
    if (this.opts.daemon === "bird2") return `${this.ownedFile}?socket=${this.birdSocket}`;
    return `${this.ownedFile}?socket=${this.frrDir}&confdir=${this.frrDir}`;
  }

  async start(): Promise<void> {
    await sweep(this.opts.tag);
    try {
      await this.network();
      await this.startSshd();
      if (this.opts.daemon === "bird2") await this.startRouterBird();
      else await this.startFrr();
      await this.startPeerBird();
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  private async network(): Promise<void> {
    const ip = (...a: string[]) => sh("ip", a);
    await ip("netns", "add", this.routerNs);
    await ip("netns", "add", this.peerNs);
    // Management: root namespace <-> router namespace.
    await ip("link", "add", `${this.ifMgmt}0`, "type", "veth", "peer", "name", `${this.ifMgmt}1`);
    await ip("link", "set", `${this.ifMgmt}1`, "netns", this.routerNs);
    await ip("addr", "add", `${this.mgmtLocal}/30`, "dev", `${this.ifMgmt}0`);
    await ip("link", "set", `${this.ifMgmt}0`, "up");
    await ip("-n", this.routerNs, "addr", "add", `${this.mgmtHost}/30`, "dev", `${this.ifMgmt}1`);
    await ip("-n", this.routerNs, "link", "set", `${this.ifMgmt}1`, "up");
    // Peering: router namespace <-> peer namespace.
    await ip("link", "add", `${this.ifPeer}0`, "type", "veth", "peer", "name", `${this.ifPeer}1`);
    await ip("link", "set", `${this.ifPeer}0`, "netns", this.routerNs);
    await ip("link", "set", `${this.ifPeer}1`, "netns", this.peerNs);
    await ip("-n", this.routerNs, "addr", "add", `${OUR_IP}/24`, "dev", `${this.ifPeer}0`);
    await ip("-n", this.peerNs, "addr", "add", `${PEER_IP}/24`, "dev", `${this.ifPeer}1`);
    for (const a of this.opts.extraRouterAddresses ?? []) {
      await ip("-n", this.routerNs, "addr", "add", a, "dev", `${this.ifPeer}0`);
    }
    for (const [ns, dev] of [
      [this.routerNs, `${this.ifPeer}0`],
      [this.peerNs, `${this.ifPeer}1`],
    ] as const) {
      await ip("-n", ns, "link", "set", dev, "up");
      await ip("-n", ns, "link", "set", "lo", "up");
    }
  }

  private spawnIn(ns: string, args: string[], log: string): ChildProcess {
    const out = path.join(this.dir, log);
    const child = spawn("ip", ["netns", "exec", ns, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    const chunks: string[] = [];
    const keep = (c: Buffer) => {
      chunks.push(c.toString());
      if (chunks.length > 200) chunks.splice(0, 100);
      try {
        writeFileSync(out, chunks.join(""));
      } catch {
        // the lab is being removed
      }
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.on("error", () => {});
    this.children.push(child);
    return child;
  }

  private async startSshd(): Promise<void> {
    const d = path.join(this.dir, "ssh");
    mkdirSync(d, { mode: 0o700 });
    const key = path.join(d, "host_ed25519");
    await sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "peerbot-lab", "-f", key]);
    const blob = readFileSync(`${key}.pub`, "utf8").trim().split(/\s+/)[1]!;
    this.hostKeyFingerprint = sshFingerprint(Buffer.from(blob, "base64"));
    const hash = (await sh("openssl", ["passwd", "-6", "-stdin"], { input: this.password })).trim();
    writeFileSync(
      path.join(d, "passwd"),
      readFileSync("/etc/passwd", "utf8") + `${this.username}:x:0:0:peerbot lab:/root:/bin/sh\n`,
      { mode: 0o644 },
    );
    writeFileSync(
      path.join(d, "shadow"),
      readFileSync("/etc/shadow", "utf8") + `${this.username}:${hash}:19000:0:99999:7:::\n`,
      { mode: 0o600 },
    );
    const cfg = path.join(d, "sshd_config");
    writeFileSync(
      cfg,
      [
        "Port 22",
        `ListenAddress ${this.mgmtHost}`,
        `HostKey ${key}`,
        "PidFile none",
        "UsePAM no",
        "PasswordAuthentication yes",
        "KbdInteractiveAuthentication no",
        "PubkeyAuthentication no",
        "AuthorizedKeysFile none",
        "PermitRootLogin yes",
        `AllowUsers ${this.username}`,
        "StrictModes no",
        "Subsystem sftp internal-sftp",
        "PrintMotd no",
        "UseDNS no",
        "MaxSessions 200",
        "MaxStartups 100",
        "LogLevel ERROR",
        "",
      ].join("\n"),
      { mode: 0o600 },
    );
    const script =
      "mount -t tmpfs -o mode=755 tmpfs /run && mkdir -m 755 /run/sshd && " +
      `mount --bind ${path.join(d, "passwd")} /etc/passwd && mount --bind ${path.join(d, "shadow")} /etc/shadow && ` +
      `exec /usr/sbin/sshd -D -e -f ${cfg}`;
    this.spawnIn(
      this.routerNs,
      ["unshare", "-m", "--propagation", "private", "sh", "-c", script],
      "sshd.log",
    );
    await waitFor(() => tcpOpen(this.mgmtHost, 22), 10_000, `sshd on ${this.mgmtHost}`);
  }

  private async startRouterBird(): Promise<void> {
    const d = path.join(this.dir, "router");
    mkdirSync(d, { mode: 0o755 });
    writeFileSync(this.ownedFile, "");
    writeFileSync(path.join(d, "bird.conf"), routerBirdConf(this.ownedFile, path.join(d, "bird.log")));
    this.spawnIn(
      this.routerNs,
      ["bird", "-f", "-c", path.join(d, "bird.conf"), "-s", this.birdSocket, "-P", path.join(d, "bird.pid")],
      "bird-router.out",
    );
    await waitFor(async () => existsSync(this.birdSocket), 10_000, "BIRD on our router");
  }

  private async startFrr(): Promise<void> {
    const d = this.frrDir;
    mkdirSync(d, { mode: 0o775 });
    mkdirSync(path.join(this.dir, "router"), { mode: 0o755 });
    const frr = await sh("id", ["-u", "frr"]).then(Number);
    const frrGid = await sh("id", ["-g", "frr"]).then(Number);
    chownSync(d, frr, frrGid);
    writeFileSync(path.join(d, "vtysh.conf"), "service integrated-vtysh-config\n");
    writeFileSync(path.join(d, "frr.conf"), frrConf(), { mode: 0o644 });
    // zebra (the router id, connected networks) and bgpd, with sockets in the lab's folder.
    const zserv = path.join(d, "zserv.api");
    this.spawnIn(
      this.routerNs,
      [
        "/usr/lib/frr/zebra",
        "-f",
        path.join(d, "frr.conf"),
        "-i",
        path.join(d, "zebra.pid"),
        "--vty_socket",
        d,
        "-z",
        zserv,
        "-u",
        "frr",
        "-g",
        "frr",
        "-P",
        "0",
        "--log",
        `file:${path.join(d, "zebra.log")}`,
      ],
      "zebra.out",
    );
    await waitFor(async () => existsSync(path.join(d, "zebra.vty")), 10_000, "zebra on our router");
    this.spawnIn(
      this.routerNs,
      [
        "/usr/lib/frr/bgpd",
        "-z",
        zserv,
        "-f",
        path.join(d, "frr.conf"),
        "-i",
        path.join(d, "bgpd.pid"),
        "--vty_socket",
        d,
        "-u",
        "frr",
        "-g",
        "frr",
        "-P",
        "0",
        "--log",
        `file:${path.join(d, "bgpd.log")}`,
      ],
      "bgpd.out",
    );
    await waitFor(async () => existsSync(path.join(d, "bgpd.vty")), 10_000, "bgpd on our router");
  }

  private async startPeerBird(): Promise<void> {
    const d = path.join(this.dir, "peer");
    mkdirSync(d, { mode: 0o755 });
    writeFileSync(path.join(d, "bird.conf"), peerBirdConf());
    this.spawnIn(
      this.peerNs,
      [
        "bird",
        "-f",
        "-c",
        path.join(d, "bird.conf"),
        "-s",
        path.join(d, "bird.ctl"),
        "-P",
        path.join(d, "bird.pid"),
      ],
      "bird-peer.out",
    );
    await waitFor(async () => existsSync(path.join(d, "bird.ctl")), 10_000, "BIRD on the peer");
  }

  /** birdc on our router (bird2 labs), from the test's side. */
  async birdc(command: string): Promise<string> {
    return sh("birdc", ["-s", this.birdSocket, command], { allowFail: true });
  }

  /** birdc on the peer router. */
  async peerBirdc(command: string): Promise<string> {
    return sh("birdc", ["-s", path.join(this.dir, "peer", "bird.ctl"), command], { allowFail: true });
  }

  /** vtysh on our router (frr labs). */
  async vtysh(command: string): Promise<string> {
    return sh("vtysh", ["--vty_socket", this.frrDir, "--config_dir", this.frrDir, "-c", command], {
      allowFail: true,
    });
  }

  /** The peer router's view of its session with us ("Established", "Active", ...). */
  async peerState(): Promise<string> {
    const out = await sh(
      "birdc",
      ["-s", path.join(this.dir, "peer", "bird.ctl"), "show protocols all ours"],
      { allowFail: true },
    );
    return /BGP state:\s+(\S+)/.exec(out)?.[1] ?? "";
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const ns of [this.routerNs, this.peerNs]) await destroyNamespace(ns);
    for (const c of this.children) if (c.exitCode === null && c.pid) c.kill("SIGKILL");
    // The root-side veth goes with its peer; make sure.
    await sh("ip", ["link", "del", `${this.ifMgmt}0`], { allowFail: true });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function waitFor(fn: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: 500 });
    s.on("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => resolve(false));
    s.on("timeout", () => {
      s.destroy();
      resolve(false);
    });
  });
}

/** Our router's main bird.conf: the policy functions peerbot's file calls, then the include. */
function routerBirdConf(owned: string, log: string): string {
  return `# The lab's main configuration; peerbot owns ${owned}.
log "${log}" all;
router id ${OUR_IP};
protocol device {}
protocol static lab_static4 {
  ipv4;
  route ${OUR_ROUTE} blackhole;
}
function policy_lab_import() {
  if net ~ [ 198.18.0.0/15+ ] then accept;
  reject;
}
function policy_lab_export() {
  if net = ${OUR_ROUTE} then accept;
  reject;
}
include "${owned}";
`;
}

/** The peer: AS64501 at 192.0.2.2, announcing PEER_ROUTES to us. */
function peerBirdConf(): string {
  return `router id ${PEER_IP};
protocol device {}
protocol static peer_static4 {
  ipv4;
${PEER_ROUTES.map((r) => `  route ${r} blackhole;`).join("\n")}
}
protocol bgp ours {
  local ${PEER_IP} as ${PEER_ASN};
  neighbor ${OUR_IP} as ${OUR_ASN};
  connect retry time 1;
  error wait time 1, 2;
  ipv4 { import all; export all; };
}
`;
}

/**
 * Our FRR router before peerbot: the router id in zebra (peerbot owns the whole `router bgp`
 * block, so a `bgp router-id` inside it would be replaced by what the template renders), and
 * the route-maps the policies name.
 */
function frrConf(): string {
  return `frr defaults traditional
hostname lab-frr
router-id ${OUR_IP}
!
ip prefix-list lab-peer-routes seq 5 permit 198.18.0.0/15 le 24
!
route-map lab-import permit 10
 match ip address prefix-list lab-peer-routes
exit
!
route-map lab-export deny 10
exit
!
router bgp ${OUR_ASN}
 bgp router-id ${OUR_IP}
 no bgp default ipv4-unicast
exit
!
`;
}
