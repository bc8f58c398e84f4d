import { PROTOCOL_VERSION, type ControlFrame } from '@openase/shared/protocol/messages';
import { compareVersions, OPENASE_VERSION } from '@openase/shared/version';

/** The daemon's version, reported in hello (the control plane shows it in the fleet view). */
export const DAEMON_VERSION = OPENASE_VERSION;

/**
 * What the daemon says when the control plane that welcomed it is newer: a newer protocol it
 * still accepts this daemon under, or a newer release. Null when the daemon is current.
 */
export function describeBehind(
  welcome: Extract<ControlFrame, { type: 'welcome' }>,
  own = { version: DAEMON_VERSION, protocol: PROTOCOL_VERSION },
): string | null {
  const upgrade =
    'upgrade it (openase-agent from the same release, or the install script at <control plane>/agent/install.sh)';
  if (welcome.protocol.max > own.protocol)
    return `this daemon speaks protocol ${own.protocol}, the control plane up to ${welcome.protocol.max}: ${upgrade}`;
  if (welcome.version && compareVersions(own.version, welcome.version) < 0)
    return `this daemon (${own.version}) is older than the control plane (${welcome.version}): ${upgrade}`;
  return null;
}
