import type { ErrorKind } from '../errors.ts';

/**
 * The HTTP status of each kind of refusal the core throws, for every HTTP surface: the JSON API's
 * error handler, the back office's, and the back-office routes that show a page again with a refusal.
 */
export const httpStatusOf: Readonly<Record<ErrorKind, number>> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
};
