/** RunState's counting, without a process: a target listed twice in one run counts once. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunState } from '../../src/history/state.js';
import { makeResult } from '../report/helpers.js';
import { tempDir } from '../cli/harness.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

describe('RunState', () => {
  it('a target twice in one run: failed when either result failed, one more run in its streak', async () => {
    const path = `${tmp.dir}/twice.state`;
    // Run 1 fails; in run 2 the target is listed twice, ok then failed: its streak is 2, not 1.
    for (const order of [[false], [true, false]]) {
      const state = await RunState.load(path);
      for (const [i, ok] of order.entries()) state.record(makeResult({ index: i, url: 'http://127.0.0.1:8080/x', ok }));
      expect(state.failingFor(1).count).toBe(1);
      await state.save();
    }
    const state = await RunState.load(path);
    expect(state.failingFor(1).count).toBe(0); // nothing checked yet in this run
    state.record(makeResult({ index: 0, url: 'http://127.0.0.1:8080/x', ok: false }));
    expect(state.failingFor(3).count).toBe(1); // the third run in a row
    state.beginRound();
    state.record(makeResult({ index: 0, url: 'http://127.0.0.1:8080/x', ok: true }));
    expect(state.failingFor(1).count).toBe(0);
  });
});
