/** Text files imported with `?raw` (vitest natively; build.mjs's plugin in the bundle). */
declare module '*?raw' {
  const text: string;
  export default text;
}
