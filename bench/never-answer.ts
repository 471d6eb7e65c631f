import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { stopChild, track } from './children.js';

export interface NeverAnswer {
  origin: string;
  /** The command line the server was started with, for RESULTS.md. */
  command: string[];
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('./servers/never-answer.mjs', import.meta.url));

/** Starts `servers/never-answer.mjs` as a child process and waits for its port. */
export async function startNeverAnswer(maxSeconds = 900): Promise<NeverAnswer> {
  const command = [process.execPath, SCRIPT, String(maxSeconds)];
  const child = spawn(process.execPath, command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  track(child, { group: false });
  if (child.pid === undefined || child.stdout === null) throw new Error('never-answer server did not start');
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('never-answer server: no port in 5 s')), 5000);
    child.once('exit', (code) => reject(new Error(`never-answer server exited with ${String(code)}`)));
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { port: number }).port);
    });
  });
  return {
    origin: `http://127.0.0.1:${port}`,
    command,
    async stop() {
      lines.close();
      await stopChild(child);
    },
  };
}
