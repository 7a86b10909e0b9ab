import * as fs from 'node:fs';
import * as path from 'node:path';
import { DockerfileParser, Instruction } from 'dockerfile-ast';

const ROOT = path.resolve(__dirname, '..', '..');
const dockerfile = DockerfileParser.parse(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
const froms = dockerfile.getFROMs();
const line = (i: Instruction): number => i.getRange().start.line;
/** The instructions of the stage that starts at FROM number `n`. */
const stage = (n: number): Instruction[] => {
  const start = line(froms[n]);
  const end = n + 1 < froms.length ? line(froms[n + 1]) : Infinity;
  return dockerfile.getInstructions().filter((i) => line(i) > start && line(i) < end);
};
const finalStage = stage(froms.length - 1);
const of = (instructions: Instruction[], keyword: string): Instruction[] => instructions.filter((i) => i.getKeyword() === keyword);
const args = (i: Instruction): string[] => i.getArguments().map((a) => a.getValue());
/** Exec-form JSON arrays (CMD ["npm","start"]) as a list of strings. */
const jsonArgs = (i: Instruction): string[] => JSON.parse(i.getArgumentsContent() ?? '[]') as string[];

/**
 * .dockerignore with Docker's rules: patterns are paths from the context root with * ? and **,
 * a pattern also excludes everything below a matching directory, "!" re-includes, last match wins.
 */
function dockerIgnored(relPath: string): boolean {
  const patterns = fs
    .readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const toRegex = (glob: string): RegExp =>
    new RegExp(
      `^${glob
        .replace(/^\/+|\/+$/g, '')
        .split('**')
        .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))
        .join('.*')}$`,
    );
  const segments = relPath.split('/');
  const candidates = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    const regex = toRegex(negated ? pattern.slice(1) : pattern);
    // A negation re-includes only what it names (and below); an exclusion covers children too.
    if (candidates.some((c) => regex.test(c))) ignored = !negated;
  }
  return ignored;
}

describe('Dockerfile', () => {
  test('is multi-stage from a Node 20 image', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const argDefaults = new Map(dockerfile.getInitialARGs().map((a) => [a.getProperty()?.getName(), a.getProperty()?.getValue()]));
    for (const from of froms) {
      const image = (from.getImageName() ?? '').replace(/^\$\{?(\w+)\}?$/, (_m, name: string) => argDefaults.get(name) ?? '');
      expect(image).toMatch(/^node:20[-.]/);
    }
  });

  test('the build stage installs every dependency and compiles', () => {
    const runs = of(stage(0), 'RUN').map((r) => r.getArgumentsContent() ?? '');
    expect(runs.some((r) => /\bnpm ci\b/.test(r) && !r.includes('--omit=dev'))).toBe(true);
    expect(runs.some((r) => r.includes('npm run build'))).toBe(true);
  });

  test('the final stage installs production dependencies only and copies the compiled dist/', () => {
    const runs = of(finalStage, 'RUN').map((r) => r.getArgumentsContent() ?? '');
    expect(runs.some((r) => /\bnpm ci\b/.test(r) && r.includes('--omit=dev'))).toBe(true);
    const finalLines = new Set(finalStage.map(line));
    const copies = dockerfile
      .getCOPYs()
      .filter((c) => finalLines.has(line(c)))
      .map((c) => ({ from: c.getFromFlag()?.getValue(), args: args(c) }));
    expect(copies).toContainEqual({ from: 'build', args: ['/app/dist', './dist'] });
  });

  test('the final stage runs as a non-root user', () => {
    const users = of(finalStage, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = args(users[users.length - 1])[0];
    expect(user).not.toMatch(/^(root|0)(:.*)?$/);
  });

  test('production environment and HTTP_PORT=8080', () => {
    const env = new Map(
      of(finalStage, 'ENV').flatMap((e) => dockerfile.getENVs().filter((x) => line(x) === line(e)).flatMap((x) => x.getProperties().map((p) => [p.getName(), p.getValue()]))),
    );
    expect(env.get('NODE_ENV')).toBe('production');
    expect(env.get('HTTP_PORT')).toBe('8080');
  });

  test('a HEALTHCHECK asks /readyz (not /healthz) on HTTP_PORT with node (no curl in the slim image)', () => {
    const checks = of(finalStage, 'HEALTHCHECK');
    expect(checks).toHaveLength(1);
    const text = checks[0].getArgumentsContent() ?? '';
    expect(text).toMatch(/CMD \[\s*"node"/);
    expect(text).toContain("path:'/readyz'");
    expect(text).not.toContain("path:'/healthz'");
    expect(text).toContain('HTTP_PORT');
    expect(text).toContain('127.0.0.1');
  });

  test('CMD starts the app with npm start', () => {
    const cmds = of(finalStage, 'CMD');
    expect(cmds).toHaveLength(1);
    expect(jsonArgs(cmds[0])).toEqual(['npm', 'start']);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toMatch(/^node dist\//);
  });

  test('everything the build copies from the context exists and is not excluded by .dockerignore', () => {
    const sources = dockerfile
      .getCOPYs()
      .filter((c) => !c.getFromFlag())
      .flatMap((c) => args(c).slice(0, -1));
    expect(sources.length).toBeGreaterThan(3);
    for (const source of sources) {
      expect({ source, exists: fs.existsSync(path.join(ROOT, source)) }).toEqual({ source, exists: true });
      expect({ source, ignored: dockerIgnored(source) }).toEqual({ source, ignored: false });
    }
  });
});

describe('.dockerignore', () => {
  test.each(['.env', 'node_modules/ari-client/package.json', '.git/HEAD', 'dist/src/main.js', 'sounds/en/voice-portal/welcome.wav', 'test/support/redis.ts'])(
    'keeps %s out of the build context',
    (p) => expect(dockerIgnored(p)).toBe(true),
  );
  test.each(['src/config.ts', 'src/store/lua/reserve_attempt.lua', 'package-lock.json'])('lets %s in', (p) =>
    expect(dockerIgnored(p)).toBe(false),
  );
});
