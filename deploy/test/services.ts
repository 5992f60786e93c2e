// What the deployment files must agree with, read from the code: the services (deploy/local/services.json
// and services/*/src/main.ts), the environment each one reads, and the topics each one publishes and consumes.
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, ConfigError } from '@leads/config';
import { allTopics, Topics } from '@leads/contracts';
import { serviceConfigSchema, type ServiceDefinition } from '@leads/service';
import YAML from 'yaml';
import type { z } from 'zod';

export const REPO = path.resolve(__dirname, '../..');

export const readText = (file: string): string => fs.readFileSync(path.join(REPO, file), 'utf8');
export const readYaml = (file: string): any => YAML.parse(readText(file), { merge: true });

export interface DeployedService {
  readonly name: string;
  readonly port: number;
  /** A `runService` service: it validates its whole environment at boot (fail fast). */
  readonly schema?: z.ZodObject;
  /** Every variable the service reads. */
  readonly variables: ReadonlySet<string>;
}

/** Variables any process may be given: OpenTelemetry's own, and the usual Node ones. */
const STANDARD = /^(OTEL_[A-Z0-9_]+|NODE_ENV|LOG_LEVEL|NODE_OPTIONS)$/;

const hasMain = (name: string) => fs.existsSync(path.join(REPO, 'services', name, 'src', 'main.ts'));

/** `runService` services: deploy/local/services.json, once their main.ts exists (as `make up` starts them). */
export function registeredServices(): { name: string; port: number }[] {
  const { services } = JSON.parse(readText('deploy/local/services.json')) as { services: { name: string; port: number }[] };
  return services.filter(({ name }) => hasMain(name));
}

/** Every service with a main.ts that services.json does not list (the dev model): it reads process.env itself. */
function otherServices(): DeployedService[] {
  const registered = new Set(registeredServices().map(({ name }) => name));
  return fs
    .readdirSync(path.join(REPO, 'services'))
    .filter((name) => hasMain(name) && !registered.has(name))
    .map((name) => {
      const main = readText(`services/${name}/src/main.ts`);
      const variables = new Set([...main.matchAll(/process\.env\.([A-Z][A-Z0-9_]*)|FromEnv\('([A-Z][A-Z0-9_]*)'/g)].map((match) => match[1] ?? match[2]));
      const port = /FromEnv\('PORT',\s*(\d+)\)/.exec(main);
      if (!port) throw new Error(`services/${name}/src/main.ts: no default PORT found`);
      return { name, port: Number(port[1]), variables };
    });
}

async function definitionOf(name: string): Promise<ServiceDefinition<z.ZodRawShape>> {
  const module: Record<string, unknown> = await import(path.join(REPO, 'services', name, 'src', `${name}.service.ts`));
  const definition = Object.values(module).find((value) => (value as ServiceDefinition<z.ZodRawShape> | undefined)?.name === name);
  if (!definition) throw new Error(`services/${name}/src/${name}.service.ts exports no ServiceDefinition named ${name}`);
  return definition as ServiceDefinition<z.ZodRawShape>;
}

/** Every deployable service, with the environment it reads (built the way `runService` builds it). */
export async function deployedServices(): Promise<DeployedService[]> {
  const registered = await Promise.all(
    registeredServices().map(async ({ name, port }) => {
      const definition = await definitionOf(name);
      if (definition.defaultPort !== port) throw new Error(`${name}: services.json says port ${port}, its ServiceDefinition ${definition.defaultPort}`);
      const schema = serviceConfigSchema(definition.defaultPort).extend(definition.config);
      return { name, port, schema, variables: new Set(Object.keys(schema.shape)) };
    }),
  );
  return [...registered, ...otherServices()];
}

/** What is wrong with giving `env` to `service`: variables it does not read, and what its config schema rejects. */
export function envProblems(service: DeployedService, env: Record<string, string>): string[] {
  const unknown = Object.keys(env)
    .filter((name) => !service.variables.has(name) && !STANDARD.test(name))
    .map((name) => `${name}: not a setting of ${service.name}`);
  if (!service.schema) return unknown;
  try {
    loadConfig(service.schema, env);
    return unknown;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return [...unknown, ...error.issues.map(({ variable, reason }) => `${variable}: ${reason}`)];
  }
}

export interface EventFlows {
  /** Topic names the service publishes (through its outbox). */
  readonly produces: ReadonlySet<string>;
  /** Consumer group → the topic names its @OnEvent handlers consume. */
  readonly consumes: ReadonlyMap<string, ReadonlySet<string>>;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

const topicName = (key: string): string => {
  const topic = (Topics as Record<string, { name: string } | undefined>)[key];
  if (!topic) throw new Error(`Topics.${key} is not in the registry`);
  return topic.name;
};

/** Read from the service's code: `topic: Topics.x` (outbox events) and `@OnEvent(Topics.x[, { group }])`. */
export function eventFlows(service: string): EventFlows {
  const produces = new Set<string>();
  const consumes = new Map<string, Set<string>>();
  for (const file of sourceFiles(path.join(REPO, 'services', service, 'src'))) {
    const code = fs.readFileSync(file, 'utf8');
    for (const [, key] of code.matchAll(/\btopic:\s*Topics\.(\w+)/g)) produces.add(topicName(key));
    for (const [, key, group = service] of code.matchAll(/@OnEvent\(\s*Topics\.(\w+)\s*(?:,\s*\{\s*group:\s*'([^']+)')?/g)) {
      consumes.set(group, new Set([...(consumes.get(group) ?? []), topicName(key)]));
    }
  }
  return { produces, consumes };
}

/** The partitions of the busiest topic among `topics`: more consumers than that would sit idle. */
export const maxPartitions = (topics: Iterable<string>): number =>
  Math.max(...[...topics].map((name) => allTopics.find((topic) => topic.name === name)!.partitions));

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443, 'smtp:': 25, 'smtps:': 465, 'postgres:': 5432, 'postgresql:': 5432 };

/** The host:port pairs a process would connect to, read from its settings: URLs, and KAFKA_BROKERS. */
export function networkAddresses(env: Record<string, string>): { variable: string; host: string; port: number }[] {
  return Object.entries(env).flatMap(([variable, value]) => {
    if (variable === 'KAFKA_BROKERS') {
      return value.split(',').map((broker) => {
        const [host, port] = broker.trim().split(':');
        return { variable, host, port: Number(port) };
      });
    }
    if (!/^[a-z]+:\/\//.test(value)) return [];
    const url = new URL(value);
    return [{ variable, host: url.hostname, port: Number(url.port) || DEFAULT_PORTS[url.protocol] }];
  });
}
