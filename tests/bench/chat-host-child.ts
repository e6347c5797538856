// The receiving side of the chat benchmark (chat.bench.ts), in a process of its own as in
// production: the demo network, the real dispatch and the receivers under test (ours and the
// baselines), while the fakes of Slack and Discord, the load generator and the floods run in
// other processes. Without that, the benchmark's own work (signing 200 requests, answering
// the follow-ups, the fakes' JSON) and its heap were measured as if they were peerbot's.
//
// Started with node's IPC channel and its settings (HostSpec) as JSON in PEERBOT_CHAT_HOST_SPEC;
// the parent sends {seq, op, ...} and gets {seq, result} or {seq, error}:
//   start {kind, name?}       starts a receiver, named by its kind unless named: slack |
//                             slack-bolt | slack-socket | discord | discord-old |
//                             discord-gateway; answers {port?}
//   stop {name or kind}       stops it
//   gate {ungated}            every command at once (true) or PEERBOT_COMMAND_CONCURRENCY
//   rss-start / rss-stop      samples this process's RSS every 5 ms; rss-stop answers its growth (MB)
//   loop-start / loop-stop    this process's event-loop delay; loop-stop answers {p99Ms, maxMs}
//   sync-start / sync-wait    a full PeeringDB sync of the bundled mirror, in this process
//   exit                      closes everything
// Once ready it sends {ready: {concurrency, deferAfterMs}}.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import { HTTPReceiver, LogLevel } from "@slack/bolt";
import { InteractionResponseType, InteractionType } from "discord.js";
import { DiscordPlatform } from "../../bot/discord/platform.js";
import {
  discordPublicKey,
  verifyDiscordSignature,
  type DiscordInteraction,
  type InteractionHandler,
  type InteractionReceiver,
} from "../../bot/discord/receiver.js";
import { SlackPlatform } from "../../bot/slack/platform.js";
import { commandsBusy, dispatch } from "../../commands/dispatch.js";
import { buildRegistry } from "../../commands/index.js";
import type { Invocation } from "../../commands/registry.js";
import { createLogger } from "../../core/log.js";
import { runSync, type SyncReport } from "../../core/peeringdb/sync.js";
import { bundledPeeringDb } from "../../drivers/peeringdb/static-source.js";
import { demoChat } from "../helpers/demo-chat.js";

export interface HostSpec {
  slackSecret: string;
  slackToken: string;
  appToken: string;
  slackApiUrl: string;
  discordToken: string;
  discordApiUrl: string;
  discordAppId: string;
  discordPublicKey: string;
  guild: string;
  discordUser: string;
}

/** The Discord receiver as it was: reads the body (up to 1 MB) before it checks anything. */
class OldHttpInteractionReceiver implements InteractionReceiver {
  private server?: Server;
  port = 0;
  private readonly key;
  constructor(publicKey: string) {
    this.key = discordPublicKey(publicKey);
  }
  async start(handler: InteractionHandler): Promise<void> {
    this.server = createServer((req, res) => {
      this.serve(req, res, handler).catch(() => {
        res.statusCode = 500;
        res.end();
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", () => r()));
    this.port = (this.server.address() as AddressInfo).port;
  }
  async stop(): Promise<void> {
    await new Promise<void>((r) => {
      this.server?.close(() => r());
      this.server?.closeAllConnections();
    });
  }
  private async serve(req: IncomingMessage, res: ServerResponse, handler: InteractionHandler): Promise<void> {
    const send = (status: number, body: unknown) => {
      res.statusCode = status;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of req) {
      n += (c as Buffer).length;
      if (n > 1_000_000) return send(413, { error: "too large" });
      chunks.push(c as Buffer);
    }
    const body = Buffer.concat(chunks);
    const sig = String(req.headers["x-signature-ed25519"] ?? "");
    const ts = String(req.headers["x-signature-timestamp"] ?? "");
    const skew = Math.abs(Date.now() / 1000 - Number(ts));
    if (!verifyDiscordSignature(this.key, sig, ts, body) || !(skew <= 300))
      return send(401, { error: "bad" });
    const i = JSON.parse(body.toString("utf8")) as DiscordInteraction;
    if (i.type === InteractionType.Ping) return send(200, { type: InteractionResponseType.Pong });
    const response = await handler(i);
    return send(response ? 200 : 400, response ?? { error: "unsupported" });
  }
}

type Running = { stop(): Promise<void> };

async function main(): Promise<void> {
  const spec = JSON.parse(process.env.PEERBOT_CHAT_HOST_SPEC ?? "") as HostSpec;
  delete process.env.PEERBOT_CHAT_HOST_SPEC;
  const demo = await demoChat("/bench/chat-bench.test.ts", {
    env: {
      SLACK_ALLOWED_TEAMS: "T1",
      DISCORD_ALLOWED_GUILDS: spec.guild,
      PEERBOT_ROLES: `slack:U1=operator,discord:${spec.discordUser}=operator`,
      PEERBOT_LOG_LEVEL: "warn",
    },
  });
  const services = demo.services;
  services.log = createLogger("silent");
  const quiet = createLogger("silent");
  const registry = buildRegistry();
  const handle = async (inv: Invocation) => (await dispatch(registry, services, inv)).reply;
  const busy = () => commandsBusy(services);
  const gated = services.config.PEERBOT_COMMAND_CONCURRENCY;
  const budget = services.config.DISCORD_DEFER_AFTER;
  const running = new Map<string, Running>();
  let rss: { start: number; peak: number; timer?: NodeJS.Timeout } | undefined;
  let sync: Promise<SyncReport> | undefined;
  let loop: IntervalHistogram | undefined;

  const start = async (kind: string): Promise<{ running: Running; port?: number }> => {
    switch (kind) {
      case "slack": {
        const p = new SlackPlatform({
          botToken: spec.slackToken,
          signingSecret: spec.slackSecret,
          port: 0,
          host: "127.0.0.1",
          apiUrl: spec.slackApiUrl,
          handle,
          log: quiet,
        });
        await p.start();
        return { running: p, port: p.port! };
      }
      case "slack-bolt": {
        const bolt = new HTTPReceiver({ signingSecret: spec.slackSecret, logLevel: LogLevel.ERROR, port: 0 });
        const p = new SlackPlatform({
          botToken: spec.slackToken,
          receiver: bolt,
          apiUrl: spec.slackApiUrl,
          handle,
          log: quiet,
        });
        await p.start();
        const port = ((bolt as unknown as { server: Server }).server.address() as AddressInfo).port;
        return { running: p, port };
      }
      case "slack-socket": {
        const p = new SlackPlatform({
          botToken: spec.slackToken,
          appToken: spec.appToken,
          apiUrl: spec.slackApiUrl,
          handle,
          log: quiet,
        });
        await p.start();
        return { running: p };
      }
      case "discord":
      case "discord-old": {
        const old =
          kind === "discord-old" ? new OldHttpInteractionReceiver(spec.discordPublicKey) : undefined;
        const p = new DiscordPlatform({
          token: spec.discordToken,
          applicationId: spec.discordAppId,
          publicKey: spec.discordPublicKey,
          ...(old ? { receiver: old } : { port: 0, host: "127.0.0.1", busy }),
          apiUrl: spec.discordApiUrl,
          deferAfterMs: old ? 2000 : budget,
          handle,
          log: quiet,
        });
        await p.start();
        return { running: p, port: old ? old.port : p.port! };
      }
      case "discord-gateway": {
        const p = new DiscordPlatform({
          token: spec.discordToken,
          applicationId: spec.discordAppId,
          transport: "gateway",
          apiUrl: spec.discordApiUrl,
          deferAfterMs: budget,
          handle,
          busy,
          log: quiet,
        });
        await p.start();
        return { running: p };
      }
      default:
        throw new Error(`no receiver called ${kind}`);
    }
  };

  const ops: Record<string, (m: Record<string, unknown>) => Promise<unknown>> = {
    start: async (m) => {
      const { running: r, port } = await start(String(m.kind));
      running.set(String(m.name ?? m.kind), r);
      return { port };
    },
    stop: async (m) => {
      const name = String(m.name ?? m.kind);
      await running.get(name)?.stop();
      running.delete(name);
      return {};
    },
    gate: async (m) => {
      services.config.PEERBOT_COMMAND_CONCURRENCY = m.ungated ? 256 : gated;
      return {};
    },
    "rss-start": async () => {
      const now = process.memoryUsage().rss;
      const r: { start: number; peak: number; timer?: NodeJS.Timeout } = { start: now, peak: now };
      r.timer = setInterval(() => (r.peak = Math.max(r.peak, process.memoryUsage().rss)), 5);
      rss = r;
      return {};
    },
    "rss-stop": async () => {
      if (!rss) return { growthMb: 0 };
      clearInterval(rss.timer);
      const peak = Math.max(rss.peak, process.memoryUsage().rss);
      const growthMb = (peak - rss.start) / 1e6;
      rss = undefined;
      return { growthMb };
    },
    "loop-start": async () => {
      loop?.disable();
      loop = monitorEventLoopDelay({ resolution: 5 });
      loop.enable();
      return {};
    },
    "loop-stop": async () => {
      if (!loop) return { p99Ms: 0, maxMs: 0 };
      loop.disable();
      const out = { p99Ms: loop.percentile(99) / 1e6, maxMs: loop.max / 1e6 };
      loop = undefined;
      return out;
    },
    "sync-start": async () => {
      sync = runSync(demo.db, bundledPeeringDb(), undefined, { full: true });
      return {};
    },
    "sync-wait": async () => {
      const report = await sync;
      sync = undefined;
      return { ok: report?.ok ?? false };
    },
    exit: async () => {
      for (const r of running.values()) await r.stop().catch(() => {});
      running.clear();
      await demo.close();
      setImmediate(() => process.exit(0));
      return {};
    },
  };

  process.on("message", (raw) => {
    const m = raw as Record<string, unknown> & { seq: number; op: string };
    const op = ops[m.op];
    void (op ? op(m) : Promise.reject(new Error(`unknown op ${m.op}`))).then(
      (result) => process.send!({ seq: m.seq, result }),
      (err: unknown) =>
        process.send!({ seq: m.seq, error: err instanceof Error ? err.message : String(err) }),
    );
  });
  process.on("disconnect", () => {
    void demo.close().finally(() => process.exit(0));
  });
  process.send!({ ready: { concurrency: gated, deferAfterMs: budget } });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
