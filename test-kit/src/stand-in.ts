/**
 * The stand-in agent (stand-in-agent.mjs beside this file): a scripted program that speaks the custom
 * adapter's JSON lines, run by tests, demos and benchmarks in place of a real agent CLI.
 */
import { fileURLToPath } from 'node:url';

export const STAND_IN_AGENT = fileURLToPath(new URL('./stand-in-agent.mjs', import.meta.url));
