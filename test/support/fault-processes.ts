import { ChildProcess, spawn } from 'node:child_process';
import { createServer, connect, Server, Socket } from 'node:net';
import { join } from 'node:path';

/**
 * Helpers for fault-injection suites (test/e2e/faults): our own redis-server, the hub's processes as
 * real child processes that can be SIGKILLed, and a TCP proxy to PostgreSQL that can be cut.
 * Every child started here is remembered and killed by `killAllFaultChildren()` (call it in afterAll)
 * and, as a last resort, when the jest worker exits.
 */

const ROOT = join(__dirname, '..', '..');
const children = new Set<ChildProcess>();

process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** A port that was free a moment ago (the kernel picked it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ManagedProcess {
  readonly child: ChildProcess;
  /** The last few KB of stdout and stderr, for failure messages. */
  output(): string;
  /** Sends a signal and waits until the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  readonly exited: boolean;
}

/**
 * Spawns a process and resolves once a line of its stdout (or stderr) matches `readyPattern`.
 * Rejects (and kills it) when it exits first or does not get ready within `timeoutMs`.
 */
export async function spawnUntilReady(
  command: string,
  args: string[],
  options: { env?: Record<string, string | undefined>; readyPattern: RegExp; timeoutMs?: number; name: string },
): Promise<ManagedProcess> {
  const child = spawn(command, args, { cwd: ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let log = '';
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    const done = () => {
      exited = true;
      children.delete(child);
      resolve();
    };
    child.once('exit', done);
    child.once('error', done); // could not be spawned at all
  });
  const managed: ManagedProcess = {
    child,
    output: () => log,
    get exited() {
      return exited;
    },
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (!exited) child.kill(signal);
      await exit;
    },
  };
  const timeoutMs = options.timeoutMs ?? 30_000;
  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(() => settle(new Error(`${options.name} not ready within ${timeoutMs} ms`)), timeoutMs);
      const onData = (chunk: Buffer) => {
        log = (log + chunk.toString()).slice(-8000);
        if (options.readyPattern.test(log)) settle();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code, signal) => settle(new Error(`${options.name} exited (${signal ?? code}) before it was ready`)));
      child.once('error', (error) => settle(error));
    });
  } catch (error) {
    child.kill('SIGKILL');
    await exit;
    throw new Error(`${(error as Error).message}\n--- ${options.name} output ---\n${log}`);
  }
  return managed;
}

/** A throw-away redis-server on `port`: no RDB snapshots, no AOF, so a restart starts empty. */
export async function startRedisServer(port: number): Promise<ManagedProcess & { url: string }> {
  const proc = await spawnUntilReady('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    name: `redis-server :${port}`,
    readyPattern: /Ready to accept connections/,
    timeoutMs: 15_000,
  });
  return Object.assign(proc, { url: `redis://127.0.0.1:${port}` });
}

/** `node bin/worker.js` (or api.js) as a child process, with the hub's environment; resolves on its "ready" line. */
export async function startHubProcess(which: 'worker' | 'api', env: Record<string, string>): Promise<ManagedProcess> {
  return spawnUntilReady(process.execPath, [join(ROOT, 'bin', `${which}.js`)], {
    name: `sanxian ${which}`,
    env: { ...process.env, ...env },
    readyPattern: new RegExp(`sanxian ${which} ready`),
    timeoutMs: 60_000,
  });
}

/** Kills every child started by these helpers that is still running (afterAll; safe to call twice). */
export async function killAllFaultChildren(): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

/**
 * A TCP proxy on 127.0.0.1 that forwards to `target` until it is cut: `cut()` destroys every open
 * connection and stops listening (new connections are refused), `resume()` listens again on the same port.
 */
export class FaultTcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;
  connections = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  get listening(): boolean {
    return this.server !== undefined;
  }

  async start(port = this.port): Promise<number> {
    if (this.server) return this.port;
    const server = createServer((downstream) => this.forward(downstream));
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as { port: number }).port;
    return this.port;
  }

  resume(): Promise<number> {
    return this.start(this.port);
  }

  /** Drops every connection at once and refuses new ones, as a crashed or unreachable server would. */
  async cut(): Promise<void> {
    this.frozen = false;
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  close(): Promise<void> {
    return this.cut();
  }

  private frozen = false;

  /**
   * Stops forwarding without closing anything, as a server that hangs (or a network that drops packets)
   * would: open connections stay open and silent, new ones are accepted and never answered.
   */
  freeze(): void {
    this.frozen = true;
    for (const socket of this.sockets) socket.pause();
  }

  private forward(downstream: Socket): void {
    this.connections++;
    if (this.frozen) {
      this.sockets.add(downstream);
      downstream.pause();
      downstream.on('error', () => undefined);
      downstream.on('close', () => this.sockets.delete(downstream));
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    for (const [a, b] of [[downstream, upstream], [upstream, downstream]] as const) {
      this.sockets.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        this.sockets.delete(a);
        b.destroy();
      });
    }
    downstream.pipe(upstream);
    upstream.pipe(downstream);
  }
}
