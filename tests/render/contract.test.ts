// The template contract: IXP and direct sessions (one builder) look the same to a template,
// and every field templates/router/README.md names is one the context has.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newSecretKey, SecretBox } from "../../core/crypto.js";
import { loadRenderContext, type RenderContext } from "../../core/render/index.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { seedRouter, seedShared } from "./seed.js";

let db: TestDatabase;
let ctx: RenderContext;
const box = SecretBox.fromString(newSecretKey());

beforeAll(async () => {
  db = await createTestDatabase(import.meta.filename);
  const shared = await seedShared(db);
  const id = await seedRouter(db, shared, "junos", box);
  ctx = await loadRenderContext(db, id, { secretBox: box });
});
afterAll(async () => {
  await db?.drop();
});

describe("the render context", () => {
  it("gives IXP and direct sessions, and their groups, the same fields in the same order", () => {
    const ixp = ctx.ixpSessions[0]!;
    const direct = ctx.directSessions[0]!;
    expect(Object.keys(direct)).toEqual(Object.keys(ixp));
    expect(Object.keys(direct.group)).toEqual(Object.keys(ixp.group));
    expect(ixp.symbol).toBe(`pb_${ixp.ixp!.slug.replace(/-/g, "_")}_as${ixp.remoteAsn}_i${ixp.id}`);
    expect(direct.symbol).toBe(`pb_transit_as174_d${direct.id}`);
    expect([ixp.key, direct.key]).toEqual([`ixp:${ixp.id}`, `direct:${direct.id}`]);
  });

  it("has every field the router templates README names", () => {
    const readme = readFileSync(path.join(import.meta.dirname, "../../templates/router/README.md"), "utf8");
    const from = readme.indexOf("\n## Context\n");
    const section = readme.slice(from, readme.indexOf("\n## ", from + 1));
    const session = ctx.directSessions[0]! as unknown as Record<string, unknown>;
    const chain = ctx.chains[0]! as unknown as Record<string, unknown>;
    const top = ctx as unknown as Record<string, unknown>;
    const missing: string[] = [];
    const check = (owner: Record<string, unknown>, where: string, names: string[]) => {
      for (const n of names) if (!(n in owner)) missing.push(`${where}.${n}`);
    };
    const checked: string[] = [];
    for (const m of section.matchAll(/`([^`]+)`/g)) {
      const span = m[1]!.replace(/\s+/g, " ").trim();
      if (span.includes("/")) continue;
      // Which object the span describes: the context, a session, or a chain.
      const at = m.index;
      const [owner, where] =
        at > section.indexOf("A chain:")
          ? [chain, "chain"]
          : at > section.indexOf("A session:")
            ? [session, "session"]
            : [top, "context"];
      const nested = /^(\w+)(?:\[\])? \{(.*)\}$/.exec(span);
      if (nested) {
        const [, name, fields] = nested;
        check(owner, where, [name!]);
        const value = owner[name!];
        const inner = (Array.isArray(value) ? value[0] : value) as Record<string, unknown>;
        check(inner, `${where}.${name}`, fields!.split(" "));
      } else {
        check(
          owner,
          where,
          span.split(" ").map((n) => n.replace(/\[\]$/, "")),
        );
      }
      checked.push(span);
    }
    expect(checked.length).toBeGreaterThan(20);
    expect(missing).toEqual([]);
  });
});
