import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { expectEventually } from './expect-eventually';
import { dataDir, repoRoot } from './repo-paths';

export interface ServiceProcessOptions {
  /** A name for logs, e.g. `probe-consumer`. */
  readonly name: string;
  /** The compiled entry point, relative to the repo root, e.g. `dist/services/ingest/src/main.js`. */
  readonly entry: string;
  readonly args?: string[];
  readonly env: Record<string, string>;
}

export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or signal) when the process ends. */
  readonly exited: Promise<number | NodeJS.Signals>;
  /** SIGTERM, then waits for the graceful exit. */
  stop(): Promise<number | NodeJS.Signals>;
  /** SIGKILL, then waits until the process is gone. */
  kill(): Promise<number | NodeJS.Signals>;
}

const running = new Set<ChildProcess>();
// A test that fails half-way must not leave a service behind, consuming from a shared group.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Runs a service as its own OS process (the project's Node, the compiled code), with its output
 * in `.data/test-logs/<name>-<pid>.log`.
 */
export function startServiceProcess(options: ServiceProcessOptions): ServiceProcess {
  const logDir = path.join(dataDir, 'test-logs');
  mkdirSync(logDir, { recursive: true });
  const child: ChildProcess = spawn(process.execPath, ['--enable-source-maps', path.join(repoRoot, options.entry), ...(options.args ?? [])], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${options.name}`);
  const logFile = path.join(logDir, `${options.name}-${child.pid}.log`);
  const log = createWriteStream(logFile);
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  running.add(child);
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(signal ?? code ?? 0);
    }),
  );
  const signal = (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    return exited;
  };
  return {
    name: options.name,
    pid: child.pid,
    logFile,
    exited,
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
  };
}

/** Runs a compiled entry point to completion (e.g. a migration command); rejects on a non-zero exit. */
export async function runToCompletion(options: ServiceProcessOptions): Promise<void> {
  const process = startServiceProcess(options);
  const result = await process.exited;
  if (result !== 0) throw new Error(`${options.name} exited with ${result}; see ${process.logFile}`);
}

/**
 * Waits until `GET <baseUrl>/health/ready` answers 200; fails at once, pointing at the log, if
 * the process exits first.
 */
export async function waitUntilReady(service: ServiceProcess, baseUrl: string, timeoutMs = 60_000): Promise<void> {
  const ready = expectEventually(
    async () => {
      const response = await fetch(`${baseUrl}/health/ready`);
      if (response.status !== 200) throw new Error(`${service.name} not ready: ${response.status} ${await response.text()}`);
    },
    { timeoutMs, description: `${service.name} ready` },
  );
  ready.catch(() => undefined);
  const exited = service.exited.then((code) => {
    throw new Error(`${service.name} exited (${code}) during start; see ${service.logFile}`);
  });
  exited.catch(() => undefined);
  await Promise.race([ready, exited]);
}

