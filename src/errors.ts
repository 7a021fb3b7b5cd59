// Typed errors carry what a problem+json answer needs (RFC 9457); the one error handler in
// src/plugins/problems.ts turns them into responses. Business code throws these and nothing else.
export interface FieldError {
  /** Where the bad value is, e.g. `body.attributes.team` or `query.limit`. */
  path: string
  message: string
}

export class AppError extends Error {
  constructor (
    readonly status: number,
    readonly code: string,
    readonly title: string,
    detail: string,
    readonly errors?: FieldError[]
  ) {
    super(detail)
    this.name = 'AppError'
  }
}

export class NotFoundError extends AppError {
  constructor (what: string, id?: string) {
    super(404, 'not_found', 'Not Found', id === undefined ? `${what} not found` : `${what} ${id} not found`)
  }
}

export class UnauthorizedError extends AppError {
  constructor (detail: string) {
    super(401, 'unauthorized', 'Unauthorized', detail)
  }
}

export class ConflictError extends AppError {
  constructor (code: string, detail: string) {
    super(409, code, 'Conflict', detail)
  }
}

export class GoneError extends AppError {
  constructor (code: string, detail: string) {
    super(410, code, 'Gone', detail)
  }
}

/** A request that passed schema validation but breaks a business rule about one field. */
export class InvalidFieldError extends AppError {
  constructor (path: string, message: string) {
    super(400, 'invalid_field', 'Bad Request', `${path}: ${message}`, [{ path, message }])
  }
}

/** Over a limit; the error handler sends `retryAfter` (seconds) as the Retry-After header. */
export class TooManyRequestsError extends AppError {
  constructor (code: string, detail: string, readonly retryAfter: number) {
    super(429, code, 'Too Many Requests', detail)
  }
}
