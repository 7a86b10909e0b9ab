/**
 * The README's first screen gives the two fresh-machine commands, and they are true as
 * written: the npm scripts exist, and so do the files they run.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..');
const firstScreen = readFileSync(path.join(REPO, 'README.md'), 'utf8').split('\n').slice(0, 40).join('\n');
const scripts = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

test('the first screen gives the demo command, and `npm run demo` exists and runs demo/main.ts', () => {
  expect(firstScreen).toContain('`npm ci && npm run demo`');
  expect(scripts.demo).toMatch(/demo\/main\.ts/);
  const entry = /(\S*demo\/main\.ts)/.exec(scripts.demo)![1];
  expect(existsSync(path.join(REPO, entry))).toBe(true);
});

test('the first screen gives the test commands, and they exist', () => {
  expect(firstScreen).toContain('`bash .ci/run`');
  expect(firstScreen).toContain('`npm ci && npm test`');
  expect(scripts.test).toBeTruthy();
  const ci = readFileSync(path.join(REPO, '.ci', 'run'), 'utf8');
  expect(ci).toMatch(/^npm test\b/m);
});

test('the scripted demo named on the first screen exists', () => {
  expect(firstScreen).toContain('npm run demo -- --script demo/scenario-1.txt');
  expect(existsSync(path.join(REPO, 'demo', 'scenario-1.txt'))).toBe(true);
});

test('.env.example lists every variable the application reads', () => {
  const example = readFileSync(path.join(REPO, '.env.example'), 'utf8');
  const config = readFileSync(path.join(REPO, 'src', 'config.ts'), 'utf8');
  const read = new Set([...config.matchAll(/env\.([A-Z][A-Z0-9_]+)|env, '([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1] ?? m[2]));
  expect(read.size).toBeGreaterThan(10);
  for (const name of read) expect(example).toMatch(new RegExp(`^#?${name}=`, 'm'));
  for (const name of ['ARI_PASSWORD', 'PIN_PEPPER']) expect(example).toMatch(new RegExp(`^#?${name}_FILE=`, 'm'));
});

test('.env.example turns the health port on, so the install steps\' readiness check answers', () => {
  const example = readFileSync(path.join(REPO, '.env.example'), 'utf8');
  expect(example).toMatch(/^HTTP_PORT=8080$/m);
  expect(readFileSync(path.join(REPO, 'README.md'), 'utf8')).toContain('curl\n   http://127.0.0.1:8080/readyz');
});
