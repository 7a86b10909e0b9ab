import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { parseAsteriskConf, setting } from './asterisk-conf';

const ROOT = path.resolve(__dirname, '..', '..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');

interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  env_file?: string | (string | { path: string })[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  ports?: (string | number | { host_ip?: string; published?: string | number; target?: number })[];
  network_mode?: string;
  depends_on?: string[] | Record<string, { condition?: string }>;
  profiles?: string[];
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parse(fs.readFileSync(COMPOSE_FILE, 'utf8')) as ComposeFile;
const service = (name: string): Service => {
  const s = compose.services[name];
  if (!s) throw new Error(`no service ${name}`);
  return s;
};
const words = (value: string | string[] | undefined): string[] => (Array.isArray(value) ? value : (value ?? '').split(/\s+/).filter(Boolean));
const environment = (s: Service): [string, string][] =>
  Array.isArray(s.environment)
    ? s.environment.map((e) => [e.split('=')[0], e.includes('=') ? e.slice(e.indexOf('=') + 1) : ''])
    : Object.entries(s.environment ?? {}).map(([k, v]) => [k, v === null ? '' : String(v)]);
const mounts = (s: Service): { source: string; target: string }[] =>
  (s.volumes ?? []).map((v) => {
    if (typeof v === 'string') {
      const [source, target] = v.split(':');
      return { source, target };
    }
    return { source: v.source ?? '', target: v.target ?? '' };
  });
/** ${NAME:-default} → default: what compose uses when .env does not set NAME. */
const withDefaults = (value: string): string => value.replace(/\$\{[A-Z_][A-Z0-9_]*:?-([^}]*)\}/g, '$1');

describe('docker-compose.yml', () => {
  test('has the services redis, app and asterisk', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['redis', 'app', 'asterisk']));
  });

  test('redis: a pinned redis 7 image, AOF persistence on a named volume, loopback-only port', () => {
    const redis = service('redis');
    expect(redis.image).toMatch(/^redis:7\.\d+\.\d+/);
    const command = words(redis.command);
    expect(command[command.indexOf('--appendonly') + 1]).toBe('yes');
    const data = mounts(redis).find((m) => m.target === '/data');
    expect(data).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(data!.source);
    for (const port of redis.ports ?? []) expect(String(port)).toMatch(/^127\.0\.0\.1:/);
  });

  test('by default only the app starts: the bundled Redis and Asterisk are behind the profiles redis and asterisk', () => {
    const byDefault = Object.entries(compose.services).filter(([, s]) => !s.profiles?.length).map(([name]) => name);
    expect(byDefault).toEqual(['app']);
    expect(service('redis').profiles).toEqual(['redis']);
    expect(service('asterisk').profiles).toEqual(['asterisk']);
    expect(service('asterisk-sounds').profiles).toEqual(['asterisk']);
    // A dependency on a service whose profile is off would make `docker compose up app` fail.
    expect(service('app').depends_on).toBeUndefined();
    // ... and every dependency of a profiled service is in one of its profiles.
    for (const [name, s] of Object.entries(compose.services)) {
      const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
      for (const dep of deps) expect({ name, dep, profiles: service(dep).profiles }).toEqual({ name, dep, profiles: s.profiles });
    }
  });

  test('the bundled Redis is published on loopback at REDIS_HOST_PORT (default 6379), for a host whose own Redis has that port', () => {
    expect(service('redis').ports).toEqual(['127.0.0.1:${REDIS_HOST_PORT:-6379}:6379']);
  });

  test('.env.example names every variable docker-compose.yml reads', () => {
    const example = fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8');
    const text = fs.readFileSync(COMPOSE_FILE, 'utf8').split('\n').filter((line) => !/^\s*#/.test(line)).join('\n');
    // $$NAME is the container shell's, not compose's
    const read = new Set([...text.matchAll(/(?<!\$)\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]));
    expect([...read]).toEqual(expect.arrayContaining(['ARI_PASSWORD', 'SIP_PASSWORD_1001', 'HTTP_PORT', 'REDIS_HOST_PORT']));
    for (const name of [...read, 'COMPOSE_PROFILES']) expect({ name, listed: new RegExp(`^#?${name}=`, 'm').test(example) }).toEqual({ name, listed: true });
  });

  test('asterisk: gets ARI_PASSWORD and a SIP_PASSWORD_<ext> for every change-me-<ext> phone of pjsip.conf, unset = empty (its entrypoint refuses; compose does not stop `up app`)', () => {
    const pjsip = fs.readFileSync(path.join(ROOT, 'asterisk-conf', 'pjsip.conf'), 'utf8');
    const phones = [...pjsip.matchAll(/^password\s*=\s*change-me-(\w+)\s*$/gm)].map((m) => m[1]);
    expect(phones).toEqual(['1001', '1002']);
    const env = Object.fromEntries(environment(service('asterisk')));
    expect(env).toEqual({
      ARI_PASSWORD: '${ARI_PASSWORD:-}',
      ...Object.fromEntries(phones.map((ext) => [`SIP_PASSWORD_${ext}`, `\${SIP_PASSWORD_${ext}:-}`])),
    });
  });

  test('app: built from this repository, configured from .env', () => {
    const app = service('app');
    expect(app.build).toBeDefined();
    const envFiles = [app.env_file ?? []].flat().map((e) => (typeof e === 'string' ? e : e.path));
    expect(envFiles).toContain('.env');
  });

  test('no service has a secret written into the file (only ${...} references)', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const [key, value] of environment(s)) {
        if (/PASSWORD|PEPPER|SECRET|TOKEN|KEY/i.test(key)) {
          expect({ service: name, key, value }).toEqual({ service: name, key, value: expect.stringMatching(/^\$\{[A-Z_][A-Z0-9_]*(:?[?-][^}]*)?\}$/) });
        }
      }
      // nor a credential inside a URL (redis://user:pass@...)
      for (const [key, value] of environment(s)) expect({ key, value }).not.toEqual({ key, value: expect.stringMatching(/\/\/[^/@\s]+:[^/@\s]+@/) });
    }
  });

  test('asterisk: a pinned image (a version tag, not latest)', () => {
    const image = withDefaults(service('asterisk').image ?? '');
    const tag = image.includes(':') ? image.slice(image.lastIndexOf(':') + 1) : '';
    expect(tag).toMatch(/^\d+\.\d+/);
    expect(image).not.toMatch(/latest/);
  });

  test('asterisk: mounts asterisk-conf and the en and fr prompts where sound:voice-portal/<id> finds them', () => {
    const asterisk = service('asterisk');
    const m = mounts(asterisk);
    const conf = m.find((x) => x.source.replace(/^\.\//, '').replace(/\/$/, '') === 'asterisk-conf');
    expect(conf).toBeDefined();
    for (const lang of ['en', 'fr']) {
      expect(m).toContainEqual({ source: `./sounds/${lang}/voice-portal`, target: `/var/lib/asterisk/sounds/${lang}/voice-portal` });
      expect(fs.existsSync(path.join(ROOT, 'sounds', lang, 'voice-portal'))).toBe(true);
    }
    // its entrypoint is the repository's script, seen through that mount
    const entry = words(asterisk.entrypoint).find((w) => w.startsWith(conf!.target));
    expect(entry).toBeDefined();
    expect(fs.existsSync(path.join(ROOT, 'asterisk-conf', path.relative(conf!.target, entry!)))).toBe(true);
    // stored recordings (greetings, messages) survive a re-creation of the container
    expect(m.find((x) => x.target === '/var/spool/asterisk')?.source).toMatch(/^[a-z][a-z0-9-]*$/);
  });

  test('the app shares the host network with Asterisk, whose ARI listens on loopback only', () => {
    const http = parseAsteriskConf(fs.readFileSync(path.join(ROOT, 'asterisk-conf', 'http.conf'), 'utf8'));
    const general = http.sections.find((s) => s.name === 'general')!;
    expect(setting(http, general, 'bindaddr')).toBe('127.0.0.1');
    expect(service('app').network_mode).toBe('host');
    expect(service('asterisk').network_mode).toBe('host');
    const example = fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8');
    expect(example).toMatch(new RegExp(`^ARI_URL=http://127\\.0\\.0\\.1:${setting(http, general, 'bindport')}$`, 'm'));
  });

  const composeBinary = ['docker-compose', 'docker'].find((bin) => {
    const args = bin === 'docker' ? ['compose', 'version'] : ['version'];
    return spawnSync(bin, args, { stdio: 'ignore', timeout: 10000 }).status === 0;
  });
  const validate = composeBinary ? test : test.skip;
  validate(`is accepted by \`${composeBinary ?? 'docker-compose'} config -q\`${composeBinary ? '' : ' (SKIPPED: no docker-compose binary on this machine)'}`, () => {
    // config needs the .env the file refers to: use .env.example with the required secret set.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vp-compose-'));
    try {
      fs.copyFileSync(COMPOSE_FILE, path.join(dir, 'docker-compose.yml'));
      const env = fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8').replace(/^ARI_PASSWORD=.*$/m, 'ARI_PASSWORD=0123456789abcdef0123');
      fs.writeFileSync(path.join(dir, '.env'), env);
      const config = (...rest: string[]) => {
        const args = [...(composeBinary === 'docker' ? ['compose'] : []), '-f', 'docker-compose.yml', 'config', ...rest];
        return spawnSync(composeBinary!, args, { cwd: dir, encoding: 'utf8', timeout: 20000 });
      };
      const result = config('-q');
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
      // REDIS_HOST_PORT from .env moves the bundled Redis's host port
      fs.writeFileSync(path.join(dir, '.env'), `${env}\nREDIS_HOST_PORT=6380\n`);
      const moved = config();
      expect(moved.status).toBe(0);
      expect(moved.stdout).toMatch(/127\.0\.0\.1:6380:6379/);
      expect(moved.stdout).not.toMatch(/:6379:6379/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
