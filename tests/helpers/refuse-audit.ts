// Makes PostgreSQL itself refuse AuditEvent rows of chosen commands, in a test file's own
// database (a trigger and a table of the commands), to show that a step and its audit row
// commit together: when the row cannot be written, the step does not happen.
import type { TestDatabase } from "./db.js";

/** Installs the trigger; the returned function sets the refused commands (none: accepts all). */
export async function auditRefusal(db: TestDatabase): Promise<(...commands: string[]) => Promise<void>> {
  await db.pool.query(`
    create table refused_audit (command text primary key);
    create function refuse_audit() returns trigger language plpgsql as $$
    begin
      if exists (select 1 from refused_audit where command = new.command) then
        raise exception 'audit refused by the test';
      end if;
      return new;
    end $$;
    create trigger refuse_audit before insert on "AuditEvent" for each row execute function refuse_audit();
  `);
  return async (...commands) => {
    await db.pool.query("delete from refused_audit");
    for (const c of commands) await db.pool.query("insert into refused_audit values ($1)", [c]);
  };
}

/** The commands of the audit rows about `#id` whose command starts with `prefix`, oldest first. */
export async function auditTrail(db: TestDatabase, prefix: string, id: number): Promise<string[]> {
  const rows = await db.prisma.auditEvent.findMany({
    where: { args: `#${id}`, command: { startsWith: prefix } },
    orderBy: { id: "asc" },
  });
  return rows.map((a) => a.command);
}
