/// <reference types="vitest/config" />
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The dev server proxies the API to the backend (`intellimix serve`, port 5000 by default),
// so the studio talks to one origin in development just as it does when the backend serves it.
const backend = process.env.INTELLIMIX_API ?? "http://127.0.0.1:5000";

export default defineConfig({
  plugins: [react()],
  resolve: { alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) } },
  server: { proxy: { "/api": { target: backend, changeOrigin: true } } },
  build: { target: "es2022", sourcemap: false },
  // Logic tests run in Node; component tests (*.test.tsx) start with `// @vitest-environment jsdom`.
  test: { environment: "node", include: ["src/**/*.test.{ts,tsx}"], setupFiles: ["src/test/setup.ts"] },
});
