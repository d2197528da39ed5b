import { expect } from 'vitest';
import { AppError } from '../src/server/errors.ts';

/** The AppError a call must fail with: fails the test if it succeeds or throws anything else. */
export async function appErrorOf(promise: Promise<unknown>, expected = 'expected a failure'): Promise<AppError> {
  const error = await promise.then(
    () => expect.fail(expected),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}
