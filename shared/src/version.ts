/**
 * The release version of OpenASE: the control plane, the CLI and the daemon of one release carry
 * the same one. It equals the root package.json's `version` (what `npm pack` names the package
 * by); control-plane/test/package.test.ts fails when the two differ.
 */
export const OPENASE_VERSION = '0.1.0';

/** Compares dotted release versions numerically (`0.10.0` > `0.9.1`); a pre-release tag sorts first. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core = '', pre] = v.trim().replace(/^v/, '').split('-', 2);
    return { parts: core.split('.').map((p) => Number.parseInt(p, 10) || 0), pre };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < Math.max(x.parts.length, y.parts.length); i++) {
    const d = (x.parts[i] ?? 0) - (y.parts[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre < y.pre ? -1 : 1;
}
