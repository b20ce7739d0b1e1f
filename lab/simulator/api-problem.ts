/**
 * An error the simulated API answers with, in DigitalOcean's shape
 * (`{"id": ..., "message": ...}` plus a request_id added by the HTTP layer).
 * The state store throws these so its rules stay independent of HTTP.
 */
export type ApiErrorId =
  | "bad_request"
  | "unauthorized"
  | "not_found"
  | "unprocessable_entity"
  | "too_many_requests"
  | "server_error"
  | "service_unavailable";

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly id: ApiErrorId,
    message: string,
  ) {
    super(message);
    this.name = "ApiProblem";
  }

  static notFound(message = "The resource you were accessing could not be found."): ApiProblem {
    return new ApiProblem(404, "not_found", message);
  }

  static unprocessable(message: string): ApiProblem {
    return new ApiProblem(422, "unprocessable_entity", message);
  }

  static badRequest(message: string): ApiProblem {
    return new ApiProblem(400, "bad_request", message);
  }
}

/** The error id DigitalOcean uses for a status, for injected faults. */
export function errorIdForStatus(status: number): ApiErrorId {
  switch (status) {
    case 400:
      return "bad_request";
    case 401:
      return "unauthorized";
    case 404:
      return "not_found";
    case 422:
      return "unprocessable_entity";
    case 429:
      return "too_many_requests";
    case 503:
      return "service_unavailable";
    default:
      return "server_error";
  }
}
