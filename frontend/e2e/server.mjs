// Starts `intellimix serve` on a free port with its own instance folder, for one e2e run.
import { spawn } from "node:child_process";
import { mkdtempSync, openSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const FRONTEND = resolve(new URL("..", import.meta.url).pathname);
const REPO = resolve(FRONTEND, "..");

export function freePort() {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}

/** The studio served by the backend exactly as `make run` serves it, on SQLite in a temp folder. */
export async function startServer({ logDir }) {
  const port = await freePort();
  const instance = mkdtempSync(join(tmpdir(), "intellimix-e2e-"));
  const bin = process.env.INTELLIMIX_BIN ?? join(REPO, ".venv", "bin", "intellimix");
  const log = openSync(join(logDir, "server.log"), "w");
  const child = spawn(bin, ["serve", "--port", String(port)], {
    cwd: join(REPO, "backend"),
    env: {
      ...process.env,
      INSTANCE_DIR: instance,
      WEB_DIST_DIR: join(FRONTEND, "dist"),
      // Demo audio is generated from fixed seeds; keeping it between runs saves a minute.
      DEMO_CACHE_DIR: process.env.DEMO_CACHE_DIR ?? join(REPO, ".cache", "e2e-demo"),
      NUMBA_CACHE_DIR: process.env.NUMBA_CACHE_DIR ?? join(REPO, ".cache", "numba"),
      PASSWORD_HASH_METHOD: "scrypt:1024:8:1",
      OMP_NUM_THREADS: "1",
      NUMBA_NUM_THREADS: "1",
    },
    stdio: ["ignore", log, log],
    detached: true, // its own process group, so stopping it takes the worker children too
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`intellimix serve exited with ${child.exitCode}; see ${logDir}/server.log`);
    try {
      const response = await fetch(`${base}/api/v1/health`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    base,
    instance,
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done();
        child.once("exit", () => done());
        process.kill(-child.pid, "SIGTERM");
        setTimeout(() => child.exitCode === null && process.kill(-child.pid, "SIGKILL"), 30_000).unref();
      }),
  };
}
