import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./bridge/store/schema.ts",
  out: "./bridge/store/migrations",
});
