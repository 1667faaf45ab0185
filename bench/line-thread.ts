/**
 * The fake LINE API on a thread of its own, for the phases that run the app in this process. LINE's
 * servers are elsewhere: on the app's event loop the fake's HTTP server and recording took about a
 * tenth of the thread during chat intake, work a shop's server never does, and which the bare-INSERT
 * baseline it is compared with does not carry.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { startFakeLineApi, type FakeLineApi, type FakeLineApiOptions } from '../tests/fakes/line-api.ts';

type Endpoints = Pick<FakeLineApi, 'baseUrl' | 'dataBaseUrl' | 'channelSecret' | 'channelAccessToken'>;

export async function startLineApiThread(options: FakeLineApiOptions): Promise<Endpoints & { close(): Promise<void> }> {
  // The thread inherits this process's flags (tsx's loader among them) and loads this file again.
  const worker = new Worker(new URL(import.meta.url), { workerData: options });
  const endpoints = await new Promise<Endpoints>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    ...endpoints,
    async close() {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage('close');
      await exited;
    },
  };
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  const fake = await startFakeLineApi(workerData as FakeLineApiOptions);
  const { baseUrl, dataBaseUrl, channelSecret, channelAccessToken } = fake;
  port.postMessage({ baseUrl, dataBaseUrl, channelSecret, channelAccessToken } satisfies Endpoints);
  port.on('message', async () => {
    await fake.close();
    port.close();
  });
}
