/**
 * Ticket field names as a person reads them, for activity summaries (control plane) and the
 * console: `budgetUsd` → "budget". One list, so the server's summaries and the web agree.
 */
export const FIELD_WORDS: Readonly<Record<string, string>> = {
  budgetUsd: 'budget',
  parentId: 'parent',
  statusId: 'status',
  workflowId: 'workflow',
  archivedAt: 'archived',
  costUsd: 'cost',
};

/** `budgetUsd` → "budget", `nextRetryAt` → "next retry at". */
export function fieldWords(field: string): string {
  return (
    FIELD_WORDS[field] ??
    field
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .replace(/_+/g, ' ')
      .toLowerCase()
  );
}
