// PostgreSQL migrations, generated from the same schema as SQLite's (drizzle.config.ts):
// bridge/store/postgres/schema.ts derives its tables from bridge/store/schema.ts.
//   npx drizzle-kit generate --config drizzle.postgres.config.ts --name <what changed>
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./bridge/store/postgres/schema.ts",
  out: "./bridge/store/postgres/migrations",
});
