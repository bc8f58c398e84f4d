/** The audit trail as CSV: one function for the CLI (`openase audit list --csv`) and the console's export. */

/** The fields of an audit entry a CSV row shows (control-plane/src/activity/audit.ts `AuditEntry`). */
export interface AuditCsvEntry {
  id: number;
  at: Date | string;
  actorName: string;
  actorType: string;
  kind: string;
  action: string;
  project: string | null;
  summary: string;
  ip: string | null;
}

const CSV_COLUMNS = ['id', 'at', 'actor', 'actorType', 'kind', 'action', 'project', 'summary', 'ip'] as const;

/** RFC 4180 CSV; a cell starting with = + - @ is prefixed with ' so a spreadsheet never runs it as a formula. */
export function auditCsv(entries: AuditCsvEntry[]): string {
  const cell = (v: unknown) => {
    let text = v instanceof Date ? v.toISOString() : v === null || v === undefined ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = entries.map((e) =>
    [e.id, e.at, e.actorName, e.actorType, e.kind, e.action, e.project, e.summary, e.ip].map(cell).join(','),
  );
  return [CSV_COLUMNS.join(','), ...lines].join('\r\n') + '\r\n';
}
