/**
 * Reads Prometheus text format with the reference parser of the official Python client
 * (Debian's python3-prometheus-client, installed by .ci/run): every family with its samples.
 */
import { spawnSync } from 'node:child_process';

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface PromFamily {
  name: string;
  type: string;
  samples: PromSample[];
}

const PYTHON = '/usr/bin/python3';
const SCRIPT = `
import json, math, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for f in text_string_to_metric_families(sys.stdin.read()):
    out.append({"name": f.name, "type": f.type, "samples": [
        {"name": s.name, "labels": s.labels, "value": s.value if math.isfinite(s.value) else str(s.value)}
        for s in f.samples]})
print(json.dumps(out))
`;

export function parsePrometheus(text: string): Map<string, PromFamily> {
  const r = spawnSync(PYTHON, ['-c', SCRIPT], { input: text, encoding: 'utf8' });
  if (r.error || r.status !== 0)
    throw new Error(
      `the Prometheus parser failed (${r.error?.message ?? r.stderr}); apt-get install python3-prometheus-client`,
    );
  return new Map((JSON.parse(r.stdout) as PromFamily[]).map((f) => [f.name, f]));
}

/** The value of the first sample named `name` whose labels include `labels`. */
export function sampleValue(
  families: Map<string, PromFamily>,
  family: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return families
    .get(family)
    ?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}
