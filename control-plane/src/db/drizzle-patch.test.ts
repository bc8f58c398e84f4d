/**
 * drizzle-orm is patched (patches/drizzle-orm@0.45.4.patch): `is()` keeps each class's entity kinds instead of
 * walking its prototype chain on every call, which was about 40 % of building a query (docs/performance.md).
 * The answers must stay those of the walk, and the patch must be the code that runs.
 */
import { describe, expect, it } from 'vitest';
import { Column, is, Param, SQL, sql, Table } from 'drizzle-orm';
import { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { tickets } from './schema.js';

describe('drizzle-orm, patched is()', () => {
  it('answers as the prototype walk did, for subclasses, unrelated classes and plain values', () => {
    expect(is(tickets, Table)).toBe(true);
    expect(is(tickets, PgTable)).toBe(true);
    expect(is(tickets.id, Column)).toBe(true);
    expect(is(tickets.id, PgColumn)).toBe(true);
    expect(is(sql`select 1`, SQL)).toBe(true);
    expect(is(sql`select 1`, Table)).toBe(false);
    expect(is(new Param(1), SQL)).toBe(false);
    expect(is({}, Table)).toBe(false);
    expect(is('text', SQL)).toBe(false);
    // Asked twice: the kept answer is the same.
    expect(is(tickets.id, Column)).toBe(true);
    expect(is(tickets.id, Table)).toBe(false);
  });

  it('is the patched code: an object without a prototype is not an entity (unpatched, a TypeError)', () => {
    expect(is(Object.create(null) as object, SQL)).toBe(false);
  });
});
