import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { vectors } from '../../scripts/vectors.js';
import { ROOT } from '../support/cli.js';

test('docs/format.md Appendix A holds exactly the test vectors the script builds and decodes (npm run vectors -- --write)', async () => {
  const doc = await readFile(path.join(ROOT, 'docs', 'format.md'), 'utf8');
  const start = doc.indexOf('## Appendix A: test vectors');
  const end = doc.indexOf('\n---\n\n## Appendix B: source map');
  assert.ok(start >= 0 && end > start);
  assert.equal(doc.slice(start, end), vectors());
});
