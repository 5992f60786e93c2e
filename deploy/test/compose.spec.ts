import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { COMPOSE_FILE, environmentOf, interpolate, loadCompose, type ComposeService } from './compose';
import { deployedServices, envProblems, networkAddresses, readText, readYaml, type DeployedService } from './services';

const DOCKERFILE = 'deploy/docker/Dockerfile';

let services: DeployedService[];
let compose: ReturnType<typeof loadCompose>;

beforeAll(async () => {
  services = await deployedServices();
  compose = loadCompose();
});

const service = (name: string): ComposeService => {
  const found = compose.services[name];
  if (!found) throw new Error(`${COMPOSE_FILE} has no service ${name}`);
  return found;
};
const containerPorts = (entry: ComposeService): number[] => [
  ...(entry.ports ?? []).map((mapping) => Number(String(mapping).split(':').at(-1)!.split('/')[0])),
  ...(entry.expose ?? []).map(Number),
  ...(entry.environment?.PORT !== undefined ? [Number(entry.environment.PORT)] : []),
];
const builtFromOurDockerfile = (entry: ComposeService) => entry.build?.context === '.' && entry.build.dockerfile === DOCKERFILE;

describe(COMPOSE_FILE, () => {
  it('follows the Compose Specification', () => {
    // The schema of github.com/compose-spec/compose-spec (deploy/schemas/README.md); it is draft-07
    // with an https $schema URI that Ajv does not know, hence validateSchema: false.
    const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(readText('deploy/schemas/compose-spec.json')));
    const valid = validate(readYaml(COMPOSE_FILE));
    expect(validate.errors?.map((error) => `${error.instancePath} ${error.message}`) ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('runs every service and its migrations from deploy/docker/Dockerfile, on its own port', () => {
    for (const { name, port, schema } of services) {
      const entry = service(name);
      expect({ name, build: entry.build }).toEqual({ name, build: { context: '.', dockerfile: DOCKERFILE, args: { SERVICE: name, PORT: String(port) } } });
      expect({ name, PORT: entry.environment?.PORT }).toEqual({ name, PORT: String(port) });
      expect({ name, published: entry.ports }).toEqual({ name, published: [`${port}:${port}`] });
      if (!schema) continue;
      const migrate = service(`${name}-migrate`);
      expect({ name, command: migrate.command, image: migrate.image }).toEqual({ name, command: ['migrate'], image: entry.image });
      expect({ name, environment: migrate.environment }).toEqual({ name, environment: entry.environment });
      expect({ name, after: entry.depends_on?.[`${name}-migrate`]?.condition }).toEqual({ name, after: 'service_completed_successfully' });
      expect({ name, after: migrate.depends_on?.postgres?.condition }).toEqual({ name, after: 'service_healthy' });
    }
  });

  it("gives each service every setting it requires, valid, and none it does not read", () => {
    const problems = services.flatMap((entry) => envProblems(entry, environmentOf(service(entry.name))).map((problem) => `${entry.name}: ${problem}`));
    expect(problems).toEqual([]);
    // The dev model listens on 127.0.0.1 unless told otherwise: the other containers could not reach it.
    for (const { name, schema } of services) if (!schema) expect({ name, HOST: service(name).environment?.HOST }).toEqual({ name, HOST: '0.0.0.0' });
  });

  it('points every address at a service of this file, on a port it listens on', () => {
    const problems = Object.entries(compose.services).flatMap(([name, entry]) =>
      networkAddresses(environmentOf(entry))
        .filter(({ host }) => compose.services[host] !== undefined)
        .filter(({ host, port }) => !containerPorts(compose.services[host]).includes(port))
        .map(({ variable, host, port }) => `${name}: ${variable} → ${host}:${port}, which ${host} does not listen on`),
    );
    expect(problems).toEqual([]);
    for (const { name, port } of services) {
      for (const [caller, entry] of Object.entries(compose.services)) {
        const url = entry.environment?.[`${name.toUpperCase()}_URL`];
        if (url !== undefined) expect({ caller, url }).toEqual({ caller, url: `http://${name}:${port}` });
      }
    }
  });

  it('starts each service after what it needs is healthy', () => {
    for (const [name, entry] of Object.entries(compose.services)) {
      for (const [dependency, { condition }] of Object.entries(entry.depends_on ?? {})) {
        const target = service(dependency);
        if (condition === 'service_healthy') {
          // Images built from our Dockerfile have a HEALTHCHECK (dockerfile.spec.ts).
          const checked = (target.healthcheck?.test !== undefined || builtFromOurDockerfile(target)) && !target.healthcheck?.disable;
          expect({ name, dependency, checked }).toEqual({ name, dependency, checked: true });
        }
      }
      // A migration run connects to its database only; traces are sent on a best-effort basis.
      const env = environmentOf(entry);
      const used = entry.command?.[0] === 'migrate' ? { DATABASE_URL: env.DATABASE_URL } : env;
      const needs = networkAddresses(used).map(({ host }) => host).filter((host) => host in compose.services && host !== 'jaeger');
      const waits = new Set(Object.keys(entry.depends_on ?? {}));
      // A service has waited for the database through its migration run.
      const missing = needs.filter((host) => !waits.has(host) && !(host === 'postgres' && waits.has(`${name}-migrate`)));
      expect({ name, missing }).toEqual({ name, missing: [] });
    }
  });

  it("creates each service's database when PostgreSQL starts", () => {
    const init = service('postgres').volumes!.map((volume) => volume.split(':')).find(([, target]) => target.startsWith('/docker-entrypoint-initdb.d/'));
    const sql = readText(init![0].replace(/^\.\//, ''));
    for (const { name, schema } of services) {
      if (!schema) continue;
      const database = new URL(environmentOf(service(name)).DATABASE_URL).pathname.slice(1);
      expect({ name, database }).toEqual({ name, database: `leads_${name}` });
      expect(sql).toMatch(new RegExp(`CREATE DATABASE ${database};`));
    }
  });

  it('runs the Kafka version of `make up`, and the dev model and a mail catcher unless told otherwise', () => {
    const kafkaVersion = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readText('deploy/local/kafka/pom.xml'))![1];
    expect(service('kafka').image).toBe(`apache/kafka:${kafkaVersion}`);
    const scoring = environmentOf(service('scoring'));
    expect(scoring.OPENAI_BASE_URL).toBe(`http://dev-model:${services.find(({ name }) => name === 'dev-model')!.port}/v1`);
    expect(scoring.SCORING_MODEL).toMatch(/^dev-model/);
    const given = { OPENAI_API_KEY: 'sk-real', OPENAI_BASE_URL: 'https://api.openai.com/v1', SCORING_MODEL: 'gpt-4.1-mini' };
    const raw = readYaml(COMPOSE_FILE).services.scoring.environment as Record<string, string>;
    for (const [name, value] of Object.entries(given)) expect(interpolate(raw[name], given)).toBe(value);
    for (const name of ['sequences', 'notification']) expect(new URL(environmentOf(service(name)).SMTP_URL).hostname).toBe('mailpit');
  });
});
