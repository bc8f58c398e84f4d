/** The command palette's list, as plain functions: what a person can type to reach a page, a ticket or an action. */
export interface Command {
  id: string;
  /** Shown before the label: Page, Ticket, Action, Move. */
  group: string;
  label: string;
  /** More words that find it (a page's hint, a ticket's labels). */
  keywords?: string;
  run: () => unknown;
}

/** The commands whose words contain every word typed (any order, any case), in their given order. */
export function matchCommands(commands: Command[], typed: string, max = 30): Command[] {
  const words = typed.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return commands.slice(0, max);
  return commands
    .filter((c) => {
      const text = `${c.group} ${c.label} ${c.keywords ?? ''}`.toLowerCase();
      return words.every((w) => text.includes(w));
    })
    .slice(0, max);
}
