// `router test <name>` (admin) and its Accept key button (`router.acceptkey:<id>:<fingerprint>`).
// The `router` command (commands/inventory/router.ts) dispatches its `test` subcommand here.
// The button carries the router's id and the fingerprint the admin was shown; a press is
// authorised again (admin), and core connects once more and pins the key only when the
// router still presents that fingerprint (core/router-probe.ts).
import { z } from "zod";
import { PermissionError, UserError } from "../core/errors.js";
import type { Field, Reply } from "../core/reply.js";
import { hasRole } from "../core/roles.js";
import { acceptHostKey, testRouter, type RouterTestResult } from "../core/router-probe.js";
import { clip, plural, singleLine } from "../core/text.js";
import { routerNamed } from "./action-helpers.js";
import { denial } from "./dispatch.js";
import { quoteWord } from "./grammar.js";
import { commandAction } from "./intents.js";
import { subcommand } from "./inventory/subcommands.js";
import type { ActionDef, CommandContext } from "./registry.js";

export const ROUTER_TEST_USAGE = "router test <name>";
export const ACCEPT_KEY_ACTION = "router.acceptkey";

/** The action id of the Accept key button. */
export const acceptKeyAction = (routerId: number, fingerprint: string) =>
  `${ACCEPT_KEY_ACTION}:${routerId}:${fingerprint}`;

/** `router test <name>`: the handler the `router` command's table calls. */
export async function routerTest(name: string, ctx: CommandContext): Promise<Reply> {
  if (!hasRole(ctx.role, "admin")) throw new PermissionError(denial("admin", "test a router"));
  const router = await routerNamed(ctx, name, ROUTER_TEST_USAGE);
  return testReply(await testRouter(ctx.services, router.id));
}

/** The `test` entry of the `router` command's subcommand table (commands/inventory/router.ts). */
export const routerTestSubcommand = subcommand({
  name: "router test",
  usage: ROUTER_TEST_USAGE,
  summary:
    "Log in to a router over SSH (admin): the platform and version it runs, its BGP neighbours, or why not; an unknown or changed host key comes with an Accept key button.",
  examples: ["router test edge1.lon"],
  role: "admin",
  words: { positional: ["name"], noise: [] },
  schema: z.object({
    name: z
      .string({ error: "Say which router to test, e.g. router test edge1.lon." })
      .max(100, "That router name is too long."),
  }),
  handler: ({ name }, ctx) => routerTest(name, ctx),
});

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function where(r: RouterTestResult["router"]): string {
  const host = `${clip(r.hostname, 100)}:${r.port}`;
  return r.username ? `${clip(r.username, 40)}@${host}` : host;
}

/** The host key file's name part for a key type: ssh-ed25519 -> ed25519, ecdsa-sha2-nistp256 -> ecdsa. */
const keyFile = (keyType: string) =>
  /ecdsa/.test(keyType) ? "ecdsa" : /rsa/.test(keyType) ? "rsa" : "ed25519";

/** The reply to a test: what the router runs and sees, the host key to accept, or why it failed. */
export function testReply(t: RouterTestResult): Reply {
  const r = t.router;
  const name = clip(r.name, 63);
  if (t.outcome === "file") {
    return {
      kind: "info",
      text: `${name} is a file router: peerbot writes its configuration to a file, so there is nothing to connect to.`,
    };
  }
  if (t.outcome === "host-key") {
    const k = t.hostKey!;
    const presented = `${clip(k.keyType, 40)} ${k.fingerprint}`;
    if (k.reason === "unknown") {
      return {
        kind: "warning",
        title: `${name}: SSH host key not accepted yet`,
        text: `${name} (${where(r)}) presented the host key ${presented}; no key is pinned for it yet, so peerbot did not log in. Compare it with the router's own fingerprint, out of band, before you accept it.`,
        fields: [{ label: "Presented", value: presented }],
        buttons: [{ label: "Accept key", style: "primary", actionId: acceptKeyAction(r.id, k.fingerprint) }],
        context: `Check it on the router (a Unix host: ssh-keygen -lf /etc/ssh/ssh_host_${keyFile(k.keyType)}_key.pub), or with ssh-keyscan -p ${r.port} ${clip(r.hostname, 100)} | ssh-keygen -lf - from a network you trust. The key is pinned only if the router still presents it when you press.`,
      };
    }
    return {
      kind: "error",
      title: `${name}: SSH host key CHANGED`,
      text: `${name} (${where(r)}) presented ${presented}, but ${k.pinned} is pinned: peerbot refuses to connect, as this may be a man-in-the-middle. Accept the new key only if you know the router's key was replaced (a reinstall, regenerated keys) and you have checked it out of band.`,
      fields: [
        { label: "Pinned", value: k.pinned },
        { label: "Presented", value: presented },
      ],
      buttons: [
        {
          label: "Accept new key",
          style: "danger",
          actionId: acceptKeyAction(r.id, k.fingerprint),
          confirm: {
            title: "Replace the pinned host key?",
            text: `Pin ${k.fingerprint} for ${name}, replacing ${k.pinned}? Do this only after checking the new key on the router itself.`,
            confirm: "Replace key",
            deny: "Cancel",
          },
        },
      ],
    };
  }
  if (t.outcome === "failed") {
    const f = t.failure!;
    return { kind: "error", text: `${f.sentence}\n${f.hint}`, context: `tested in ${seconds(t.ms)}` };
  }
  const fields: Field[] = [
    { label: "Logged in", value: where(r), inline: true },
    { label: "Host key", value: r.hostKeyFingerprint || "(none pinned)", inline: true },
  ];
  if (t.description) {
    const d = t.description;
    const model = d.model ? ` (${singleLine(d.model, 40)})` : "";
    fields.push({
      label: "Runs",
      value: `${singleLine(d.platform, 30)} ${singleLine(d.version, 60)}${model}`,
    });
  }
  const n = t.neighbors;
  if (n) {
    fields.push({
      label: "BGP neighbours",
      value: n.total
        ? `${n.total}, ${n.established} Established${n.unknown ? `; ${n.unknown} without a session in peerbot` : ""}`
        : "none",
    });
  }
  if (t.neighborsError) {
    return {
      kind: "warning",
      title: `${name}: SSH works, the neighbours do not`,
      text: `${name}: logged in, but ${t.neighborsError}`,
      fields,
      context: `tested in ${seconds(t.ms)}`,
    };
  }
  return {
    kind: "success",
    title: `${name}: SSH works`,
    text: !n
      ? `${name} answers over SSH.`
      : n.total
        ? `${name} answers over SSH and sees ${plural(n.total, "BGP neighbour")} (${n.established} Established).`
        : `${name} answers over SSH; it has no BGP neighbours configured.`,
    fields,
    buttons: n?.unknown
      ? [{ label: "Import sessions", actionId: commandAction(`import sessions ${quoteWord(r.name)}`) }]
      : [],
    context: `tested in ${seconds(t.ms)}`,
  };
}

export const routerTestActions: ActionDef[] = [
  {
    prefix: ACCEPT_KEY_ACTION,
    role: "admin",
    label: "accept a router's SSH host key",
    async handler(arg, ctx) {
      const m = /^(\d{1,9}):(.+)$/.exec(arg);
      if (!m) throw new UserError("That button no longer does anything.", "Run `router test <name>` again.");
      const id = Number(m[1]);
      ctx.objects.push(`router:${id}`);
      const r = await acceptHostKey(ctx.services, id, m[2]!, ctx.actor);
      const t = testReply(r.test);
      const name = clip(r.test.router.name, 63);
      const said =
        r.outcome === "already"
          ? `${name}'s host key ${m[2]} was pinned already.`
          : `Pinned the SSH host key ${clip(r.keyType, 40)} ${m[2]} for ${name}${r.previous ? `, replacing ${r.previous}` : ""}.`;
      return { ...t, text: `${said}\n${t.text ?? ""}`.trimEnd() };
    },
  },
];
