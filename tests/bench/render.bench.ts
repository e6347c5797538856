// Rendering and diff figures of issue 4:
// - a router with 5,000 sessions over 10 IXPs rendered, database load included (median), for
//   each platform; for Junos beside a baseline measured in the same run: the same text built by
//   plain string concatenation from the same loaded rows (also database load included);
// - the diff of two 40,000-line configurations with 200 changed lines, beside GNU `diff -u`
//   on the same files in the same run.
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { newSecretKey, SecretBox } from "../../core/crypto.js";
import { diffConfigs } from "../../core/diff.js";
import {
  loadRenderContext,
  renderContext,
  renderRouterConfig,
  type RenderContext,
  type SessionContext,
} from "../../core/render/index.js";
import { createTestDatabase } from "../helpers/db.js";
import { dbUrl } from "../helpers/pg.js";
import { seedRenderData } from "./render-data.js";
import { round, timeMedian, withRatio, type BenchResult } from "./result.js";

export type { BenchResult };

async function cpuMedian(fn: () => Promise<unknown>, n: number): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = process.cpuUsage();
    await fn();
    const d = process.cpuUsage(c);
    xs.push((d.user + d.system) / 1000);
  }
  xs.sort((a, b) => a - b);
  return xs[Math.floor(n / 2)]!;
}

/** The Junos template's exact output, by string concatenation (the baseline). */
export function junosByConcat(ctx: RenderContext): string {
  let o = "";
  if (ctx.usesDeny || ctx.communities.length) {
    o += "policy-options {\n";
    if (ctx.usesDeny) o += "    policy-statement pb-deny {\n        then reject;\n    }\n";
    for (const c of ctx.communities)
      o += `    policy-statement ${c.junosName} {\n        then community add ${c.junosName};\n    }\n`;
    for (const c of ctx.communities) o += `    community ${c.junosName} members ${c.junos};\n`;
    o += "}\n";
  }
  if (ctx.groups.length) {
    o += "protocols {\n    bgp {\n";
    for (const g of ctx.groups) {
      const fam = g.family === 4 ? "inet" : "inet6";
      o += `        group ${g.name} {\n            type external;\n            description "${g.description}";\n`;
      if (g.localAddress) o += `            local-address ${g.localAddress};\n`;
      if (g.localAsn !== ctx.localAsn) o += `            local-as ${g.localAsn};\n`;
      o += `            family ${fam} {\n                unicast;\n            }\n`;
      for (const s of g.sessions) o += neighbor(s, "            ");
      o += "        }\n";
    }
    o += "    }\n}\n";
  }
  return o;
}

function neighbor(s: SessionContext, i: string): string {
  let o = `${i}${s.shutdown ? "inactive: " : ""}neighbor ${s.address} {\n`;
  o += `${i}    description "${s.description}";\n${i}    peer-as ${s.remoteAsn};\n`;
  if (s.localAsn !== s.group.localAsn) o += `${i}    local-as ${s.localAsn};\n`;
  if (!s.group.localAddress && s.localAddress) o += `${i}    local-address ${s.localAddress};\n`;
  o += `${i}    import [ ${s.importChain.junosList.join(" ")} ];\n`;
  o += `${i}    export [ ${s.exportChain.junosList.join(" ")} ];\n`;
  if (s.password) o += `${i}    authentication-key "${s.password}";\n`;
  if (s.maxPrefixes) {
    o += `${i}    family ${s.family === 4 ? "inet" : "inet6"} {\n${i}        unicast {\n${i}            prefix-limit {\n`;
    o += `${i}                maximum ${s.maxPrefixes};\n${i}                teardown;\n${i}            }\n${i}        }\n${i}    }\n`;
  }
  if (s.bfd)
    o += `${i}    bfd-liveness-detection {\n${i}        minimum-interval 300;\n${i}        multiplier 3;\n${i}    }\n`;
  if (s.multihopTtl) o += `${i}    multihop {\n${i}        ttl ${s.multihopTtl};\n${i}    }\n`;
  if (s.passive) o += `${i}    passive;\n`;
  return o + `${i}}\n`;
}

/** The young-generation flag this process was started with, or a warning that it was not. */
function semiSpaceFlag(): string {
  const flag = process.execArgv.find((a) => a.startsWith("--max-semi-space-size"));
  return flag ?? "no --max-semi-space-size: run it through `npm run bench`";
}

/** Two configurations of `lines` lines, the second with `changes` lines changed. */
export function diffInput(lines = 40_000, changes = 200): { from: string; to: string } {
  const a: string[] = [];
  for (let i = 0; a.length < lines; i++) {
    const ip = `10.${(i >> 8) & 255}.${i & 255}.1`;
    a.push(
      `    neighbor ${ip} {`,
      `        description "AS${64512 + i} Peer network ${i}";`,
      `        peer-as ${64512 + i};`,
      `        import [ pb-ix-learned peering-in ];`,
      `        export [ peering-out ];`,
      `    }`,
    );
  }
  a.length = lines;
  const b = [...a];
  // 200 changed lines spread over the file: 120 edited, 40 removed, 40 added.
  let seed = 42;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff);
  const step = Math.floor(lines / changes);
  for (let k = changes - 1; k >= 0; k--) {
    const at = k * step + (next() % step);
    if (k % 5 < 3) b[at] = `${b[at]} # changed ${k}`;
    else if (k % 5 === 3) b.splice(at, 1);
    else b.splice(at, 0, `        community add pb-new-${k};`);
  }
  return { from: a.join("\n") + "\n", to: b.join("\n") + "\n" };
}

export async function benchRender(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const db = await createTestDatabase("bench_render");
  try {
    const key = newSecretKey();
    const box = SecretBox.fromString(key);
    const { routerId } = await seedRenderData(db, {
      sessions: 5000,
      ixps: 10,
      platform: "junos",
      secretBox: box,
    });
    const opts = { secretBox: box, templatesDir: null };

    // The baseline must produce the very same text.
    const rendered = await renderRouterConfig(db, routerId, opts);
    const ctx = await loadRenderContext(db, routerId, opts);
    if (junosByConcat(ctx) !== rendered.config)
      throw new Error("the concatenation baseline differs from junos.hbs");
    if (ctx.counts.sessions !== 5000) throw new Error(`expected 5000 sessions, got ${ctx.counts.sessions}`);

    const full = await timeMedian(() => renderRouterConfig(db, routerId, opts), 30, 5);
    // The same, as CPU time of this process (the database server's excluded): on a loaded
    // machine wall time also counts the wait for a core.
    const cpu = await cpuMedian(() => renderRouterConfig(db, routerId, opts), 15);
    const base = await timeMedian(
      async () => junosByConcat(await loadRenderContext(db, routerId, opts)),
      30,
      5,
    );
    results.push(
      withRatio({
        name: "render junos, 5,000 sessions over 10 IXPs, database load included (median)",
        value: round(full, 1),
        unit: "ms",
        target: 150,
        baseline: round(base, 1),
        targetRatio: 3,
        note:
          `baseline: same database load, then the same ${rendered.config.split("\n").length - 1} lines by string ` +
          `concatenation; CPU time of the render in this process: ${round(cpu, 1)} ms (median)`,
      }),
    );
    // The same render in a process without --max-semi-space-size (V8's default young
    // generation), to show what the flag the Dockerfile and bin/peerbot.js pass is worth.
    const plain = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", path.join(import.meta.dirname, "render-child.ts")],
      {
        env: {
          ...process.env,
          NODE_OPTIONS: "",
          PEERBOT_BENCH_DB: dbUrl(db.name),
          PEERBOT_BENCH_ROUTER: String(routerId),
          PEERBOT_BENCH_KEY: key,
        },
      },
    );
    results.push({
      name: "render junos, as above, in a node process without --max-semi-space-size (V8's default)",
      value: round(Number(plain.stdout.trim()), 1),
      unit: "ms",
      note: `this process runs with ${semiSpaceFlag()}, as peerbot's own processes do`,
    });
    const load = await timeMedian(() => loadRenderContext(db, routerId, opts), 30, 5);
    const tmpl = await timeMedian(() => renderContext(ctx, { template: "junos", templatesDir: null }), 30, 5);
    const concat = await timeMedian(() => junosByConcat(ctx), 30, 5);
    results.push(
      withRatio({
        name: "render junos, template only (context already loaded) vs concatenation only",
        value: round(tmpl, 1),
        unit: "ms",
        baseline: round(concat, 1),
        note: `the database round trip plus context building takes ${round(load, 1)} ms of the total`,
      }),
    );
    for (const template of ["bird2", "frr", "eos", "iosxr"]) {
      const t = await timeMedian(() => renderRouterConfig(db, routerId, { ...opts, template }), 20, 3);
      results.push({
        name: `render ${template}, 5,000 sessions over 10 IXPs, database load included (median)`,
        value: round(t, 1),
        unit: "ms",
        target: 150,
      });
    }
  } finally {
    await db.drop();
  }

  // Diff of two 40,000-line files with 200 changed lines, against GNU diff -u on the same files.
  const { from, to } = diffInput();
  const dir = mkdtempSync(path.join(tmpdir(), "peerbot-diff-"));
  try {
    const fa = path.join(dir, "running");
    const fb = path.join(dir, "rendered");
    writeFileSync(fa, from);
    writeFileSync(fb, to);
    const d = diffConfigs(from, to);
    const ours = await timeMedian(() => diffConfigs(from, to), 30, 5);
    const gnu = await timeMedian(
      () => {
        const r = spawnSync("diff", ["-u", fa, fb], { maxBuffer: 64 << 20 });
        if (r.status !== 1) throw new Error(`diff -u exited with ${r.status}`);
      },
      30,
      5,
    );
    results.push(
      withRatio({
        name: "diff of two 40,000-line configurations with 200 changed lines (median)",
        value: round(ours, 1),
        unit: "ms",
        target: 200,
        baseline: round(gnu, 1),
        targetRatio: 5,
        note: `baseline: GNU diff -u on the same files, process start included; ${d.added} lines added, ${d.removed} removed`,
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
