/**
 * The one error type the core throws. Transports map `kind` to their own vocabulary
 * (HTTP status, a chat reply); the core never speaks HTTP.
 */
export type ErrorKind = 'invalid' | 'not_found' | 'conflict' | 'forbidden' | 'unauthorized' | 'unprocessable';

/** The catalogue of error codes, so callers and tests name them without typos. */
export const ErrorCodes = {
  VALIDATION_ERROR: 'invalid',
  UNAUTHORIZED: 'unauthorized',
  FORBIDDEN: 'forbidden',
  NOT_FOUND: 'not_found',
  UNKNOWN_SKU: 'unprocessable',
  UNKNOWN_WAREHOUSE: 'unprocessable',
  DUPLICATE_SKU: 'conflict',
  INACTIVE_PRODUCT: 'unprocessable',
  INSUFFICIENT_STOCK: 'conflict',
  NEGATIVE_STOCK: 'conflict',
  ILLEGAL_TRANSITION: 'conflict',
  ORDER_NOT_FOUND: 'not_found',
  DUPLICATE_EXTERNAL_ID: 'conflict',
  IDEMPOTENCY_KEY_REUSED: 'unprocessable',
  COD_ONLY: 'conflict',
  EMPTY_ORDER: 'invalid',
  ORDER_NOT_EDITABLE: 'conflict',
  MERGE_NOT_ALLOWED: 'conflict',
  SPLIT_INVALID: 'invalid',
  PARCEL_NOT_FOUND: 'not_found',
  SHIP_BY_PARCEL: 'conflict',
  PARCEL_BOOKED: 'conflict',
  PARCEL_NOT_CANCELLABLE: 'conflict',
  IMPORT_FILE_INVALID: 'invalid',
  IMPORT_COLUMNS_MISSING: 'invalid',
  RETURN_NOT_FOUND: 'not_found',
  RETURN_INVALID: 'invalid',
  RETURN_STATE: 'conflict',
  REFUND_TOO_LARGE: 'unprocessable',
  SETTINGS_INVALID: 'invalid',
  PRODUCT_IMAGE_INVALID: 'invalid',
  CUSTOMER_MERGE_REFUSED: 'conflict',
  COUNT_BELOW_RESERVED: 'conflict',
  TRANSFER_INVALID: 'invalid',
  REFUND_SLIP_INVALID: 'invalid',
  /** The carrier refused a booking (its reason in the message) or cannot be reached; the parcel stays reserved for a retry. */
  CARRIER_REFUSED: 'unprocessable',
  CARRIER_UNAVAILABLE: 'unprocessable',
  CARRIER_CANNOT_BOOK: 'invalid',
  CARRIER_NOT_CHOSEN: 'invalid',
  ALREADY_SHIPPED: 'conflict',
  /** A typed or scanned tracking number the carrier's format refuses (Thailand Post: the S10 check digit). */
  TRACKING_INVALID: 'invalid',
  /** An approval must say how much came in: the slip's amount could not be read, or none was typed. */
  SLIP_AMOUNT_UNKNOWN: 'invalid',
  /** An approved amount other than the slip's needs a reason. */
  SLIP_AMOUNT_REASON: 'invalid',
} as const satisfies Record<string, ErrorKind>;

export type ErrorCode = keyof typeof ErrorCodes;

export class AppError extends Error {
  readonly kind: ErrorKind;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
    this.kind = ErrorCodes[code];
  }
}

export function isAppError(err: unknown, code?: ErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}
