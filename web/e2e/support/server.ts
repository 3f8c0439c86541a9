/** Starts the real `livestream` binary (SQLite in a fresh data dir) for the end-to-end tests. */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createSocket } from "node:dgram";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const WEB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const REPO_DIR = resolve(WEB_DIR, "..");
export const RESULTS_DIR = join(WEB_DIR, "test-results");
export const ADMIN = { username: "admin", password: "e2e-admin-passphrase-long" };
export const PASSWORD = "correct-horse-battery-staple-42";

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => ok(port));
    });
  });
}

/** A UDP port free on loopback, for the SRT listener. */
async function freeUdpPort(): Promise<number> {
  return new Promise((ok, fail) => {
    const probe = createSocket("udp4");
    probe.once("error", fail);
    probe.bind(0, "127.0.0.1", () => {
      const port = probe.address().port;
      probe.close(() => ok(port));
    });
  });
}

export interface ApiResult {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of any route
  body: any;
}

export class Server {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dataDir: string,
    readonly url: string,
    readonly rtmpPort: number,
    readonly srtPort: number,
  ) {}

  /**
   * Starts the server from the built binary and the built app, and waits until it answers.
   * `env` adds settings; `name` names its log (`test-results/<name>.log`).
   */
  static async start(options: { env?: Record<string, string>; name?: string } = {}): Promise<Server> {
    const binary = process.env.LIVESTREAM_BIN ?? join(REPO_DIR, "target/debug/livestream");
    if (!existsSync(binary)) throw new Error(`no server binary at ${binary}: run cargo build first`);
    const webRoot = join(WEB_DIR, "dist");
    if (!existsSync(join(webRoot, "index.html"))) throw new Error("web/dist is missing: run npm run build first");
    const [httpPort, rtmpPort, srtPort] = [await freePort(), await freePort(), await freeUdpPort()];
    const dataDir = mkdtempSync(join(tmpdir(), "livestream-e2e-"));
    mkdirSync(RESULTS_DIR, { recursive: true });
    const logName = `${options.name ?? "server"}.log`;
    const log = createWriteStream(join(RESULTS_DIR, logName));
    const child = spawn(binary, ["serve"], {
      cwd: REPO_DIR,
      env: {
        ...process.env,
        LIVESTREAM_HTTP__HOST: "127.0.0.1",
        LIVESTREAM_HTTP__PORT: String(httpPort),
        LIVESTREAM_HTTP__WEB_ROOT: webRoot,
        LIVESTREAM_RTMP__HOST: "127.0.0.1",
        LIVESTREAM_RTMP__PORT: String(rtmpPort),
        LIVESTREAM_SRT__HOST: "127.0.0.1",
        LIVESTREAM_SRT__PORT: String(srtPort),
        LIVESTREAM_METRICS__LISTEN: "127.0.0.1:0",
        LIVESTREAM_STORAGE__DATA_DIR: dataDir,
        LIVESTREAM_HLS__SEGMENT_SECONDS: "1",
        LIVESTREAM_AUTH__ADMIN_USERNAME: ADMIN.username,
        LIVESTREAM_AUTH__ADMIN_PASSWORD: ADMIN.password,
        LIVESTREAM_AUTH__LOGIN_ATTEMPTS_PER_MINUTE: "1000",
        ...options.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const server = new Server(child, dataDir, `http://127.0.0.1:${httpPort}`, rtmpPort, srtPort);
    for (let i = 0; i < 300; i++) {
      if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}); see ${RESULTS_DIR}/${logName}`);
      try {
        if ((await fetch(`${server.url}/health`)).ok) return server;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("the server did not answer /health within 30 s");
  }

  /** Calls the JSON API. */
  async api(method: string, path: string, token?: string, body?: unknown): Promise<ApiResult> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }

  async login(username: string, password: string): Promise<string> {
    const { status, body } = await this.api("POST", "/api/auth/login", undefined, { username, password });
    if (status !== 200) throw new Error(`login ${username}: ${status} ${JSON.stringify(body)}`);
    return body.access_token as string;
  }

  async register(username: string, role: "viewer" | "streamer"): Promise<string> {
    const { status, body } = await this.api("POST", "/api/auth/register", undefined, { username, password: PASSWORD, role });
    if (status !== 201) throw new Error(`register ${username}: ${status} ${JSON.stringify(body)}`);
    return body.access_token as string;
  }

  /** Polls `GET path` until `done(body)` holds. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of any route
  async waitFor(what: string, path: string, done: (body: any) => boolean, seconds = 30): Promise<any> {
    for (let i = 0; i < seconds * 5; i++) {
      const { status, body } = await this.api("GET", path);
      if (status === 200 && done(body)) return body;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  /** Stops like SIGTERM and removes the data dir. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once("exit", r));
      this.child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      if (this.child.exitCode === null) this.child.kill("SIGKILL");
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
