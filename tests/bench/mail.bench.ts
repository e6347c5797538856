// Mail figures (issue 11): 500 pre-built messages sent through the loopback SMTP server
// (STARTTLS, AUTH, certificate verified) with peerbot's mailer (pooled, PEERBOT_SMTP_POOL=3),
// beside the plainest way of doing the same: a pooled nodemailer transport created directly,
// same server, same TLS and credentials, same messages. Both include opening their
// connections; the server (in this process) parses every message, for both alike.
import { readFileSync } from "node:fs";
import nodemailer from "nodemailer";
import { loadConfig } from "../../core/config.js";
import { createLogger } from "../../core/log.js";
import type { OutgoingMail } from "../../core/ports.js";
import { createMailer } from "../../drivers/mail/index.js";
import { FakeSmtpServer } from "../fakes/smtp.js";
import { round, withRatio, type BenchResult } from "./result.js";

const COUNT = 500;
const POOL = 3;

function messages(run: string): OutgoingMail[] {
  const body = Array.from(
    { length: 30 },
    (_, i) =>
      `  LINX LON1   AS64500 195.66.224.${i + 1} / 2001:7f8:4::fbf4:${i + 1}   AS6939 195.66.225.${i + 1}`,
  ).join("\n");
  return Array.from({ length: COUNT }, (_, i) => ({
    messageId: `<bench.${run}.${i}@peerbot.example.net>`,
    from: "AS64500 Peering <peering@example.net>",
    replyTo: "noc@example.net",
    to: [`peering@as${65000 + i}.example`],
    cc: [`noc@as${65000 + i}.example`],
    bcc: ["archive@example.net"],
    subject: `Peering request: AS64500 and AS${65000 + i} at LINX LON1`,
    text: `Hello,\n\nWe would like to peer with you.\n\n${body}\n\nRegards,\nAS64500 peering team\n`,
    html: `<p>Hello,</p><p>We would like to peer with you.</p><pre>${body}</pre>`,
  }));
}

async function timed(send: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await send();
  return performance.now() - t;
}

export async function benchMail(): Promise<BenchResult[]> {
  const server = await FakeSmtpServer.start();
  try {
    const log = createLogger("silent");
    const config = loadConfig({ ...server.env, PEERBOT_SMTP_POOL: String(POOL) });
    const ours = async (msgs: OutgoingMail[]) => {
      const mailer = createMailer(config, log);
      try {
        return await timed(() => Promise.all(msgs.map((m) => mailer.send(m))));
      } finally {
        await mailer.close();
      }
    };
    const plain = async (msgs: OutgoingMail[]) => {
      const transport = nodemailer.createTransport({
        pool: true,
        maxConnections: POOL,
        host: "127.0.0.1",
        port: server.port,
        requireTLS: true,
        auth: { user: server.user as string, pass: server.password as string },
        tls: { ca: readFileSync(server.caFile as string, "utf8") },
      });
      try {
        return await timed(() =>
          Promise.all(
            msgs.map((m) =>
              transport.sendMail({
                messageId: m.messageId,
                from: m.from,
                replyTo: m.replyTo,
                to: m.to,
                cc: m.cc,
                bcc: m.bcc,
                subject: m.subject,
                text: m.text,
                html: m.html,
              }),
            ),
          ),
        );
      } finally {
        transport.close();
      }
    };
    // Warm both paths (JIT, TLS session code), then alternate timed runs and keep the best.
    await ours(messages("warm-a").slice(0, 50));
    await plain(messages("warm-b").slice(0, 50));
    const oursMs: number[] = [];
    const plainMs: number[] = [];
    for (let r = 0; r < 2; r++) {
      const before = server.received.length;
      oursMs.push(await ours(messages(`ours-${r}`)));
      plainMs.push(await plain(messages(`plain-${r}`)));
      await server.waitFor(before + 2 * COUNT, 10_000);
    }
    const rate = (ms: number) => round((COUNT / ms) * 1000, 0);
    return [
      withRatio({
        name: `e-mail: ${COUNT} messages over loopback SMTP (STARTTLS, AUTH, pool of ${POOL})`,
        value: rate(Math.min(...oursMs)),
        unit: "msg/s",
        target: 50,
        higherIsBetter: true,
        baseline: rate(Math.min(...plainMs)),
        note: `baseline: nodemailer's own pooled transport, same server and messages; best of 2 runs each (ours ${oursMs.map((x) => round(x, 0)).join(", ")} ms, plain ${plainMs.map((x) => round(x, 0)).join(", ")} ms); the loopback server parses every message in the same process`,
      }),
    ];
  } finally {
    await server.close();
  }
}
