import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from './databases';
import { startGroupsAtEnd } from './kafka-groups';
import { freePort } from './network';
import { runToCompletion, startServiceProcess, waitUntilReady, type ServiceProcess } from './service-process';

export interface StackService {
  readonly name: string;
  readonly baseUrl: string;
  readonly database: TestDatabase;
  process: ServiceProcess;
}

export interface Stack {
  /** The public gateway's base URL (the ingest service). */
  readonly gateway: string;
  readonly services: Record<string, StackService>;
  readonly internalToken: string;
  readonly brokers: string;
  /** Restarts one service with the same database and port (e.g. after stopping it). */
  restart(name: string, env?: Record<string, string>): Promise<void>;
  /** Starts another replica of a service: the same database, consumer group and settings, a port of its own. */
  addReplica(name: string, env?: Record<string, string>): Promise<StackService>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Extra environment for every service (e.g. OTEL_* for a trace test). */
  readonly env?: Record<string, string>;
  /** Extra environment per service. */
  readonly serviceEnv?: Record<string, Record<string, string>>;
}

const entry = (name: string) => `dist/services/${name}/src/main.js`;

/**
 * Runs services end to end, each as its own process from the compiled code, with a database of
 * its own, the tests' Kafka broker, one shared internal token and each other's URLs
 * (`<NAME>_URL`), as `make up` does.
 */
export async function startStack(names: readonly string[], options: StackOptions = {}): Promise<Stack> {
  const brokers = process.env.TEST_KAFKA_BROKERS;
  if (!brokers) throw new Error('TEST_KAFKA_BROKERS is not set: run integration tests through the Jest global setup');
  const internalToken = randomBytes(24).toString('hex');
  const secretsKey = randomBytes(32).toString('base64');
  const ports = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await freePort()] as const)));
  const urls = Object.fromEntries(names.map((name) => [`${name.toUpperCase()}_URL`, `http://127.0.0.1:${ports[name]}`]));
  const databases = Object.fromEntries(
    await Promise.all(names.map(async (name) => [name, await createTestDatabase(name)] as const)),
  );
  const envOf = (name: string, extra: Record<string, string> = {}) => ({
    DATABASE_URL: databases[name].url,
    KAFKA_BROKERS: brokers,
    INTERNAL_TOKEN: internalToken,
    SECRETS_KEY: secretsKey,
    PUBLIC_URL: `http://127.0.0.1:${ports.ingest ?? ports[name]}`,
    PORT: String(ports[name]),
    HOST: '127.0.0.1',
    OTEL_TRACES_EXPORTER: 'none',
    ...urls,
    ...options.env,
    ...options.serviceEnv?.[name],
    ...extra,
  });
  await Promise.all(
    names.map((name) => runToCompletion({ name: `${name}-migrate`, entry: entry(name), args: ['migrate'], env: envOf(name, { OTEL_SDK_DISABLED: 'true' }) })),
  );
  await startGroupsAtEnd(brokers, names);
  const services: Record<string, StackService> = {};
  const replicas: StackService[] = [];
  const startProcess = async (name: string, port: number, env?: Record<string, string>): Promise<StackService> => {
    const service = startServiceProcess({ name, entry: entry(name), env: envOf(name, { ...env, PORT: String(port) }) });
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitUntilReady(service, baseUrl);
    return { name, baseUrl, database: databases[name], process: service };
  };
  const launch = async (name: string, env?: Record<string, string>) => {
    services[name] = await startProcess(name, ports[name], env);
  };
  await Promise.all(names.map((name) => launch(name)));
  return {
    gateway: services.ingest?.baseUrl ?? '',
    services,
    internalToken,
    brokers,
    restart: async (name, env) => {
      await services[name].process.stop();
      await launch(name, env);
    },
    addReplica: async (name, env) => {
      const replica = await startProcess(name, await freePort(), env);
      replicas.push(replica);
      return replica;
    },
    stop: async () => {
      await Promise.all([...Object.values(services), ...replicas].map((service) => service.process.stop()));
      await Promise.all(Object.values(databases).map((database) => database.drop()));
    },
  };
}

/** Signs up a new workspace through the gateway: its API key, ids and session cookie. */
export async function signUp(gateway: string, workspaceName = `Workspace ${randomBytes(3).toString('hex')}`) {
  const email = `owner-${randomBytes(6).toString('hex')}@example.com`;
  const response = await fetch(`${gateway}/v1/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ workspaceName, email, password: 'a long enough password' }),
  });
  if (response.status !== 201) throw new Error(`signup failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { workspace: { id: string; name: string }; user: { id: string; email: string }; apiKey: string };
  const cookie = response.headers.get('set-cookie')?.split(';')[0] ?? '';
  return { ...body, email, cookie, auth: { authorization: `Bearer ${body.apiKey}` } };
}
