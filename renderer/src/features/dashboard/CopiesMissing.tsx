/** What the 3-2-1-1-0 rule still lacks, each point with the action that fixes it (worded by the engine). */
import type { ReactNode } from 'react';
import type { StatusSummary } from '../../../../src/shared/contract.js';

export function CopiesMissing({ copies }: { copies: StatusSummary['copies'] }): ReactNode {
  const missing = copies.missing ?? [];
  if (missing.length === 0) return null;
  return (
    <ul className="meter-missing-list small" data-testid="meter-missing">
      {missing.map((m) => (
        <li key={m.rule} data-rule={m.rule}>
          {m.text}
        </li>
      ))}
    </ul>
  );
}
