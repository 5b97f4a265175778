/** Pieces of the console's tables and fact lists. */
import type { ReactNode } from 'react';

/** A column header: its text, or `{ label, num }` for a right-aligned numeric column, `{ label, hidden }` for one only screen readers hear. */
export type Column = string | { label: string; num?: boolean; hidden?: boolean };

/** A numeric (right-aligned) column. */
export const num = (label: string): Column => ({ label, num: true });

/** A table's `<thead>`: one row of column headers (`scope="col"`). */
export function TableHead({ columns }: { columns: readonly Column[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c) => {
          const { label, num: numeric, hidden } = typeof c === 'string' ? { label: c } : c;
          return (
            <th key={label} scope="col" className={numeric ? 'num' : undefined}>
              {hidden ? <span className="visually-hidden">{label}</span> : label}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}

/** A captioned table in its scrolling wrapper (`.table-wrap`): column headers (`columns`) and the body's rows (`children`). */
export function DataTable({ caption, columns, testId, children }: { caption: string; columns: readonly Column[]; testId?: string; children: ReactNode }) {
  return (
    <div className="table-wrap">
      <table data-testid={testId}>
        <caption>{caption}</caption>
        <TableHead columns={columns} />
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** One term and its description in a `<dl>` of facts (wrapped in a `<div>` for the grid layout). */
export function Fact({ term, testId, children }: { term: string; testId?: string; children: ReactNode }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}
