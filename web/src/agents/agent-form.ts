/** The agent form's text fields ↔ API values (args one per line, env as KEY=value lines). */
export function parseEnvLines(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`"${line}" is not KEY=value`);
    env[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return env;
}

export function envLines(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
}

export function parseLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

export function parseLabels(text: string): string[] {
  return text
    .split(',')
    .map((l) => l.trim())
    .filter(Boolean);
}

export interface PricingFields {
  input: string;
  output: string;
  cached: string;
}
export interface Pricing {
  input: number;
  output: number;
  cached: number;
}

/** The pricing fields as shown: USD per million tokens, blank when unknown. */
export function pricingFields(pricing: Pricing | undefined): PricingFields {
  const show = (n: number | undefined) => (n === undefined ? '' : String(n));
  return { input: show(pricing?.input), output: show(pricing?.output), cached: show(pricing?.cached) };
}

/**
 * The three price fields → the API's `pricing`: all blank is `undefined` (the server uses the
 * model's list price), otherwise all three are needed, each a number of dollars ≥ 0.
 */
export function parsePricing(fields: PricingFields): Pricing | undefined {
  const entries = (['input', 'output', 'cached'] as const).map((k) => [k, fields[k].trim()] as const);
  if (entries.every(([, v]) => v === '')) return undefined;
  const names = { input: 'input', output: 'output', cached: 'cached input' };
  const pricing = { input: 0, output: 0, cached: 0 };
  for (const [key, text] of entries) {
    const value = Number(text);
    if (text === '' || !Number.isFinite(value) || value < 0)
      throw new Error(`the price of ${names[key]} tokens must be a number of dollars (0 or more)`);
    pricing[key] = value;
  }
  return pricing;
}
