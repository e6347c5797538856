// Where the tests' PostgreSQL server is. PEERBOT_TEST_PG overrides the machine's default.
export function adminUrl(): string {
  return process.env.PEERBOT_TEST_PG ?? "postgresql://postgres@127.0.0.1:5432/postgres";
}

export function dbUrl(database: string): string {
  const u = new URL(adminUrl());
  u.pathname = `/${database}`;
  return u.toString();
}
