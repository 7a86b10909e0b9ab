import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot, shippedFolder } from '../src/package-files';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'package-files-'));
  writeFileSync(join(root, 'package.json'), '{}');
  mkdirSync(join(root, 'dist', 'src', 'store'), { recursive: true });
  mkdirSync(join(root, 'src', 'store', 'lua'), { recursive: true });
  writeFileSync(join(root, 'src', 'store', 'lua', 'probe.lua'), '');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const lua = (beside: string) => ({ beside, inSource: ['src', 'store', 'lua'], probe: 'probe.lua', what: 'store: Lua scripts', copyScript: 'copy-lua' });

test('the package root is the nearest folder up with a package.json', () => {
  expect(packageRoot(join(root, 'dist', 'src', 'store'))).toBe(root);
  expect(packageRoot(root)).toBe(root);
});

test('a folder beside the module wins; without it, the one under src/ of the package root', () => {
  const beside = join(root, 'dist', 'src', 'store', 'lua');
  expect(shippedFolder(lua(beside))).toBe(join(root, 'src', 'store', 'lua'));
  mkdirSync(beside);
  expect(shippedFolder(lua(beside))).toBe(join(root, 'src', 'store', 'lua')); // no probe file in it yet
  writeFileSync(join(beside, 'probe.lua'), '');
  expect(shippedFolder(lua(beside))).toBe(beside);
});

test('found nowhere: the error names both places and the copy script', () => {
  rmSync(join(root, 'src'), { recursive: true });
  const beside = join(root, 'dist', 'src', 'store', 'lua');
  expect(() => shippedFolder(lua(beside))).toThrow(`store: Lua scripts not found in ${beside} nor ${join(root, 'src', 'store', 'lua')} (run npm run copy-lua after the build)`);
});
