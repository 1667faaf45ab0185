// Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe): the browser reads
// commands from its descriptor 3 and writes answers and events to its descriptor 4, each a JSON message
// ended by a NUL byte. No port is opened, so no other process on the machine can drive the browser.
// This is all the printing needs of a browser; playwright-core's client cost the app 63 MB of memory
// (measured: RSS after import, Node 24) for the same few commands, and kept it until the app stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { withTimeout } from '../../lib/timeout.ts';

type Message = { id?: number; method?: string; params?: Record<string, unknown>; result?: Record<string, unknown>; error?: { message: string }; sessionId?: string };

export interface Chromium {
  /** A protocol command to the browser, or to one page when sessionId is given. */
  send<T = Record<string, unknown>>(method: string, params?: Record<string, unknown>, sessionId?: string): Promise<T>;
  /** Calls listener for each event of that name (of that page when sessionId is given); returns what stops it. */
  on(method: string, sessionId: string | undefined, listener: (params: Record<string, unknown>) => void): () => void;
  isConnected(): boolean;
  /** Called once when the browser process ends, whatever the reason. */
  onExit(listener: () => void): void;
  /** Asks the browser to close, and kills it if it has not after a few seconds. */
  close(): Promise<void>;
}

export class ChromiumError extends Error {}

export async function launchChromium(opts: { executablePath: string; args: readonly string[]; timeoutMs: number }): Promise<Chromium> {
  const profile = mkdtempSync(path.join(tmpdir(), 'talad-chromium-'));
  const child: ChildProcess = spawn(opts.executablePath, [...opts.args, '--remote-debugging-pipe', '--no-startup-window', `--user-data-dir=${profile}`], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
  });
  const input = child.stdio[3] as Writable;
  const output = child.stdio[4] as Readable;
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });

  let nextId = 1;
  let connected = true;
  const pending = new Map<number, { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void; method: string }>();
  const listeners = new Map<string, Set<(params: Record<string, unknown>) => void>>();
  const exitListeners: Array<() => void> = [];
  const exited = new Promise<void>((resolve) => {
    const gone = () => {
      if (!connected) return;
      connected = false;
      for (const { reject, method } of pending.values()) reject(new ChromiumError(`Chromium ended before answering ${method}: ${stderr.trim().split('\n').pop() ?? ''}`));
      pending.clear();
      for (const listener of exitListeners) listener();
      resolve();
      // Its helper processes may still be writing into the profile for a moment after a kill: retried, and
      // a profile that cannot go is left in the temporary folder rather than stopping the app.
      rm(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }).catch(() => undefined);
    };
    child.once('exit', gone);
    child.once('error', gone);
  });
  // A browser that never started (a wrong path) or was killed fails the pipes' reads and writes (EPIPE):
  // the exit says why, and a stream error must not stop the app.
  for (const stream of [input, output, child.stderr]) stream?.on('error', () => undefined);

  let buffered: Buffer[] = [];
  output.on('data', (chunk: Buffer) => {
    let start = 0;
    for (let end = chunk.indexOf(0); end !== -1; end = chunk.indexOf(0, start)) {
      buffered.push(chunk.subarray(start, end));
      const text = Buffer.concat(buffered).toString('utf8');
      buffered = [];
      start = end + 1;
      let message: Message;
      try {
        message = JSON.parse(text) as Message;
      } catch {
        continue; // Not a protocol message: nothing waits for it.
      }
      if (message.id !== undefined) {
        const call = pending.get(message.id);
        pending.delete(message.id);
        if (message.error) call?.reject(new ChromiumError(`${call.method}: ${message.error.message}`));
        else call?.resolve(message.result ?? {});
      } else if (message.method) {
        for (const listener of listeners.get(`${message.sessionId ?? ''} ${message.method}`) ?? []) listener(message.params ?? {});
      }
    }
    if (start < chunk.length) buffered.push(chunk.subarray(start));
  });

  const browser: Chromium = {
    send<T>(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<T> {
      if (!connected) return Promise.reject(new ChromiumError(`Chromium is not running (${method})`));
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (r: Record<string, unknown>) => void, reject, method });
        input.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
      });
    },
    on(method, sessionId, listener) {
      const key = `${sessionId ?? ''} ${method}`;
      const set = listeners.get(key) ?? new Set();
      listeners.set(key, set.add(listener));
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(key);
      };
    },
    isConnected: () => connected,
    onExit(listener) {
      if (connected) exitListeners.push(listener);
      else listener();
    },
    async close() {
      if (!connected) return;
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await browser.send('Browser.close').catch(() => undefined);
      await exited;
      clearTimeout(killer);
    },
  };

  // Started when it answers; a browser that does not in the time allowed is stopped.
  try {
    await withTimeout(browser.send('Browser.getVersion'), opts.timeoutMs, () => new ChromiumError(`Chromium did not start in ${opts.timeoutMs} ms`));
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    throw err;
  }
  return browser;
}
