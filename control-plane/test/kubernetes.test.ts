/**
 * deploy/kubernetes (kustomize: N control planes on one PostgreSQL, docs/operations.md) checked
 * against the server it deploys — no cluster is reachable here. Rendered with `kubectl kustomize`
 * where kubectl is installed (else the files are read as listed); then: the probes ask the path and
 * port the server serves, every variable set is one the server reads, the database URL and the
 * secret key come from the one Secret, the user is the image's, the tag is this release's; and a
 * real server started with the manifest's environment answers the probe, migrations applied.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse } from 'yaml';
// @ts-expect-error plain ESM helper without types
import { root } from '../../scripts/lib/bootstrap.mjs';
import { buildBundles, startControlPlane, tempDir, type ControlPlane } from '@openase/test-kit/fleet-harness';
import { postgresUrl, createScratchPostgres } from '@openase/test-kit/databases';

const dir = path.join(root as string, 'deploy', 'kubernetes');
// Manifests are free-form YAML: read loosely, checked by the assertions.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = { kind: string; metadata: { name: string }; spec: any };

function render(): { docs: Doc[]; rendered: boolean } {
  const kubectl = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 60_000 });
  if (kubectl.status === 0)
    return { docs: parseAllDocuments(kubectl.stdout).map((d) => d.toJS() as Doc), rendered: true };
  const kustomization = parse(fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
  const docs = kustomization.resources.flatMap((file) =>
    parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8')).map((d) => d.toJS() as Doc),
  );
  return { docs, rendered: false };
}

const sources = fs
  .readdirSync(path.join(root as string, 'control-plane', 'src'), { recursive: true, withFileTypes: true })
  .filter((f) => f.isFile() && f.name.endsWith('.ts'))
  .map((f) => fs.readFileSync(path.join(f.parentPath, f.name), 'utf8'))
  .join('\n');

describe('the Kubernetes manifests', () => {
  const { docs, rendered } = render();
  const of = (kind: string) => {
    const doc = docs.find((d) => d.kind === kind);
    if (!doc) throw new Error(`no ${kind} in deploy/kubernetes`);
    return doc;
  };
  const deployment = of('Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const env = Object.fromEntries(
    (container.env as Array<{ name: string; value?: string; valueFrom?: unknown }>).map((e) => [e.name, e]),
  );
  let cp: ControlPlane | null = null;
  let scratch: { drop(): Promise<void> } | null = null;
  afterAll(async () => {
    await cp?.proc.kill();
    await scratch?.drop();
  });

  it('run several replicas, probed on the health path and port the server serves', () => {
    if (!rendered) console.warn('kubectl not installed: manifests read as listed, not rendered by kustomize');
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(1);
    const port = container.ports.find((p: { name: string }) => p.name === 'http');
    expect(String(port.containerPort)).toBe(env.OPENASE_PORT!.value);
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect(container[probe].httpGet, probe).toEqual({ path: '/api/health', port: 'http' });
    }
    expect(sources).toContain("app.get('/api/health'");
    // The Service, the Ingress and the budget reach these pods by name and labels.
    const labels = deployment.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(of('Service').spec.selector)) expect(labels[k]).toBe(v);
    for (const [k, v] of Object.entries(of('PodDisruptionBudget').spec.selector.matchLabels)) expect(labels[k]).toBe(v);
    expect(of('Service').spec.ports[0].targetPort).toBe('http');
    expect(of('Ingress').spec.rules[0].http.paths[0].backend.service).toEqual({
      name: of('Service').metadata.name,
      port: { name: 'http' },
    });
  });

  it('set only variables the server reads, with the database URL and secret key from one Secret', () => {
    for (const name of Object.keys(env)) expect(sources, `${name} is read by the server`).toContain(name);
    const secretName = (env.DATABASE_URL!.valueFrom as { secretKeyRef: { name: string } }).secretKeyRef.name;
    const keyVolume = pod.volumes.find((v: { secret?: unknown }) => v.secret);
    expect(keyVolume.secret.secretName).toBe(secretName);
    // The init container leaves <OPENASE_HOME>/secret.key, mode 0600, as the server wants it.
    const init = pod.initContainers[0];
    expect(init.command).toEqual([
      'install',
      '-m',
      '600',
      `/etc/openase/${keyVolume.secret.items[0].path}`,
      `${env.OPENASE_HOME!.value}/secret.key`,
    ]);
    expect(sources).toMatch(/SECRET_KEY_FILE = 'secret\.key'/);
  });

  it('run the image of deploy/Dockerfile as its user, tagged with this release', () => {
    const dockerfile = fs.readFileSync(path.join(root as string, 'deploy', 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`--uid ${pod.securityContext.runAsUser} `);
    const version = (
      JSON.parse(fs.readFileSync(path.join(root as string, 'package.json'), 'utf8')) as { version: string }
    ).version;
    if (rendered) expect(container.image).toBe(`openase:${version}`);
    expect(container.command).toEqual(['openase']);
    expect(dockerfile).toContain(`CMD ["openase", ${container.args.map((a: string) => `"${a}"`).join(', ')}]`);
  });

  it("answer the probe once migrations are applied, started with the manifest's environment", async () => {
    buildBundles();
    const home = tempDir('k8s-home');
    const plain = Object.fromEntries(Object.entries(env).flatMap(([k, e]) => (e.value ? [[k, e.value]] : [])));
    let databaseUrl: string | null = null;
    if (postgresUrl) {
      const s = await createScratchPostgres(postgresUrl);
      scratch = s;
      databaseUrl = s.url;
    }
    // The port, home and public URL are the test's own (a free port, a temp folder, its address).
    const own = { OPENASE_HOME: home, OPENASE_PUBLIC_URL: '' };
    cp = await startControlPlane(home, { databaseUrl, env: { ...plain, ...own } });
    const res = await fetch(`${cp.url}${container.readinessProbe.httpGet.path}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, migrations: 'applied' });
  }, 120_000);
});
