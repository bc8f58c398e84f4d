export function formatCost(usd: number | null | undefined): string {
  if (usd == null) return '—';
  return usd < 0.01 && usd > 0 ? '<$0.01' : `$${usd.toFixed(2)}`;
}

export function formatTime(value: Date | string): string {
  const date = new Date(value);
  const diff = (Date.now() - date.getTime()) / 1000;
  // A time to come (an invitation's expiry): "in 5 min", "in 3 h", else its date.
  if (diff < -60) {
    const ahead = -diff;
    if (ahead < 3600) return `in ${Math.round(ahead / 60)} min`;
    if (ahead < 86400) return `in ${Math.round(ahead / 3600)} h`;
    return date.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
  }
  if (diff < 60) return 'just now';
  if (diff < 3600) return `${Math.floor(diff / 60)} min ago`;
  if (diff < 86400) return `${Math.floor(diff / 3600)} h ago`;
  return date.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

export function fullTime(value: Date | string): string {
  return new Date(value).toLocaleString();
}
