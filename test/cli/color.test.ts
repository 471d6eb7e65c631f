/**
 * Issue 9 item 4: `--color auto|always|never`, and FORCE_COLOR / NO_COLOR as Node CLIs read them
 * (colour in CI logs, where stdout is a pipe).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colorWanted } from '../../src/cli/options.js';
import { startHttpServer, type TestServer } from '../helpers/servers.js';
import { runCli, runOnTty } from './harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startHttpServer();
});
afterAll(async () => {
  await server.close();
});

const ESC = '\u001b[';

describe('colour, stdout a pipe (CI)', () => {
  it.each([
    [{ FORCE_COLOR: '1' }, [], true],
    [{ FORCE_COLOR: '3' }, [], true],
    [{ FORCE_COLOR: 'true' }, [], true],
    [{ FORCE_COLOR: '' }, [], true],
    [{ FORCE_COLOR: '0' }, [], false],
    [{ FORCE_COLOR: 'false' }, [], false],
    [{ FORCE_COLOR: 'yes' }, [], false],
    [{}, [], false],
    [{}, ['--color', 'always'], true],
    [{}, ['--color', 'auto'], false],
    [{ FORCE_COLOR: '1' }, ['--color', 'never'], false],
    [{ FORCE_COLOR: '1' }, ['--no-color'], false],
    [{ NO_COLOR: '1' }, ['--color', 'always'], true],
    [{ NO_COLOR: '1', FORCE_COLOR: '1' }, [], true],
  ] as const)('env %j, flags %j → colour %s', async (env, flags, coloured) => {
    const run = await runCli([...flags, `${server.url}/ok`], { env: { ...env } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.includes(ESC)).toBe(coloured);
  });

  it('a bad --color value is a one-line usage error', async () => {
    const run = await runCli(['--color', 'sometimes', `${server.url}/ok`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^fetch-many: .*--color.*sometimes.*\n$/);
  });
});

describe('colour on a terminal', () => {
  it('is on by default, off with NO_COLOR, FORCE_COLOR=0 or --color never', async () => {
    expect((await runOnTty([`${server.url}/ok`])).output).toContain(ESC);
    expect((await runOnTty([`${server.url}/ok`], { NO_COLOR: '1' })).output).not.toContain(ESC);
    expect((await runOnTty([`${server.url}/ok`], { FORCE_COLOR: '0' })).output).not.toContain(ESC);
    expect((await runOnTty(['--color', 'never', `${server.url}/ok`])).output).not.toContain(ESC);
    // An empty NO_COLOR does not count (no-color.org).
    expect((await runOnTty([`${server.url}/ok`], { NO_COLOR: '' })).output).toContain(ESC);
  });
});

describe('colorWanted', () => {
  it('lets --color win over the environment, and FORCE_COLOR over NO_COLOR', () => {
    expect(colorWanted('never', { FORCE_COLOR: '3' }, true)).toBe(false);
    expect(colorWanted('always', { NO_COLOR: '1', FORCE_COLOR: '0' }, false)).toBe(true);
    expect(colorWanted(undefined, { NO_COLOR: '1', FORCE_COLOR: '2' }, false)).toBe(true);
    expect(colorWanted('auto', { NO_COLOR: 'x' }, true)).toBe(false);
    expect(colorWanted('auto', {}, true)).toBe(true);
  });
});
