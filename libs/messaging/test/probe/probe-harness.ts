import { freePort, runToCompletion, startServiceProcess, waitUntilReady, type ServiceProcess } from '@leads/testing';

const PROBE_ENTRY = 'dist/libs/messaging/test/probe/probe.main.js';

export interface ProbeSettings {
  readonly role: 'producer' | 'consumer';
  readonly databaseUrl: string;
  readonly brokers: string;
  readonly env?: Record<string, string>;
}

export interface RunningProbe {
  readonly process: ServiceProcess;
  readonly baseUrl: string;
}

export async function migrateProbe(settings: Omit<ProbeSettings, 'role'>): Promise<void> {
  await runToCompletion({
    name: 'probe-migrate',
    entry: PROBE_ENTRY,
    args: ['migrate'],
    env: { PROBE_ROLE: 'producer', DATABASE_URL: settings.databaseUrl, KAFKA_BROKERS: settings.brokers, OTEL_SDK_DISABLED: 'true' },
  });
}

/** Starts a probe service process and waits until /health/ready says ok. */
export async function startProbe(settings: ProbeSettings): Promise<RunningProbe> {
  const port = await freePort();
  const process = startServiceProcess({
    name: `probe-${settings.role}`,
    entry: PROBE_ENTRY,
    env: {
      PROBE_ROLE: settings.role,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: settings.databaseUrl,
      KAFKA_BROKERS: settings.brokers,
      OTEL_TRACES_EXPORTER: 'none',
      ...settings.env,
    },
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntilReady(process, baseUrl);
  return { process, baseUrl };
}

export async function submitLeads(
  producer: RunningProbe,
  leads: Array<{ leadId: string; email: string; firstName: string }>,
  options: { rollback?: boolean; headers?: Record<string, string> } = {},
): Promise<{ eventIds: string[]; committed: boolean }> {
  const response = await fetch(`${producer.baseUrl}/leads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: JSON.stringify({ leads, rollback: options.rollback ?? false }),
  });
  expect(response.status).toBe(202);
  return (await response.json()) as { eventIds: string[]; committed: boolean };
}
