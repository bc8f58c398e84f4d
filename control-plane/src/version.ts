import { OPENASE_VERSION } from '@openase/shared';

/** This control plane's release version (one for the whole release: shared/src/version.ts). */
export const VERSION = OPENASE_VERSION;
