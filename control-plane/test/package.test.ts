/** The release: one version for the package, the control plane, the CLI and the daemon. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPENASE_VERSION } from '@openase/shared';
// @ts-expect-error plain ESM helper without types
import { root } from '../../scripts/lib/bootstrap.mjs';

const repoRoot = root as string;

describe('the release version', () => {
  it('is the root package.json version (what npm pack names the package by)', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect(OPENASE_VERSION).toBe(pkg.version);
  });
});
