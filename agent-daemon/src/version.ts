/** The daemon's version, reported in hello (the control plane shows it in the fleet view). */
export const DAEMON_VERSION = '0.1.0';
