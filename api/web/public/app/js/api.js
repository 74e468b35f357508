// The one GraphQL helper: every figure and every change on the page goes through the public
// API at /graphql, as any other client's would. The bearer token (pasted, or an OpenID Connect
// ID token) lives in sessionStorage, never in a cookie.

const TOKEN = "qiflow.token";

/**
 * One error as the API reports it: `extensions.code` is VALIDATION, NOT_FOUND, CONFLICT,
 * FORBIDDEN, UNAUTHENTICATED or INTERNAL; a VALIDATION error lists the fields at fault.
 * @typedef {{ message: string, extensions?: { code?: string, field?: string,
 *   errors?: { field: string, message: string }[] } }} GraphQLError
 */

/** The caller has no token, or the server no longer accepts it. */
export class SignedOut extends Error {}

/** The API refused or failed a request; `code` is the first error's `extensions.code`. */
export class ApiError extends Error {
  /** @param {GraphQLError[]} errors */
  constructor(errors) {
    super(errors.map((e) => e.message).join("; "));
    this.errors = errors;
    this.code = errors[0]?.extensions?.code ?? "INTERNAL";
  }

  /**
   * The problems by field, for forms: `[{ field, message }]` (a whole-request error has field "").
   * @returns {{ field: string, message: string }[]}
   */
  fields() {
    return this.errors.flatMap((e) =>
      e.extensions?.errors?.length ? e.extensions.errors : [{ field: e.extensions?.field ?? "", message: e.message }],
    );
  }
}

/**
 * The per-field problems of a refusal, for a form to show; anything but a refusal (a bug, the
 * network) is thrown on.
 * @param {unknown} error
 * @returns {{ field: string, message: string }[]}
 */
export function refusal(error) {
  if (!(error instanceof ApiError)) throw error;
  return error.fields();
}

/** @returns {string | null} */
export const token = () => sessionStorage.getItem(TOKEN);

/** @param {string | null} value */
export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN, value);
  else sessionStorage.removeItem(TOKEN);
}

/**
 * Runs one GraphQL operation and returns its `data`.
 * @template T
 * @param {string} query
 * @param {Record<string, unknown>} [variables]
 * @returns {Promise<T>}
 */
export async function gql(query, variables = {}) {
  const bearer = token();
  if (!bearer) throw new SignedOut("Please sign in.");
  let response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${bearer}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError([{ message: "qiflow's server could not be reached: check your connection and try again." }]);
  }
  /** @type {{ data?: T, errors?: GraphQLError[] }} */
  const body = await response.json().catch(() => ({}));
  const errors = body.errors ?? [];
  if (response.status === 401 || errors.some((e) => e.extensions?.code === "UNAUTHENTICATED")) {
    setToken(null);
    throw new SignedOut("Your sign-in has expired or was revoked: please sign in again.");
  }
  if (errors.length) throw new ApiError(errors);
  if (!body.data) throw new ApiError([{ message: `The server answered ${response.status} with no data.` }]);
  return body.data;
}
