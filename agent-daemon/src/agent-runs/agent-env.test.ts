import { describe, expect, it } from 'vitest';
import type { AgentJobSpec } from '@openase/shared/protocol/agent-run';
import { agentProcessEnv, openaseEnv } from './agent-env.js';

const spec = {
  ticket: { id: 'tid', identifier: 'DEMO-3', title: 'T $(x)', branch: 'openase/DEMO-3-t-x' },
  project: { slug: 'demo' },
  attempt: 2,
  platform: { url: 'http://cp:8080', token: 'oar_t' },
  agent: { env: { API_KEY: 'k' } },
} as unknown as AgentJobSpec;
const facts = { runId: 'r9', spec, workspace: '/w/tickets/DEMO-3', wrapper: '/w/tickets/DEMO-3/.openase/bin/openase' };

describe('agent environment', () => {
  it('tells the agent and hooks about the run as OPENASE_* variables', () => {
    expect(openaseEnv(facts)).toEqual({
      OPENASE_TICKET: 'DEMO-3',
      OPENASE_TICKET_ID: 'tid',
      OPENASE_TICKET_TITLE: 'T $(x)',
      OPENASE_BRANCH: 'openase/DEMO-3-t-x',
      OPENASE_PROJECT: 'demo',
      OPENASE_RUN: 'r9',
      OPENASE_WORKSPACE: '/w/tickets/DEMO-3',
      OPENASE_ATTEMPT: '2',
      OPENASE_URL: 'http://cp:8080',
      OPENASE_TOKEN: 'oar_t',
      OPENASE_CLI: '/w/tickets/DEMO-3/.openase/bin/openase',
    });
  });

  it("keeps the spec's env and puts the wrapper's folder first on PATH (the spec's PATH when it has one)", () => {
    expect(agentProcessEnv(facts, '/usr/bin:/bin')).toMatchObject({
      API_KEY: 'k',
      PATH: '/w/tickets/DEMO-3/.openase/bin:/usr/bin:/bin',
    });
    const own = { ...facts, spec: { ...spec, agent: { env: { PATH: '/opt/tools' } } } as unknown as AgentJobSpec };
    expect(agentProcessEnv(own, '/usr/bin').PATH).toBe('/w/tickets/DEMO-3/.openase/bin:/opt/tools');
  });
});
