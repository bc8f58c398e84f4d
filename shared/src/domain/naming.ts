/**
 * Derivations from user-given names. Pure, shared by the control plane (authoritative) and the
 * web (previews) so both agree: `Demo` → slug `demo`, prefix `DEMO`.
 */
export function slugFromName(name: string): string {
  return slugify(name, 50) || 'project';
}

/**
 * `text` in `[a-z0-9-]` only, at most `max` characters: accents dropped, every other run of characters one
 * dash, none at either end. Empty when nothing of `text` survives.
 */
function slugify(text: string, max: number): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/g, '');
}

export function ticketPrefixFromName(name: string): string {
  const letters = name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]/g, '')
    .toUpperCase();
  const prefix = letters.replace(/^[0-9]+/, '').slice(0, 6);
  return prefix || 'T';
}

/** `DEMO-42` → `{ prefix: 'DEMO', number: 42 }`; anything else → null. */
export function parseTicketIdentifier(ref: string): { prefix: string; number: number } | null {
  const m = /^([A-Za-z][A-Za-z0-9]*)-(\d{1,9})$/.exec(ref.trim());
  if (!m) return null;
  return { prefix: m[1]!.toUpperCase(), number: Number(m[2]) };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Entities are addressed by a human name or their uuid; this tells which one a reference is. */
export function isUuid(ref: string): boolean {
  return UUID.test(ref);
}

/**
 * The git branch a ticket's work lives on: `openase/<IDENTIFIER>-<slug of the title>`. Safe for
 * any title: only `[a-z0-9-]` survive in the slug (no quotes, `$(…)`, `..`, slashes, newlines,
 * control characters), at most 40 characters, so the name is a valid ref (`git check-ref-format`)
 * and needs no quoting in a shell. The identifier alone keeps it unique.
 */
export function ticketBranchName(identifier: string, title: string, prefix = 'openase'): string {
  const id = identifier.replace(/[^A-Za-z0-9-]/g, '').toUpperCase() || 'TICKET';
  const slug = slugify(title, 40);
  const safePrefix = prefix.replace(/[^A-Za-z0-9_-]/g, '') || 'openase';
  return slug ? `${safePrefix}/${id}-${slug}` : `${safePrefix}/${id}`;
}
