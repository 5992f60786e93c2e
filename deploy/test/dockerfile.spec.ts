import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, deployedServices, readText, type DeployedService } from './services';

const DOCKERFILE = 'deploy/docker/Dockerfile';

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** Dockerfile instructions: continuation lines joined, comments and parser directives left out. */
function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let current = '';
  for (const line of text.split('\n').map((raw) => raw.trimEnd())) {
    if (line.trimStart().startsWith('#') || (!current && line.trim() === '')) continue;
    current += `${current ? ' ' : ''}${line.replace(/\\$/, '').trim()}`;
    if (line.endsWith('\\')) continue;
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(current)!;
    instructions.push({ keyword: keyword.toUpperCase(), args });
    current = '';
  }
  return instructions;
}

/** Whether .dockerignore leaves `file` in the build context (the last matching pattern decides). */
function inBuildContext(file: string): boolean {
  const patterns = readText('.dockerignore').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  const ancestors = file.split('/').map((_, index, parts) => parts.slice(0, index + 1).join('/'));
  let included = true;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    const glob = pattern.replace(/^!/, '').replace(/\/$/, '');
    const regex = new RegExp(`^${glob.split('**').map((part) => part.replace(/[.+^${}()|[\]]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')).join('.*')}$`);
    if (ancestors.some((ancestor) => regex.test(ancestor))) included = negated;
  }
  return included;
}

const instructions = parseDockerfile(readText(DOCKERFILE));
const globalArgs = Object.fromEntries(
  instructions.slice(0, instructions.findIndex(({ keyword }) => keyword === 'FROM'))
    .filter(({ keyword }) => keyword === 'ARG')
    .map(({ args }) => args.split('=') as [string, string]),
);
const stages = instructions.reduce<Instruction[][]>((all, instruction) => (instruction.keyword === 'FROM' ? [...all, [instruction]] : all.length ? [...all.slice(0, -1), [...all.at(-1)!, instruction]] : all), []);
const finalStage = stages.at(-1)!;
const args = (keyword: string, stage = finalStage) => stage.filter((instruction) => instruction.keyword === keyword).map((instruction) => instruction.args);

describe(DOCKERFILE, () => {
  let services: DeployedService[];
  let buildDir: string;
  beforeAll(async () => {
    services = await deployedServices();
    buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'leads-docker-'));
  });
  afterAll(() => fs.rmSync(buildDir, { recursive: true, force: true }));

  it('builds every stage on Node 24', () => {
    const images = stages.map(([from]) => from.args.split(/\s+/)[0].replace(/^\$\{(\w+)\}$/, (_, name: string) => globalArgs[name]));
    for (const image of images) expect(image).toMatch(/^node:24([.-]|$)/);
  });

  it('runs as an unprivileged user, with a HEALTHCHECK on /health/ready and the entry point of the service', () => {
    const user = args('USER').at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(args('HEALTHCHECK')).toEqual([expect.stringMatching(/CMD \["node", "healthcheck\.mjs"\]$/)]);
    expect(readText('deploy/docker/healthcheck.mjs')).toContain('/health/ready');
    expect(args('ENTRYPOINT')).toEqual(['["node", "--enable-source-maps", "main.js"]']);
    expect(args('ENV').join(' ')).toMatch(/\bPORT=\$\{PORT\}/);
    expect(args('EXPOSE')).toEqual(['${PORT}']);
  });

  it('copies only files that exist and that .dockerignore leaves in the build context', () => {
    const sources = stages.flat().filter(({ keyword, args: text }) => keyword === 'COPY' && !text.startsWith('--from')).flatMap(({ args: text }) => text.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      const file = source.replace(/\/$/, '');
      expect({ source, exists: fs.existsSync(path.join(REPO, file)), inContext: inBuildContext(file) }).toEqual({ source, exists: true, inContext: true });
    }
  });

  it("builds each service's entry point and production dependencies as its RUN steps do", () => {
    // The build stage's steps, here: compile with swc (the options of `npm run build`), then production-deps.mjs.
    const compile = args('RUN', stages[0]).find((text) => text.includes('swc.js'));
    expect(compile).toContain('--config-file .swcrc');
    expect(JSON.parse(readText('package.json')).scripts.build).toContain('--config-file .swcrc');
    execFileSync(process.execPath, ['node_modules/@swc/cli/bin/swc.js', 'libs', 'services', '-d', path.join(buildDir, 'build'), '--config-file', '.swcrc', '-q'], { cwd: REPO });

    const link = /ln -s "([^"]+)" main\.js/.exec(args('RUN').join('\n'));
    expect(link).not.toBeNull();
    expect(args('COPY')).toContain('--from=build /out/dist ./dist');
    const { dependencies: production } = JSON.parse(readText('package.json')) as { dependencies: Record<string, string> };
    for (const service of services) {
      const out = path.join(buildDir, 'out', service.name);
      execFileSync(process.execPath, ['deploy/docker/production-deps.mjs', path.join(buildDir, 'build'), service.name, out], { cwd: REPO, stdio: 'pipe' });
      const entry = link![1].replace('${SERVICE}', service.name);
      expect({ service: service.name, entry, built: fs.existsSync(path.join(out, entry)) }).toEqual({ service: service.name, entry, built: true });
      const { dependencies } = JSON.parse(fs.readFileSync(path.join(out, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
      expect(Object.keys(dependencies)).toContain(service.schema ? '@nestjs/core' : 'fastify');
      // The services deployed for real need nothing from devDependencies.
      if (service.schema) expect({ service: service.name, notProduction: Object.keys(dependencies).filter((name) => !production[name]) }).toEqual({ service: service.name, notProduction: [] });
    }
  });
});
