/** Waits for a promise at most ms; past that it rejects with the given error (the promise itself runs on, unheard). */
export function withTimeout<T>(p: Promise<T>, ms: number, timedOut: () => Error): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(timedOut()), ms);
    }),
  ]);
}
