/** Locating ../shared/fixtures: tests that need it skip, saying so, when it is absent. */
import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = resolve(REPO_ROOT, '..', 'shared', 'fixtures');
export const HAVE_FIXTURES = existsSync(join(FIXTURES, 'astar-test1.blo'));

if (!HAVE_FIXTURES) {
  console.warn(`skipping fixture tests: ${FIXTURES} not found`);
}

export function fixturePath(name: string): string {
  return join(FIXTURES, name);
}

export function fixtureJson(name: string): any {
  return JSON.parse(readFileSync(fixturePath(name), 'utf8'));
}

export function sha256(bytes: ArrayBufferView): string {
  return createHash('sha256')
    .update(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    .digest('hex');
}
