import type { BffErrorCode as ServerErrorCode } from '@cloakroom/protocol';

/**
 * Stable error codes: the BFF's own (`@cloakroom/protocol`), plus those the client raises itself:
 * `network_error` (no answer at all), `http_error` (a non-2xx answer that is not a problem document)
 * and `invalid_response` (an answer the client cannot read).
 */
export type BffErrorCode =
  | ServerErrorCode
  | 'network_error'
  | 'http_error'
  | 'invalid_response'
  // Keeps autocompletion for the known codes while allowing any other string.
  | (string & {});

/** An RFC 9457 problem document, as the BFF sends it. */
export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  [extension: string]: unknown;
}

/**
 * What an API asks of the user's sign-in (RFC 9470 step-up), from a `step_up_required` problem: pass
 * it to `login()` as it is, `login({ ...error.stepUp, returnTo })`, to sign in again that way.
 */
export interface StepUpRequirement {
  /** The authentication context classes (`acr`) to sign in with, in order of preference; may be empty. */
  acrValues: string[];
  /** The most seconds since the user authenticated that the API accepts, if it said. */
  maxAge?: number | undefined;
}

/** What {@link BffError} is made of. */
export interface BffErrorInit {
  status: number;
  code: BffErrorCode;
  title: string;
  detail?: string | undefined;
  type?: string | undefined;
  /** The problem document, when the error came from one. */
  problem?: ProblemDetails | undefined;
  stepUp?: StepUpRequirement | undefined;
}

/** An error answer from the BFF (or no answer at all), with its stable `code`. */
export class BffError extends Error {
  override readonly name = 'BffError';
  // `declare`: assigned in one go by the constructor, which keeps the bundle small.
  /** HTTP status; `0` when there was no response. */
  declare readonly status: number;
  declare readonly code: BffErrorCode;
  declare readonly title: string;
  declare readonly detail: string | undefined;
  /** The problem type URI; `'about:blank'` when the BFF sent none. */
  declare readonly type: string;
  declare readonly problem: ProblemDetails | undefined;
  /**
   * For `step_up_required` (the session is fine, the API wants a stronger or more recent sign-in):
   * what to sign in with. `undefined` for every other code.
   */
  declare readonly stepUp: StepUpRequirement | undefined;

  constructor(init: BffErrorInit, options?: ErrorOptions) {
    super(init.detail ?? init.title, options);
    Object.assign(this, init);
    this.type = init.type ?? 'about:blank';
  }

  /** Builds the error from a problem document; `status` is the response's, which wins over the body's. */
  static fromProblem(problem: ProblemDetails, status: number): BffError {
    return new BffError({
      status,
      code: text(problem.code) ?? 'http_error',
      title: text(problem.title) ?? `HTTP ${status}`,
      detail: text(problem.detail),
      type: text(problem.type),
      problem,
      stepUp:
        problem.code === 'step_up_required'
          ? {
              acrValues: text(problem.acr_values)?.split(' ').filter(Boolean) ?? [],
              maxAge: typeof problem.max_age === 'number' ? problem.max_age : undefined,
            }
          : undefined,
    });
  }
}

/**
 * True for the `401`s that mean "there is no session any more", as opposed to any other failure
 * (`step_up_required` is a 401 too, but the session is kept: only a stronger sign-in is asked for).
 */
export function endsSession(error: BffError): boolean {
  return error.status === 401 && (error.code === 'session_expired' || error.code === 'login_required');
}

/** Wraps anything thrown into a {@link BffError}, keeping the original as `cause`. */
export function toBffError(error: unknown): BffError {
  return error instanceof BffError ? error : new BffError({ status: 0, code: 'invalid_response', title: String(error) }, { cause: error });
}

/** A problem member, when it is a string (a malformed document must not break the error). */
function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
