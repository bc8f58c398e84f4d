/** Column helpers shared by the tables: timestamps are always with time zone, read as `Date`. */
import { timestamp } from 'drizzle-orm/pg-core';

export const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull();
export const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
