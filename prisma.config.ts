// For the Prisma CLI where its native engine can be downloaded: `npx prisma migrate deploy`
// applies the same prisma/migrations folder that `peerbot migrate` does.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres" },
});
