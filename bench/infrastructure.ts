import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** The monorepo's root, from bench/ (sources) or dist/bench/ (compiled). */
export const repoRoot = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');

/** The bench's own broker and database: never the dev stack (9092) or the tests' broker (19092). */
export const BENCH_BROKER = { name: 'bench', port: 29092, controllerPort: 29093 } as const;
export const BENCH_DATABASE = 'bench_messaging';
const POSTGRES = 'postgres://postgres@127.0.0.1:5432';

export interface BenchInfrastructure {
  readonly brokers: string[];
  readonly databaseUrl: string;
  /** The broker's JVM, for CPU accounting. */
  readonly kafkaPid: number | undefined;
}

/** Runs a deploy/local launcher with this Node; its progress (stderr) goes to ours, its result line too. */
function launch(script: string, args: string[], timeoutMs = 300_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'deploy/local', script), ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`deploy/local/${script} ${args.join(' ')} failed (${signal ?? `exit ${code}`})`));
    });
  });
}

/**
 * Every benchmark shares the one bench broker (started `--fresh`) and machine: two at once would
 * wipe each other's broker and skew each other's figures. startInfrastructure therefore takes an
 * exclusive lock (a directory holding the owner's pid, as deploy/local does for the Kafka jars)
 * and stopInfrastructure, or the process's exit, releases it; a lock whose owner died is taken over.
 */
const LOCK_DIR = path.join(repoRoot, '.data', 'bench.lock');
const LOCK_WAIT_MS = 30 * 60_000;
let lockHeld = false;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockOwner(): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(path.join(LOCK_DIR, 'pid'), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function releaseLock(): void {
  if (!lockHeld) return;
  lockHeld = false;
  if (lockOwner() === process.pid) fs.rmSync(LOCK_DIR, { recursive: true, force: true });
}

async function acquireLock(): Promise<void> {
  if (lockHeld) return;
  fs.mkdirSync(path.dirname(LOCK_DIR), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  let reported: number | undefined;
  for (;;) {
    try {
      fs.mkdirSync(LOCK_DIR);
      fs.writeFileSync(path.join(LOCK_DIR, 'pid'), String(process.pid));
      lockHeld = true;
      process.once('exit', releaseLock);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = lockOwner();
    const age = Date.now() - (fs.statSync(LOCK_DIR, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if ((owner !== undefined && !isAlive(owner)) || (owner === undefined && age > 30_000)) {
      fs.rmSync(LOCK_DIR, { recursive: true, force: true }); // its owner is gone
      continue;
    }
    if (Date.now() > deadline) throw new Error(`another benchmark (pid ${owner}) has held ${LOCK_DIR} for more than ${LOCK_WAIT_MS / 60_000} min`);
    if (owner !== reported) {
      process.stderr.write(`[bench] waiting for another benchmark (pid ${owner ?? '?'}) to finish: it holds the bench broker\n`);
      reported = owner;
    }
    await delay(1_000);
  }
}

/** A fresh broker (its data wiped) and a fresh database, both owned by the bench; waits while another benchmark runs. */
export async function startInfrastructure(): Promise<BenchInfrastructure> {
  await acquireLock();
  const { name, port, controllerPort } = BENCH_BROKER;
  await launch('kafka.mjs', ['start', '--name', name, '--port', String(port), '--controller-port', String(controllerPort), '--fresh']);
  await launch('postgres.mjs', ['drop', BENCH_DATABASE]);
  await launch('postgres.mjs', ['ensure', BENCH_DATABASE]);
  return {
    brokers: [`127.0.0.1:${port}`],
    databaseUrl: `${POSTGRES}/${BENCH_DATABASE}`,
    kafkaPid: readKafkaPid(),
  };
}

/** Stops the bench broker (its data stays under .data/kafka/bench until the next --fresh start) and lets the next benchmark run. */
export async function stopInfrastructure(): Promise<void> {
  try {
    await launch('kafka.mjs', ['stop', '--name', BENCH_BROKER.name], 120_000);
  } finally {
    releaseLock();
  }
}

function readKafkaPid(): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(path.join(repoRoot, '.data/kafka', BENCH_BROKER.name, 'kafka.pid'), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
