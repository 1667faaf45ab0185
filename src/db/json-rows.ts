import { getTableColumns, is, SQL, sql, type SQLWrapper } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { DbOrTx } from './client.ts';

/**
 * Many rows as one statement parameter: the rows travel as a JSON array and `jsonb_to_recordset`
 * spreads them into typed columns. A group of 50 orders is over a thousand values; as one parameter
 * neither drizzle (which builds and checks a placeholder per value) nor the server (which parses and
 * binds each) pays per value. `columns` names each SQL column and its type; a column takes the row's
 * field of the same name in camelCase (`inbox_id` from `inboxId`), null when the row has none.
 */
export function jsonRows(alias: string, columns: Record<string, string>, rows: readonly object[]): SQL {
  const names = Object.keys(columns);
  const fields = names.map(camelCase);
  return recordset(alias, columns, rows.map((row) => Object.fromEntries(names.map((name, i) => [name, (row as Record<string, unknown>)[fields[i]!] ?? null]))));
}

/**
 * `column in (values)` with the values as one parameter (a JSON array), as jsonRows does for rows:
 * drizzle's inArray builds and binds a placeholder per value, a cost paid on every chat batch. `type`
 * is the column's SQL type; the planner still uses the column's index (= ANY of an array).
 */
export function inList(column: SQLWrapper, values: readonly (string | number)[], type: 'bigint' | 'int' | 'text'): SQL {
  return sql`${column} = any(array(select jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))::${sql.raw(type)}[])`;
}

/** jsonRows of rows already keyed by SQL column name. */
function recordset(alias: string, columns: Record<string, string>, json: readonly Record<string, unknown>[]): SQL {
  const definitions = Object.entries(columns).map(([name, type]) => `${quoteIdentifier(name)} ${type}`);
  return sql`jsonb_to_recordset(${JSON.stringify(json)}::jsonb) as ${sql.raw(`${quoteIdentifier(alias)}(${definitions.join(', ')})`)}`;
}

const camelCase = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * Inserts rows in one statement with one parameter (jsonRows), in the order given (serial ids follow
 * it: a customer's messages are sent in id order), and returns them as drizzle's own insert would, in no
 * promised order. Only columns some row gives are written; a row that leaves one out gets
 * the column's default, as in a multi-row insert (and so, in that statement, does a row that gives null
 * for a column with a default). `onConflict` is what follows ON CONFLICT, e.g.
 * sql`do nothing` or sql`(identity_id) do update set state = excluded.state`.
 */
export async function insertRows<T extends PgTable>(
  db: DbOrTx,
  table: T,
  rows: readonly T['$inferInsert'][],
  opts: { onConflict?: SQL } = {},
): Promise<T['$inferSelect'][]> {
  if (rows.length === 0) return [];
  const columns = Object.entries(getTableColumns(table)) as [string, PgColumn][];
  // What drizzle's insert would send: the row's value, else the column's JavaScript default.
  const filled = rows.map((row) =>
    Object.fromEntries(
      columns.map(([key, column]) => {
        let value = (row as Record<string, unknown>)[key];
        if (value === undefined && column.defaultFn) value = column.defaultFn();
        else if (value === undefined && column.default === undefined && column.onUpdateFn) value = column.onUpdateFn();
        if (is(value, SQL)) throw new Error(`insertRows: ${column.name} has an SQL default made in JavaScript`);
        return [key, value];
      }),
    ),
  );
  const given = columns.filter(([key]) => filled.some((r) => r[key] !== undefined));
  const payload = filled.map((row, i) => ({
    ...Object.fromEntries(
      given.map(([key, column]) => {
        const value = row[key];
        // jsonb travels inside the JSON as itself; anything else as the driver would send it.
        return [column.name, value === undefined || value === null ? null : isJson(column) ? value : column.mapToDriverValue(value)];
      }),
    ),
    [ORDINAL]: i,
  }));
  const names = sql.raw(given.map(([, c]) => quoteIdentifier(c.name)).join(', '));
  const values = sql.join(
    given.map(([key, column]) => {
      const field = sql.raw(`r.${quoteIdentifier(column.name)}`);
      const missing = filled.some((r) => r[key] === undefined);
      return missing && column.hasDefault ? sql`coalesce(${field}, ${defaultOf(column)})` : field;
    }),
    sql`, `,
  );
  const types = { ...Object.fromEntries(given.map(([, c]) => [c.name, c.getSQLType()])), [ORDINAL]: 'int' };
  const returning = sql.raw(columns.map(([, c]) => quoteIdentifier(c.name)).join(', '));
  const conflict = opts.onConflict ? sql` on conflict ${opts.onConflict}` : sql``;
  const { rows: inserted } = await db.execute<Record<string, unknown>>(
    sql`insert into ${table} (${names}) select ${values} from ${recordset('r', types, payload)} order by ${sql.raw(`r.${quoteIdentifier(ORDINAL)}`)}${conflict} returning ${returning}`,
  );
  return inserted.map(
    (row) => Object.fromEntries(columns.map(([key, c]) => [key, row[c.name] === null ? null : c.mapFromDriverValue(row[c.name])])) as T['$inferSelect'],
  );
}

/** Each row's place in the input, carried beside its columns. */
const ORDINAL = '#';

const isJson = (column: PgColumn) => column.columnType === 'PgJsonb' || column.columnType === 'PgJson';

function defaultOf(column: PgColumn): SQL {
  const value: unknown = column.default ?? column.defaultFn?.();
  if (is(value, SQL)) return value;
  return sql`${isJson(column) ? JSON.stringify(value) : column.mapToDriverValue(value)}::${sql.raw(column.getSQLType())}`;
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
