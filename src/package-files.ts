/**
 * Files the package ships beside its code (the store's Lua scripts, the page's assets) and its
 * own package.json. A shipped folder is found next to the module that needs it (true under
 * ts-jest, and in dist/ after the build's copy step), else in the same place under src/ of the
 * package root (a dist/ build run from a checkout before the copy).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The nearest folder at or above `start` that holds a package.json. */
export function packageRoot(start: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

export interface ShippedFolder {
  /** The folder next to the module that needs it (`join(__dirname, 'lua')`). */
  beside: string;
  /** The same folder's path under the package root, e.g. `['src', 'store', 'lua']`. */
  inSource: string[];
  /** A file the folder must hold to count as found. */
  probe: string;
  /** For the error: what is missing and which npm script copies it (`store: Lua scripts`, `copy-lua`). */
  what: string;
  copyScript: string;
}

export function shippedFolder(folder: ShippedFolder): string {
  if (existsSync(join(folder.beside, folder.probe))) return folder.beside;
  const root = packageRoot(folder.beside);
  const inSource = root ? join(root, ...folder.inSource) : undefined;
  if (inSource && existsSync(join(inSource, folder.probe))) return inSource;
  throw new Error(`${folder.what} not found in ${folder.beside}${inSource ? ` nor ${inSource}` : ''} (run npm run ${folder.copyScript} after the build)`);
}
