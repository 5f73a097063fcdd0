// The package's entry points name what the compiled build lays out: `seer-runs/client` is
// dist/src/client/index.js with its declarations, and the `seer-runs` bin is the CLI shim.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compiledEntry } from '../../src/stack/compiled-build';

const ROOT = join(__dirname, '../..');
const read = (file: string) =>
  JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as Record<string, unknown>;

describe('package entry points', () => {
  it('seer-runs/client is the compiled client, with the declarations the build emits', () => {
    const { exports } = read('package.json') as { exports: Record<string, Record<string, string>> };
    const built = `./${compiledEntry('src/client/index.ts')}`;
    expect(exports['./client']).toEqual({
      types: built.replace(/\.js$/, '.d.ts'),
      default: built,
    });
    const build = read('tsconfig.build.json') as { compilerOptions: { declaration?: boolean } };
    expect(build.compilerOptions.declaration).toBe(true);
  });

  it('the seer-runs bin is the shim that runs the CLI, from its source or its build', () => {
    const { bin } = read('package.json') as { bin: Record<string, string> };
    expect(bin).toEqual({ 'seer-runs': 'bin/seer-runs' });
    const shim = readFileSync(join(ROOT, bin['seer-runs']!), 'utf8');
    expect(shim.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(shim).toContain(`'${compiledEntry('src/cli/main.ts')}'`);
    expect(existsSync(join(ROOT, 'src/cli/main.ts'))).toBe(true);
  });
});
