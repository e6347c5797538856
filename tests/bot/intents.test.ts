// Core asks for buttons as intents; commands/intents.ts writes their lines and action ids. Every
// intent core can produce must land on a registered command whose arguments parse (so renaming
// a command breaks this test, not an alert), the dispatcher and the delivery resolve intents on
// every reply, and no renderer ever sees an unresolved one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ConsoleSession } from "../../bot/console/console.js";
import { renderConsole } from "../../bot/console/render.js";
import { renderDiscord } from "../../bot/discord/render.js";
import { MessageRenderError } from "../../bot/render-util.js";
import { renderSlack } from "../../bot/slack/render.js";
import { dispatch } from "../../commands/dispatch.js";
import { parseArgs, splitCommand } from "../../commands/grammar.js";
import { buildRegistry } from "../../commands/index.js";
import { INTENT_LINES, intentActionId, intentLine, resolveIntents } from "../../commands/intents.js";
import { defineCommand, Registry } from "../../commands/registry.js";
import { CHANGE_ACTIONS, changeActionId } from "../../core/changes/refs.js";
import { createLogger } from "../../core/log.js";
import { sessionButtons } from "../../core/polling.js";
import type { CommandIntent, IntentCommands, IntentScope, Reply } from "../../core/reply.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { Capture, testServices, type TestServices } from "../helpers/services.js";

const registry = buildRegistry();

/** Arguments of each kind for every command core may ask for (the type makes it exhaustive). */
const SCOPES: IntentScope[] = [
  { asn: 64501 },
  { asn: 64501n },
  { ixp: "linx-lon1" },
  { router: "edge1 lon" },
];
const SAMPLES: { [K in keyof IntentCommands]: IntentCommands[K][] } = {
  sessions: SCOPES.map((s) => [s]),
  status: SCOPES.map((s) => [s]),
};

/** Parses a command line as the dispatcher does, without running it: the command and its arguments. */
function parses(line: string): { command: string; args: unknown } {
  const { name, words } = splitCommand(line);
  const def = registry.find(name);
  if (!def) throw new Error(`\`${name}\` is no command`);
  const raw = parseArgs(words, def.args);
  if (raw._extra !== undefined) throw new Error(`\`${line}\`: "${raw._extra}" is not understood`);
  const parsed = def.schema.safeParse(raw);
  if (!parsed.success) throw new Error(`\`${line}\`: ${parsed.error.issues[0]?.message}`);
  return { command: def.name, args: parsed.data };
}

describe("every intent core can produce resolves to a registered command", () => {
  it("each command core may ask for has a line that parses as that command, for every kind of argument", () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(Object.keys(INTENT_LINES).sort());
    for (const [command, samples] of Object.entries(SAMPLES)) {
      for (const args of samples) {
        const intent = { command, args } as CommandIntent;
        const line = intentLine(intent);
        expect(parses(line).command, line).toBe(command);
        expect(intentActionId(registry, intent)).toBe(`cmd:${line}`);
      }
    }
    expect(parses(intentLine({ command: "sessions", args: [{ asn: 64501 }] }))).toMatchObject({
      command: "sessions",
      args: { target: "AS64501" },
    });
    expect(parses(intentLine({ command: "status", args: [{ router: "edge1 lon" }] }))).toMatchObject({
      command: "status",
      args: { target: "edge1 lon" },
    });
  });

  it("each button action core may name is registered, with the action ids core/changes/refs.ts makes", () => {
    for (const action of Object.values(CHANGE_ACTIONS)) expect(registry.action(action), action).toBeDefined();
    expect(intentActionId(registry, { action: CHANGE_ACTIONS.approve, id: 42 })).toBe(
      changeActionId("approve", 42),
    );
    expect(intentActionId(registry, { action: CHANGE_ACTIONS.reject, id: 7 })).toBe("change.reject:7");
  });

  it("an alert's buttons (core/polling.ts) become the lines of `sessions` and `status`", () => {
    const buttons = sessionButtons("64501");
    expect(buttons.every((b) => b.intent && b.actionId === undefined)).toBe(true);
    const resolved = resolveIntents(registry, { text: "down", buttons }).buttons ?? [];
    expect(resolved).toEqual([
      { label: "Open session", actionId: "cmd:sessions AS64501" },
      { label: "Status", actionId: "cmd:status AS64501" },
    ]);
    for (const b of resolved) parses(b.actionId!.slice("cmd:".length));
  });

  it("a button whose intent names nothing registered is left out, loudly", () => {
    const lines: string[] = [];
    const log = createLogger("debug", (l) => lines.push(l));
    const bare = new Registry().add(registry.find("sessions")!);
    const r = resolveIntents(
      bare,
      {
        text: "down",
        buttons: [
          ...sessionButtons("64501"),
          { label: "Approve", intent: { action: "change.approve", id: 1 } },
        ],
        followUps: [{ text: "more", buttons: sessionButtons("64502") }],
      },
      log,
    );
    expect(r.buttons).toEqual([{ label: "Open session", actionId: "cmd:sessions AS64501" }]);
    expect(r.followUps?.[0]?.buttons).toEqual([{ label: "Open session", actionId: "cmd:sessions AS64502" }]);
    expect(lines.filter((l) => l.includes("a button was left out"))).toHaveLength(3);
    expect(lines.join("\n")).toContain("`status`, which is no command");
  });

  it("leaves a reply without intents as it is, and resolving twice changes nothing", () => {
    const plain: Reply = {
      text: "x",
      buttons: [{ label: "A", actionId: "cmd:help" }],
      followUps: [{ text: "y" }],
    };
    expect(resolveIntents(registry, plain)).toBe(plain);
    const once = resolveIntents(registry, { text: "x", buttons: sessionButtons("1") });
    expect(resolveIntents(registry, once)).toBe(once);
  });

  it("no renderer takes a button that still carries only its intent", () => {
    const reply: Reply = { text: "down", buttons: sessionButtons("64501") };
    for (const render of [renderConsole, renderSlack, renderDiscord])
      expect(() => render(reply)).toThrow(MessageRenderError);
  });
});

describe("the dispatcher resolves intents on every reply", () => {
  let db: TestDatabase;
  let services: TestServices;
  beforeAll(async () => {
    db = await createTestDatabase(import.meta.filename);
    services = testServices(db);
  });
  afterAll(async () => {
    await db?.drop();
  });

  const withAlert = () =>
    buildRegistry().add(
      defineCommand({
        name: "alert-demo",
        summary: "A reply with the buttons core makes.",
        usage: "alert-demo",
        examples: [],
        role: "viewer",
        args: {},
        schema: z.object({}),
        handler: async () => ({
          text: "BGP session down",
          buttons: sessionButtons("64501"),
          followUps: [{ text: "and another", buttons: sessionButtons("64502") }],
        }),
      }),
    );

  it("gives a command's buttons and its follow-ups' buttons their action ids", async () => {
    const { reply } = await dispatch(withAlert(), services, {
      actor: { platform: "console", userId: "alice", userName: "alice" },
      channel: "console",
      text: "alert-demo",
    });
    expect(reply.buttons).toEqual([
      { label: "Open session", actionId: "cmd:sessions AS64501" },
      { label: "Status", actionId: "cmd:status AS64501" },
    ]);
    expect(reply.followUps?.[0]?.buttons?.map((b) => b.actionId)).toEqual([
      "cmd:sessions AS64502",
      "cmd:status AS64502",
    ]);
  });

  it("so a console user presses them like any other button, and a job's alert prints them too", async () => {
    const out = new Capture();
    const s = new ConsoleSession(withAlert(), services, "alice", out);
    await s.handleLine("alert-demo");
    expect(out.take()).toContain("[2] Status  (cmd:status AS64501)");
    // A job posts through the notifier, whose delivery resolves the intents as well.
    await s.notifier.post(
      { platform: "console", channel: "alerts" },
      { title: "BGP session down", buttons: sessionButtons("64503") },
    );
    expect(out.take()).toContain("[1] Open session  (cmd:sessions AS64503)");
    await s.handleLine("click 2");
    expect(out.take()).toContain("No sessions for AS64503.");
  });
});
