/** What the orchestrator adds to the protocol for agent runs (shared/src/protocol/agent-run.ts). */
import type { ControlFrame, DaemonFrame, RunGateFrame, RunTurnFrame } from '@openase/shared';
import type { SpecMaterializer } from '../runs/lifecycle.js';

export interface AgentRunHooks {
  materialize: SpecMaterializer;
  /** null = no answer yet (a chat run waits for the person's next message; it is sent later). */
  onTurn(machineId: string, frame: RunTurnFrame): Promise<ControlFrame | null>;
  onGate(machineId: string, frame: RunGateFrame): Promise<ControlFrame>;
  onWorkspaceRemoved(machineId: string, frame: Extract<DaemonFrame, { type: 'workspace.removed' }>): Promise<void>;
  onConnected(machineId: string): Promise<void>;
}
