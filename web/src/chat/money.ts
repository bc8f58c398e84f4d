/** `$0.0123`: conversation costs are small, so four decimals. */
export function formatUsd(usd: number): string {
  return `$${usd.toFixed(usd >= 10 ? 2 : 4)}`;
}
