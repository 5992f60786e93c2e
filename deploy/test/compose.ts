// docker-compose.yml as `docker compose config` would see it with nothing set in the shell: YAML
// merge keys applied, `${VAR:-default}` interpolated.
import { readYaml } from './services';

const VARIABLE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

export function interpolate(value: string, shell: Record<string, string> = {}): string {
  return value.replace(VARIABLE, (match, braced?: string, operator?: string, argument = '', bare?: string) => {
    if (match === '$$') return '$';
    const name = braced ?? bare!;
    const set = operator?.startsWith(':') ? Boolean(shell[name]) : name in shell;
    if (set) return shell[name];
    if (operator?.endsWith('?')) throw new Error(`${name} is required: ${argument}`);
    return operator ? argument : '';
  });
}

function interpolateAll(value: unknown): unknown {
  if (typeof value === 'string') return interpolate(value);
  if (Array.isArray(value)) return value.map(interpolateAll);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateAll(item)]));
  return value;
}

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string; args?: Record<string, string> };
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  ports?: string[];
  expose?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
}

export const COMPOSE_FILE = 'docker-compose.yml';

export const loadCompose = (): { services: Record<string, ComposeService> } => interpolateAll(readYaml(COMPOSE_FILE)) as { services: Record<string, ComposeService> };

/** A service's environment as its process sees it (every value a string). */
export const environmentOf = (service: ComposeService): Record<string, string> =>
  Object.fromEntries(Object.entries(service.environment ?? {}).map(([name, value]) => [name, value === null ? '' : String(value)]));
