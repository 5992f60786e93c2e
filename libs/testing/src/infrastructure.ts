import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './repo-paths';

const run = promisify(execFile);

export type InfrastructureSource = 'environment' | 'testcontainers' | 'local launchers';

export interface Infrastructure {
  readonly source: InfrastructureSource;
  readonly kafkaBrokers: string[];
  /** A PostgreSQL URL allowed to create and drop the tests' own databases. */
  readonly postgresAdminUrl: string;
  stop(): Promise<void>;
}

/** The tests' broker; `make up` uses 9092, so a running stack is never touched. */
export const TEST_BROKER = { name: 'test', port: 19092, controllerPort: 19093 } as const;
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

async function startLocalLaunchers(): Promise<Infrastructure> {
  const { name, port, controllerPort } = TEST_BROKER;
  await launch('kafka.mjs', ['start', '--name', name, '--port', String(port), '--controller-port', String(controllerPort), '--fresh']);
  await launch('postgres.mjs', ['ensure', 'postgres']);
  return {
    source: 'local launchers',
    kafkaBrokers: [`127.0.0.1:${port}`],
    postgresAdminUrl: LOCAL_POSTGRES,
    stop: async () => {
      await launch('kafka.mjs', ['stop', '--name', name]);
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
