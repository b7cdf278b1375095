/** Waiting on the link in the client's clock, with a deadline and an abort signal. */
import { type Observable, filter, firstValueFrom, take } from "rxjs";
import type { Clock } from "../../shared/clock.ts";
import type { CuffClient } from "../client/client.ts";
import { ClientClosedError, CuffLinkError } from "../client/errors.ts";

export class InterruptedError extends Error {
  override name = "InterruptedError";
  constructor() {
    super("interrupted");
  }
}

export class DeadlineError extends CuffLinkError {
  override name = "DeadlineError";
}

/** First value of `source` that passes `test`, or a DeadlineError after `seconds` on `clock`. */
export function waitFor<T>(
  client: CuffClient,
  source: Observable<T>,
  test: (value: T) => boolean,
  clock: Clock,
  seconds: number,
  what: string,
  signal?: AbortSignal,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      timer.cancel();
      signal?.removeEventListener("abort", onAbort);
      fn();
    };
    const onAbort = () => finish(() => reject(new InterruptedError()));
    const timer = clock.schedule(seconds, () => finish(() => reject(new DeadlineError(`${what} did not happen within ${seconds} s`))));
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener("abort", onAbort);
    firstValueFrom(source.pipe(filter(test), take(1))).then(
      (value) => finish(() => resolve(value)),
      () => finish(() => reject(client.failure ?? new ClientClosedError("the link to the cuff closed"))),
    );
  });
}

/** A promise that rejects with InterruptedError when the signal fires. */
export function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      reject(new InterruptedError());
      return;
    }
    const onAbort = () => reject(new InterruptedError());
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}
