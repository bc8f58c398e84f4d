import type { BuildOptions } from 'esbuild';
export const agentCliEntry: string;
export function daemonBuildOptions(outfile: string): BuildOptions;
