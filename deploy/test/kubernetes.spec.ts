import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { environmentOf, loadCompose } from './compose';
import { containersOf, kustomize, loadObjects, type K8sObject } from './kustomize';
import { REPO, deployedServices, envProblems, eventFlows, maxPartitions, networkAddresses, type DeployedService } from './services';

const K8S = path.join(REPO, 'deploy/k8s');
const OVERLAYS = ['local', 'production'] as const;
const SECRET_TEMPLATE = path.join(K8S, 'leads-secrets.template.yaml');

let services: DeployedService[];
const built: Record<string, K8sObject[]> = {};

beforeAll(async () => {
  services = await deployedServices();
  for (const overlay of OVERLAYS) built[overlay] = kustomize(path.join(K8S, 'overlays', overlay));
});

const ofKind = (objects: K8sObject[], kind: string) => objects.filter((object) => object.kind === kind);
const named = (objects: K8sObject[], kind: string, name: string) => objects.find((object) => object.kind === kind && object.metadata.name === name);
const workloads = (objects: K8sObject[]) => objects.filter((object) => object.kind === 'Deployment' || object.kind === 'Job');
const podLabels = (workload: K8sObject): Record<string, string> => workload.spec.template.metadata?.labels ?? {};
const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels[key] === value);

/** A Secret's values: from the build, or (for a Secret the operator creates) from the template. */
function secretValues(objects: K8sObject[], name: string): Record<string, string> | undefined {
  const secret = named(objects, 'Secret', name) ?? loadObjects(SECRET_TEMPLATE).find((object) => object.metadata.name === name);
  if (!secret) return undefined;
  const data = Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(String(value), 'base64').toString('utf8')]));
  return { ...data, ...secret.stringData };
}

/**
 * The environment of a container, and the references it makes that do not resolve. Secret values
 * may be taken from `secretsFrom` instead: the production overlay's Secret holds placeholders.
 */
function containerEnv(objects: K8sObject[], container: any, secretsFrom = objects): { env: Record<string, string>; missing: string[] } {
  const env: Record<string, string> = {};
  const missing: string[] = [];
  const configMap = (name: string) => named(objects, 'ConfigMap', name)?.data as Record<string, string> | undefined;
  const secret = (name: string) => (secretValues(objects, name) ? secretValues(secretsFrom, name) ?? {} : undefined);
  for (const { configMapRef, secretRef } of container.envFrom ?? []) {
    const values = configMapRef ? configMap(configMapRef.name) : secret(secretRef.name);
    if (values) Object.assign(env, values);
    else missing.push(`${configMapRef ? 'ConfigMap' : 'Secret'} ${(configMapRef ?? secretRef).name}`);
  }
  for (const { name, value, valueFrom } of container.env ?? []) {
    if (!valueFrom) {
      env[name] = String(value);
      continue;
    }
    const ref = valueFrom.configMapKeyRef ?? valueFrom.secretKeyRef;
    const kind = valueFrom.configMapKeyRef ? 'ConfigMap' : 'Secret';
    const values = kind === 'ConfigMap' ? configMap(ref.name) : secretValues(objects, ref.name);
    if (values?.[ref.key] !== undefined) env[name] = kind === 'ConfigMap' ? values[ref.key] : secret(ref.name)![ref.key];
    else if (!ref.optional) missing.push(`${kind} ${ref.name} key ${ref.key} (for ${name})`);
  }
  return { env, missing };
}

const portNumber = (container: any, port: string | number): number | undefined =>
  typeof port === 'number' ? container.ports?.find((candidate: any) => candidate.containerPort === port)?.containerPort : container.ports?.find((candidate: any) => candidate.name === port)?.containerPort;

describe('deploy/k8s', () => {
  it('parses: every YAML file', () => {
    const files = fs.readdirSync(K8S, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const errors = YAML.parseAllDocuments(fs.readFileSync(path.join(K8S, file), 'utf8')).flatMap((document) => document.errors.map((error) => error.message));
      expect({ file, errors }).toEqual({ file, errors: [] });
    }
  });

  it('the Secret template has a placeholder for every key any overlay reads, and nothing real', () => {
    const template = secretValues([], 'leads-secrets')!;
    for (const [key, value] of Object.entries(template)) expect({ key, value }).toEqual({ key, value: expect.stringContaining('CHANGE_ME') });
    for (const overlay of OVERLAYS) {
      const keys = workloads(built[overlay]).flatMap(containersOf).flatMap((container) => (container.env ?? []).map((entry: any) => entry.valueFrom?.secretKeyRef).filter((ref: any) => ref?.name === 'leads-secrets').map((ref: any) => ref.key));
      expect({ overlay, missing: keys.filter((key) => !(key in template)) }).toEqual({ overlay, missing: [] });
    }
  });

  describe.each(OVERLAYS)('overlays/%s', (overlay) => {
    let objects: K8sObject[];
    beforeAll(() => (objects = built[overlay]));

    it('builds objects the Kubernetes API (and KEDA) accepts, one of each name per kind', () => {
      const validator = spawnSync(process.execPath, [path.join(__dirname, 'kubernetes-models.mjs')], { input: JSON.stringify(objects), encoding: 'utf8', cwd: REPO });
      expect(validator.stderr).toBe('');
      expect(JSON.parse(validator.stdout)).toEqual([]);
      const ids = objects.map((object) => `${object.kind}/${object.metadata.name}`);
      expect(ids.filter((id, index) => ids.indexOf(id) !== index)).toEqual([]);
    });

    it('resolves every ConfigMap, Secret, key and volume a pod reads', () => {
      for (const workload of workloads(objects)) {
        for (const container of containersOf(workload)) {
          expect({ workload: workload.metadata.name, missing: containerEnv(objects, container).missing }).toEqual({ workload: workload.metadata.name, missing: [] });
        }
        for (const volume of workload.spec.template.spec.volumes ?? []) {
          const ref = volume.configMap ? ['ConfigMap', volume.configMap.name] : volume.secret ? ['Secret', volume.secret.secretName] : volume.persistentVolumeClaim ? ['PersistentVolumeClaim', volume.persistentVolumeClaim.claimName] : undefined;
          if (ref) expect({ workload: workload.metadata.name, volume: ref, found: Boolean(named(objects, ref[0], ref[1])) }).toEqual({ workload: workload.metadata.name, volume: ref, found: true });
        }
      }
    });

    it("selects each Deployment's pods from its Service, PodDisruptionBudget and autoscaler, on real ports", () => {
      const deployments = ofKind(objects, 'Deployment');
      const jobs = ofKind(objects, 'Job');
      for (const service of ofKind(objects, 'Service')) {
        const targets = deployments.filter((deployment) => selects(service.spec.selector, podLabels(deployment)));
        expect({ service: service.metadata.name, targets: targets.length, jobs: jobs.filter((job) => selects(service.spec.selector, podLabels(job))).length }).toEqual({ service: service.metadata.name, targets: 1, jobs: 0 });
        for (const { targetPort } of service.spec.ports) {
          expect({ service: service.metadata.name, targetPort, found: targets[0].spec.template.spec.containers.some((container: any) => portNumber(container, targetPort) !== undefined) }).toEqual({ service: service.metadata.name, targetPort, found: true });
        }
      }
      for (const budget of ofKind(objects, 'PodDisruptionBudget')) {
        expect({ budget: budget.metadata.name, targets: deployments.filter((deployment) => selects(budget.spec.selector.matchLabels, podLabels(deployment))).length }).toEqual({ budget: budget.metadata.name, targets: 1 });
      }
      for (const deployment of deployments) expect(selects(deployment.spec.selector.matchLabels, podLabels(deployment))).toBe(true);
      for (const scaler of [...ofKind(objects, 'HorizontalPodAutoscaler'), ...ofKind(objects, 'ScaledObject')]) {
        expect({ scaler: scaler.metadata.name, target: Boolean(named(objects, 'Deployment', scaler.spec.scaleTargetRef.name)) }).toEqual({ scaler: scaler.metadata.name, target: true });
      }
      for (const ingress of ofKind(objects, 'Ingress')) {
        for (const { backend } of ingress.spec.rules.flatMap((rule: any) => rule.http.paths)) {
          const service = named(objects, 'Service', backend.service.name);
          const port = service?.spec.ports.find((candidate: any) => candidate.name === backend.service.port.name || candidate.port === backend.service.port.number);
          expect({ ingress: ingress.metadata.name, backend: backend.service, found: Boolean(port) }).toEqual({ ingress: ingress.metadata.name, backend: backend.service, found: true });
        }
      }
    });

    it('gives every container requests and limits, and probes on ports it declares', () => {
      for (const workload of workloads(objects)) {
        for (const container of containersOf(workload)) {
          const where = `${workload.metadata.name}/${container.name}`;
          expect({ where, resources: container.resources }).toEqual({ where, resources: { requests: { cpu: expect.anything(), memory: expect.anything() }, limits: { cpu: expect.anything(), memory: expect.anything() } } });
          if (workload.kind !== 'Deployment') continue;
          expect({ where, readinessProbe: Boolean(container.readinessProbe) }).toEqual({ where, readinessProbe: true });
          for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe].filter(Boolean)) {
            const port = (probe.httpGet ?? probe.tcpSocket)?.port;
            if (port !== undefined) expect({ where, port, declared: portNumber(container, port) !== undefined }).toEqual({ where, port, declared: true });
          }
        }
      }
    });

    it('runs every service: Deployment on its port with /health probes, Service, PodDisruptionBudget, migration Job, valid settings', () => {
      // Production's Secret holds placeholders: the values are checked with the local overlay's.
      const secretsFrom = built.local;
      for (const service of services) {
        const deployment = named(objects, 'Deployment', service.name);
        if (!service.schema && overlay === 'production') continue; // the dev model is for clusters without an OpenAI key
        const [container] = deployment?.spec.template.spec.containers ?? [];
        expect({ service: service.name, port: container && portNumber(container, 'http') }).toEqual({ service: service.name, port: service.port });
        expect({ service: service.name, liveness: container.livenessProbe?.httpGet?.path, readiness: container.readinessProbe?.httpGet?.path }).toEqual({ service: service.name, liveness: '/health/live', readiness: '/health/ready' });
        const { env } = containerEnv(objects, container, secretsFrom);
        expect({ service: service.name, PORT: env.PORT ?? String(service.port), problems: envProblems(service, env) }).toEqual({ service: service.name, PORT: String(service.port), problems: [] });
        if (!service.schema) {
          expect({ service: service.name, HOST: env.HOST }).toEqual({ service: service.name, HOST: '0.0.0.0' });
          continue;
        }
        expect(named(objects, 'Service', service.name)?.spec.ports.map((port: any) => port.port)).toEqual([service.port]);
        expect(named(objects, 'PodDisruptionBudget', service.name)).toBeDefined();
        const [migrate] = named(objects, 'Job', `${service.name}-migrate`)?.spec.template.spec.containers ?? [];
        expect({ service: service.name, args: migrate?.args, image: migrate?.image }).toEqual({ service: service.name, args: ['migrate'], image: container.image });
        expect({ service: service.name, env: containerEnv(objects, migrate, secretsFrom).env }).toEqual({ service: service.name, env });
      }
    });

    it('points every address at a Service of the build, on one of its ports', () => {
      for (const deployment of ofKind(objects, 'Deployment')) {
        for (const container of containersOf(deployment)) {
          for (const { variable, host, port } of networkAddresses(containerEnv(objects, container, built.local).env)) {
            const service = named(objects, 'Service', host);
            if (!service) continue; // outside the cluster (production's brokers, databases, mail server)
            expect({ deployment: deployment.metadata.name, variable, host, port, served: service.spec.ports.some((candidate: any) => candidate.port === port) }).toEqual({ deployment: deployment.metadata.name, variable, host, port, served: true });
          }
        }
      }
    });
  });

  it('production: scales the gateway by CPU and each consumer by its consumer group lag on the topics it consumes', () => {
    const objects = built.production;
    const hpa = named(objects, 'HorizontalPodAutoscaler', 'ingest')!;
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.metrics).toEqual([expect.objectContaining({ type: 'Resource', resource: expect.objectContaining({ name: 'cpu' }) })]);
    const brokers = named(objects, 'ConfigMap', 'leads-common')!.data.KAFKA_BROKERS;
    for (const { name, schema } of services) {
      if (!schema) continue;
      const groups = eventFlows(name).consumes;
      const scaler = named(objects, 'ScaledObject', name);
      if (groups.size === 0) {
        expect({ name, scaler }).toEqual({ name, scaler: undefined });
        continue;
      }
      const triggers = scaler!.spec.triggers.map(({ type, metadata }: any) => ({ type, ...metadata }));
      const expected = [...groups].flatMap(([group, topics]) => [...topics].map((topic) => ({ group, topic })));
      expect({ name, triggers: triggers.map(({ consumerGroup, topic }: any) => ({ group: consumerGroup, topic })).sort(byTopic) }).toEqual({ name, triggers: expected.sort(byTopic) });
      for (const trigger of triggers) {
        expect({ name, type: trigger.type, bootstrapServers: trigger.bootstrapServers, lagThreshold: trigger.lagThreshold }).toEqual({ name, type: 'kafka', bootstrapServers: brokers, lagThreshold: expect.stringMatching(/^[1-9]\d*$/) });
      }
      expect(scaler!.spec.maxReplicaCount).toBeLessThanOrEqual(maxPartitions(expected.map(({ topic }) => topic)));
    }
  });

  it('local: the same images, ports and databases as docker-compose.yml, and no autoscaler to install', () => {
    const objects = built.local;
    const compose = loadCompose();
    for (const { name, schema } of services) {
      const [container] = named(objects, 'Deployment', name)!.spec.template.spec.containers;
      expect({ name, image: container.image, port: portNumber(container, 'http') }).toEqual({ name, image: compose.services[name].image, port: Number(environmentOf(compose.services[name]).PORT) });
      if (schema) expect(named(objects, 'ConfigMap', 'postgres-init')!.data['create-databases.sql']).toContain(`CREATE DATABASE leads_${name};`);
    }
    expect(ofKind(objects, 'ScaledObject')).toEqual([]);
  });

  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
  (kubectl ? it : it.skip)('agrees with `kubectl kustomize` (kubectl is installed)', () => {
    for (const overlay of OVERLAYS) {
      const result = spawnSync('kubectl', ['kustomize', path.join(K8S, 'overlays', overlay)], { encoding: 'utf8' });
      expect(result.stderr).toBe('');
      const sort = (objects: K8sObject[]) => [...objects].sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));
      expect(sort(YAML.parseAllDocuments(result.stdout).map((document) => document.toJS()))).toEqual(sort(built[overlay]));
    }
  });
});

const byTopic = (a: { topic: string; group: string }, b: { topic: string; group: string }) => `${a.group} ${a.topic}`.localeCompare(`${b.group} ${b.topic}`);
