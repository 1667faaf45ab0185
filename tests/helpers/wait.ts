/**
 * How long a test waits for something that should happen: minutes, not seconds. A loaded CI machine
 * once took over 30 s to start the app; a wait only ends early when the thing happens, so a long
 * bound costs nothing on a fast machine.
 */
export const WAIT_MS = 3 * 60_000;
