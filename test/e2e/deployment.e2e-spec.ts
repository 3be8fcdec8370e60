import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { parse, parseDocument } from 'yaml';
import { EnvironmentVariables } from '@app/config';
import { eventually } from '../helpers/ccm-harness';
import { testPort } from '../helpers/ccm-process';

const ROOT = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** Every variable ccm's config module knows (class-validator metadata of the environment DTO). */
const KNOWN_VARIABLES = new Set(
  getMetadataStorage()
    .getTargetValidationMetadatas(EnvironmentVariables, '', true, false)
    .map((m) => m.propertyName),
);
const SHARED_SECRETS = [
  'AGENT_JWT_SECRET',
  'ADMIN_API_KEY',
  'FACEBOOK_APP_SECRET',
  'FACEBOOK_VERIFY_TOKEN',
  'FACEBOOK_PAGE_ACCESS_TOKEN',
  'CCM_ENCRYPTION_KEY',
];

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  restart?: string;
  ports?: string[];
  profiles?: string[];
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
}

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as {
    services: Record<string, Service>;
    volumes: Record<string, unknown>;
  };
  const services = compose.services;
  const replicas = Object.keys(services).filter((name) => /^ccm-\d+$/.test(name));

  it('should parse as YAML and define PostgreSQL, Redis, two ccm replicas, a proxy and the simulator profile', () => {
    expect(parseDocument(read('docker-compose.yml')).errors).toEqual([]);
    expect(Object.keys(services).sort()).toEqual(['ccm-1', 'ccm-2', 'postgres', 'proxy', 'redis', 'simulator']);
    expect(replicas).toHaveLength(2);
    expect(services.simulator.profiles).toEqual(['simulator']);
    for (const name of Object.keys(services)) expect(services[name].profiles === undefined || name === 'simulator').toBe(true);
  });

  it('should give every service a healthcheck and a restart policy, and start ccm only on healthy dependencies', () => {
    for (const [name, service] of Object.entries(services)) {
      expect([name, service.healthcheck?.test?.length ?? 0]).not.toEqual([name, 0]);
      expect([name, service.restart]).toEqual([name, 'unless-stopped']);
    }
    expect(services.postgres.healthcheck!.test.join(' ')).toContain('pg_isready');
    expect(services.redis.healthcheck!.test.join(' ')).toContain('redis-cli');
    for (const name of replicas) {
      expect(services[name].healthcheck!.test.join(' ')).toContain('/health/ready');
      expect(services[name].depends_on).toEqual({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
    }
    expect(services.proxy.healthcheck!.test.join(' ')).toContain('/health/ready');
    expect(Object.keys(services.proxy.depends_on ?? {}).sort()).toEqual(replicas);
  });

  it('should publish exactly one port, the proxy’s, which balances both replicas with WebSocket upgrade and stickiness', () => {
    const published = Object.entries(services).filter(([name, s]) => s.ports && name !== 'simulator');
    expect(published.map(([name]) => name)).toEqual(['proxy']);
    expect(services.proxy.ports).toEqual(['${CCM_PORT:-3000}:80']);
    const mount = services.proxy.volumes!.find((v) => v.includes('nginx.conf'))!;
    const nginx = read(mount.split(':')[0].replace(/^\.\//, ''));
    for (const name of replicas) expect(nginx).toContain(`server ${name}:3000`);
    expect(nginx).toMatch(/ip_hash;/);
    expect(nginx).toMatch(/proxy_set_header Upgrade \$http_upgrade;/);
    expect(nginx).toMatch(/proxy_set_header Connection \$connection_upgrade;/);
  });

  it('should only set variables the config module knows, and give every replica the same shared secrets from .env', () => {
    const simulatorOnly = new Set(['SIMULATOR_PORT', 'SIMULATOR_PUBLIC_URL', 'SIMULATOR_INTERNAL_URL', 'CCM_WEBHOOK_URL']);
    for (const name of [...replicas, 'simulator']) {
      for (const variable of Object.keys(services[name].environment ?? {})) {
        if (name === 'simulator' && simulatorOnly.has(variable)) continue;
        expect([name, variable, KNOWN_VARIABLES.has(variable)]).toEqual([name, variable, true]);
      }
    }
    const [first, ...others] = replicas.map((name) => services[name].environment!);
    for (const secret of SHARED_SECRETS) {
      expect(first[secret]).toMatch(new RegExp(`^\\$\\{${secret}(:\\?|:-)`));
      for (const other of others) expect(other[secret]).toBe(first[secret]);
    }
    // Required from .env with a clear message (compose stops before starting anything).
    for (const secret of SHARED_SECRETS.filter((s) => s !== 'CCM_ENCRYPTION_KEY')) expect(first[secret]).toMatch(/:\?set .+ in \.env/);
    // Media stored by one replica is served by the other: one volume at MEDIA_DIR for all of them.
    for (const name of replicas) {
      expect(services[name].environment!.MEDIA_DIR).toBe('/app/data/media');
      expect(services[name].volumes).toEqual(['media:/app/data/media']);
    }
    expect(compose.volumes).toHaveProperty('media');
    expect(first.DATABASE_URL).toContain('@postgres:5432/');
    expect(first.REDIS_URL).toBe('redis://redis:6379');
    expect(first.TRUST_PROXY).toBe('1');
  });

  it('should document in .env.example every variable compose requires', () => {
    const example = read('.env.example');
    const required = [...read('docker-compose.yml').matchAll(/\$\{(\w+):\?/g)].map((m) => m[1]);
    expect(required.length).toBeGreaterThan(3);
    for (const variable of new Set(required)) expect([variable, example.includes(variable)]).toEqual([variable, true]);
    expect(example).toMatch(/docker compose/);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = [...dockerfile.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\w+))?/gim)].map((m) => ({ image: m[1], name: m[2] }));

  it('should be multi-stage on a pinned Node 20 that satisfies package.json engines, and run as a non-root user', () => {
    expect(stages.map((s) => s.name)).toEqual(['deps', 'build', 'runtime']);
    const image = /ARG NODE_IMAGE=(\S+)/.exec(dockerfile)![1];
    const [, major, minor] = /^node:(\d+)\.(\d+)\.\d+-/.exec(image)!.map(Number);
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    const [, wantMajor, wantMinor] = /^>=(\d+)\.(\d+)/.exec(engines)!.map(Number);
    expect(major).toBe(20); // better-sqlite3@12 needs Node 20
    expect(major > wantMajor || (major === wantMajor && minor >= wantMinor)).toBe(true);
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    expect(runtime).toMatch(/^USER node$/m);
    // Liveness in the image (a runtime restarts on it); readiness in compose (gates the proxy).
    expect(runtime).toMatch(/HEALTHCHECK[^\n]*\\\n[^\n]*\/health\/live/);
    expect(runtime).toMatch(/mkdir -p \/app\/data\/media && chown -R node:node \/app\/data/);
  });

  it('should keep secrets, local databases and the host’s node_modules out of the build context', () => {
    const ignore = read('.dockerignore')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    for (const entry of ['node_modules', '.env', 'data', '**/*.sqlite', 'dist', '.git']) expect(ignore).toContain(entry);
  });

  it('should build the same dist as its build stage: the COPYed sources, `npm run build`, and the result starts', async () => {
    const build = dockerfile.slice(dockerfile.indexOf('AS build'), dockerfile.indexOf('AS runtime'));
    const deps = dockerfile.slice(dockerfile.indexOf('AS deps'), dockerfile.indexOf('AS build'));
    const copied = [...`${deps}\n${build}`.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(/\s+/));
    expect(build).toMatch(/RUN npm run build/);
    const ignored = read('.dockerignore')
      .split('\n')
      .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'));
    const isIgnored = (path: string) =>
      ignored.some((pattern) => {
        const re = new RegExp(
          `^${pattern
            .replace(/\./g, '\\.')
            .replace(/\*\*\//g, '(.*/)?')
            .replace(/\*/g, '[^/]*')}(/.*)?$`,
        );
        return re.test(path);
      });

    // The build context as Docker sees it, holding only what the build stage copies.
    const context = mkdtempSync(join(tmpdir(), 'ccm-docker-build-'));
    try {
      for (const source of copied) {
        cpSync(join(ROOT, source), join(context, source), {
          recursive: true,
          filter: (from) => from === join(ROOT, source) || !isIgnored(relative(ROOT, from)),
        });
      }
      expect(existsSync(join(context, '.env'))).toBe(false);
      symlinkSync(join(ROOT, 'node_modules'), join(context, 'node_modules')); // what `npm ci` installs in the deps stage

      const run = (args: string[], env: Record<string, string> = {}) =>
        new Promise<{ code: number | null; out: string }>((resolve) => {
          const child = spawn(args[0], args.slice(1), { cwd: context, env: { PATH: process.env.PATH ?? '', HOME: context, ...env } });
          let out = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.stderr.on('data', (d: Buffer) => (out += d.toString()));
          child.on('exit', (code) => resolve({ code, out }));
        });
      const built = await run(['npm', 'run', 'build']);
      expect([built.code, built.out.slice(-2000)]).toEqual([0, expect.any(String)]);
      const files = walk(join(context, 'dist'));
      expect(files).toContain('dist/apps/ccm/apps/ccm/src/main.js');
      expect(files).toContain('dist/apps/ccm/apps/simulator/src/main.js');
      expect(files).toContain('dist/apps/ccm/libs/bot/src/data/intents.json');
      expect(files).toContain('dist/desk-web/index.html'); // the desk web app is part of the image too
      expect(files.filter((f) => /\.spec\.js$/.test(f))).toEqual([]);
      // The built entry point loads every module and validates the environment (it exits before listening).
      const started = await run(['node', 'dist/apps/ccm/apps/ccm/src/main.js'], { PORT: 'abc', NODE_ENV: 'production' });
      expect(started.code).toBe(1);
      expect(started.out).toContain('PORT: must be a whole number from 0 to 65535 (got "abc")');

      // `npm start` on this tree (the README's first command once `npm ci` is done): nothing is rebuilt,
      // a changed spec file does not count, and the demo comes up with its one banner.
      const future = new Date(Date.now() + 1000);
      utimesSync(join(context, 'apps', 'ccm', 'src', 'schema.spec.ts'), future, future);
      const port = testPort();
      const demo = spawn('npm', ['start'], {
        cwd: context,
        env: { PATH: process.env.PATH ?? '', HOME: context, PORT: String(port) },
        detached: true, // its own process group: npm, its shell and ccm are stopped together
      });
      let out = '';
      demo.stdout.on('data', (d: Buffer) => (out += d.toString()));
      demo.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise((resolve) => demo.once('exit', resolve));
      try {
        await eventually(
          async () => out.includes('Demo login:') || (demo.exitCode !== null && Promise.reject(new Error(out))),
          60_000,
          200,
        );
        expect(out).toContain('ccm: build is up to date (dist/), starting');
        expect(out).toContain('desk web app is up to date');
        expect(out).not.toContain('ccm: building');
        expect(out).toContain(`Messenger simulator: http://127.0.0.1:${port + 1}/`);
        expect(out).toMatch(/Demo login:\s+demo \/ demo-agent-password/);
        // The simulator's page is found from dist/ too.
        expect(await (await fetch(`http://127.0.0.1:${port + 1}/`)).text()).toContain('Messenger simulator');
      } finally {
        try {
          process.kill(-demo.pid!, 'SIGTERM');
        } catch {
          /* already stopped */
        }
        await exited;
      }
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
  }, 240_000);
});

function walk(dir: string, base = join(dir, '..')): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path, base) : [relative(base, path)];
  });
}
