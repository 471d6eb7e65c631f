import { describe, expect, it } from 'vitest';
import { renderGrid } from '../../src/report/grid.js';
import { displayWidth } from '../../src/report/sanitize.js';

describe('renderGrid', () => {
  it('pads every cell so all lines have the same width, aligned as asked', () => {
    const text = renderGrid([
      { title: 'n', align: 'right', cells: ['1', '10', '100'] },
      { title: 'name', align: 'left', cells: ['a', '日本', 'longer text'] },
    ]);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(7); // top rule, head, head rule, 3 rows, bottom rule
    expect(new Set(lines.map(displayWidth)).size).toBe(1);
    expect(lines[3]).toBe('│   1 │ a           │');
    expect(lines[4]).toBe('│  10 │ 日本        │');
  });

  it('paints after padding, so colour never shifts columns', () => {
    const text = renderGrid([{ title: 'x', align: 'left', cells: ['ab', 'c'], paint: (t) => `<${t}>` }]);
    expect(text).toContain('│ <ab> │');
    expect(text).toContain('│ <c>  │');
  });
});
