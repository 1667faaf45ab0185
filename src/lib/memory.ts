import { totalmem } from 'node:os';

/**
 * The memory this process may use: the machine's, or less where a container or cgroup limits it
 * (`docker run --memory 1g` on a large host: os.totalmem() still reports the host's memory).
 * An unlimited cgroup reports 0 or a huge number; either way the machine's memory counts.
 */
export function usableMemory(total = totalmem(), limit = process.constrainedMemory()): number {
  return limit > 0 && limit < total ? limit : total;
}
