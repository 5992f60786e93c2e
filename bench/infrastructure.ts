import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

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

/** A fresh broker (its data wiped) and a fresh database, both owned by the bench. */
export async function startInfrastructure(): Promise<BenchInfrastructure> {
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

/** Stops the bench broker (its data stays under .data/kafka/bench until the next --fresh start). */
export async function stopInfrastructure(): Promise<void> {
  await launch('kafka.mjs', ['stop', '--name', BENCH_BROKER.name], 120_000);
}

function readKafkaPid(): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(path.join(repoRoot, '.data/kafka', BENCH_BROKER.name, 'kafka.pid'), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
