// 10,000 random command lines thrown at the parser and every command's schema, and 1,000 of
// them through the whole dispatcher against a real database: no crash, no unhandled
// rejection, and every answer is a reply.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatch } from "../../commands/dispatch.js";
import { parseArgs, splitCommand } from "../../commands/grammar.js";
import { buildRegistry } from "../../commands/index.js";
import { seedDemoDb } from "../helpers/demo.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { testServices } from "../helpers/services.js";

/** A small seeded PRNG (mulberry32), so that a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const registry = buildRegistry();
const WORDS = [
  ...registry.names(),
  "peer",
  "peers",
  "at",
  "@",
  "on",
  "AS",
  "as",
  "AS714",
  "714",
  "AS99999999999",
  "0",
  "-1",
  "4294967296",
  "LINX",
  "linx",
  '"LINX LON1"',
  "'",
  '"',
  "“",
  "”",
  "status:",
  "status:enabled",
  "page:",
  "page:-3",
  "page:1e9",
  "v4",
  "v6",
  "router",
  "click",
  "2001:7f8:4::1b1b:1",
  "195.66.224.21",
  ":",
  "::",
  "🦄",
  "ﬁ",
  "\u0000",
  "\u202e",
  "\t",
  "\n",
  "\r\n",
  "\\",
  "$(rm -rf /)",
  '\'; drop table "AuditEvent"; --',
  "{{x}}",
  "<@here>",
  "*",
  "%s",
  "constructor",
  "__proto__",
];

function randomLine(rand: () => number): string {
  const n = Math.floor(rand() * 8);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.7) parts.push(WORDS[Math.floor(rand() * WORDS.length)] as string);
    else if (r < 0.85)
      parts.push(
        String.fromCharCode(
          ...Array.from({ length: 1 + Math.floor(rand() * 12) }, () => Math.floor(rand() * 0xffff)),
        ),
      );
    else if (r < 0.95) parts.push(String(Math.floor(rand() * 1e12)));
    else parts.push("x".repeat(Math.floor(rand() * 6000)));
  }
  return parts.join(rand() < 0.8 ? " " : "");
}

let db: TestDatabase;
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  db = await createTestDatabase(import.meta.filename);
  await seedDemoDb(db, "/tmp/peerbot-test-unused");
});
afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  await db?.drop();
});

describe("fuzz", () => {
  it("10,000 random lines through the grammar and every command's schema: no throw, and every refusal is peerbot's own sentence", () => {
    const rand = prng(20261121);
    const refusals = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const line = randomLine(rand);
      const { name, words } = splitCommand(line);
      const def = registry.find(name) ?? registry.commands[i % registry.commands.length]!;
      const raw = parseArgs(words, def.args);
      const r = def.schema.safeParse(raw);
      if (r.success || raw._extra !== undefined) continue;
      // What a user is told when the schema refuses: peerbot's own sentence, never zod's
      // default wording ("Invalid input: expected string, received undefined").
      const msg = r.error.issues[0]?.message ?? "";
      if (!/\.$|\?$/.test(msg.trim()) || /^(Invalid|Expected|Required|Too (big|small))\b/.test(msg)) {
        refusals.add(`${def.name}: ${msg} <- ${line.slice(0, 80)}`);
      }
    }
    expect([...refusals].slice(0, 10)).toEqual([]);
  });

  it("1,000 random lines through the dispatcher each get a reply, and nothing is left unhandled", async () => {
    const services = testServices(db);
    const rand = prng(7);
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      const line =
        i % 3 === 0
          ? `${registry.commands[i % registry.commands.length]!.name} ${randomLine(rand)}`
          : randomLine(rand);
      const { reply, outcome } = await dispatch(registry, services, {
        actor: { platform: "console", userId: "fuzz", userName: "fuzz" },
        channel: "console",
        text: line,
      });
      expect(reply.text ?? reply.title ?? reply.table).toBeTruthy();
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    const errors = services.logLines.filter((l) => l.includes("command failed"));
    expect(errors).toEqual([]);
    expect(outcomes.get("error") ?? 0).toBe(0);
    expect(unhandled).toEqual([]);
    expect(await db.prisma.auditEvent.count({ where: { userId: "fuzz" } })).toBe(1000);
  }, 120_000);
});
