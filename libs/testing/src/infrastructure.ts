import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './network';
import { dataDir, repoRoot } from './repo-paths';

const run = promisify(execFile);

export type InfrastructureSource = 'environment' | 'testcontainers' | 'local launchers';

export interface Infrastructure {
  readonly source: InfrastructureSource;
  readonly kafkaBrokers: string[];
  /** A PostgreSQL URL allowed to create and drop the tests' own databases. */
  readonly postgresAdminUrl: string;
  stop(): Promise<void>;
}

const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Kafka and PostgreSQL for the tests, the first way that applies: given by the environment
 * (`KAFKA_BROKERS`, `DATABASE_URL`); a Docker engine → testcontainers; otherwise the
 * launchers in deploy/local (Kafka from its Maven Central jars, the machine's PostgreSQL).
 */
export async function provisionInfrastructure(): Promise<Infrastructure> {
  if (process.env.KAFKA_BROKERS && process.env.DATABASE_URL) {
    return {
      source: 'environment',
      kafkaBrokers: process.env.KAFKA_BROKERS.split(','),
      postgresAdminUrl: process.env.DATABASE_URL,
      stop: async () => undefined,
    };
  }
  if (await dockerEngineAvailable()) return startContainers();
  return startLocalLaunchers();
}

async function dockerEngineAvailable(): Promise<boolean> {
  try {
    await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

async function startContainers(): Promise<Infrastructure> {
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const [kafka, postgres] = await Promise.all([
    new KafkaContainer('apache/kafka:4.1.1').withKraft().start(),
    new PostgreSqlContainer('postgres:17').start(),
  ]);
  return {
    source: 'testcontainers',
    kafkaBrokers: [`${kafka.getHost()}:${kafka.getMappedPort(9093)}`],
    postgresAdminUrl: postgres.getConnectionUri(),
    stop: async () => {
      await Promise.all([kafka.stop(), postgres.stop()]);
    },
  };
}

/**
 * A broker of this test run's own, on free ports: a running `make up` stack (9092) or another
 * test run is never touched. Its data is removed when the run ends.
 */
async function startLocalLaunchers(): Promise<Infrastructure> {
  const name = `test-${process.pid}`;
  const [port, controllerPort] = [await freePort(), await freePort()];
  await launch('kafka.mjs', ['start', '--name', name, '--port', String(port), '--controller-port', String(controllerPort), '--fresh']);
  await launch('postgres.mjs', ['ensure', 'postgres']);
  return {
    source: 'local launchers',
    kafkaBrokers: [`127.0.0.1:${port}`],
    postgresAdminUrl: LOCAL_POSTGRES,
    stop: async () => {
      await launch('kafka.mjs', ['stop', '--name', name]);
      await rm(path.join(dataDir, 'kafka', name), { recursive: true, force: true });
    },
  };
}

/** Runs one of the deploy/local launchers to completion with the project's Node. */
export async function launch(script: string, args: string[]): Promise<void> {
  await run(process.execPath, [path.join(repoRoot, 'deploy/local', script), ...args], {
    cwd: repoRoot,
    timeout: 300_000,
  });
}
