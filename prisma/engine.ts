// Prisma's schema engine, compiled to WebAssembly, loaded without any network access.
//
// The Prisma CLI downloads a native schema engine before `migrate` will run; this machine
// cannot reach that host. The same engine ships on npm as @prisma/schema-engine-wasm
// (pinned in package.json to the engine hash of the prisma CLI we use). We instantiate its
// .wasm ourselves, so no `--experimental-wasm-modules` flag is needed, and hand it a
// migration-aware driver adapter built on `pg`.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import type * as EngineTypes from "@prisma/schema-engine-wasm";

export type SchemaEngine = EngineTypes.SchemaEngine;
export type MigrationList = EngineTypes.MigrationList;

const require = createRequire(import.meta.url);

/** The message of the engine's last panic, for error reports. */
export let lastPanic = "";

interface WasmApi {
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, unknown>,
  ): Promise<{ instance: { exports: unknown } }>;
}

let bindings: Promise<typeof EngineTypes> | undefined;

async function loadBindings(): Promise<typeof EngineTypes> {
  // The engine reports a Rust panic's message through this global before it throws.
  const g = globalThis as unknown as { PRISMA_WASM_PANIC_REGISTRY?: { set_message(m: string): void } };
  g.PRISMA_WASM_PANIC_REGISTRY ??= {
    set_message: (m: string) => {
      lastPanic = m;
    },
  };
  const pkgDir = path.dirname(require.resolve("@prisma/schema-engine-wasm/schema_engine_bg"));
  const bg = (await import(path.join(pkgDir, "schema_engine_bg.js"))) as typeof EngineTypes &
    Record<string, unknown>;
  const bytes = await readFile(path.join(pkgDir, "schema_engine_bg.wasm"));
  // WebAssembly is a Node global, but neither lib "ES2023" nor @types/node 20 declares it.
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const { instance } = await wasm.instantiate(bytes, { "./schema_engine_bg.js": bg });
  const exports = instance.exports as Record<string, unknown> & { __wbindgen_start?: () => void };
  (bg as unknown as { __wbg_set_wasm: (w: unknown) => void }).__wbg_set_wasm(exports);
  exports.__wbindgen_start?.();
  return bg;
}

export interface EngineHandle {
  engine: SchemaEngine;
  /** Frees the engine and closes its connections (an idle pool would keep the process alive). */
  close(): Promise<void>;
}

/** Opens a schema engine on `connectionString` (a PostgreSQL URL). */
export async function openSchemaEngine(
  connectionString: string,
  datamodels: [string, string][] = [],
  log: (line: string) => void = () => {},
): Promise<EngineHandle> {
  bindings ??= loadBindings();
  const { SchemaEngine } = await bindings;
  const pool = new pg.Pool({ connectionString, max: 1 });
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg(pool));
  let engine: SchemaEngine;
  try {
    engine = await SchemaEngine.new({ datamodels }, (msg: string) => log(msg), adapter);
  } catch (err) {
    await pool.end();
    throw withPanic(err);
  }
  return {
    engine,
    async close() {
      engine.free();
      await pool.end();
    },
  };
}

/** Adds the engine's panic message, when there is one, to an error it threw. */
export function withPanic(err: unknown): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  if (lastPanic && !e.message.includes(lastPanic)) e.message = `${e.message}: ${lastPanic}`;
  lastPanic = "";
  return e;
}

export const noFilter: EngineTypes.SchemaFilter = { externalTables: [], externalEnums: [] };
