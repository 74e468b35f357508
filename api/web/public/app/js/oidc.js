// Sign-in with the organisation's OpenID Connect provider (NHS CIS2 is one): the authorization
// code flow with PKCE for a public client, as RFC 9700 advises for browser applications. The
// ID token the provider returns is the bearer for the API, which checks its signature, issuer,
// audience and expiry. The server puts its provider's public settings in the page (a meta
// element); with none there, the page offers token sign-in only.

const PENDING = "qiflow.oidc";

/**
 * @typedef {{ issuer: string, authorizationEndpoint: string, tokenEndpoint: string, clientId: string }} SignInSettings
 */

/** The server's provider, or null when it has none. @returns {SignInSettings | null} */
export function settings() {
  const content = document.querySelector('meta[name="qiflow-sign-in"]')?.getAttribute("content");
  if (!content) return null;
  try {
    return JSON.parse(content);
  } catch {
    return null;
  }
}

/** Where the provider sends people back: the page itself. */
export const redirectUri = () => `${location.origin}/`;

/** @param {Uint8Array} bytes */
const base64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

const random = () => base64url(crypto.getRandomValues(new Uint8Array(32)));

/**
 * Sends the browser to the provider, remembering (for this tab) the PKCE verifier, the state
 * and nonce that the answer must match, and where the user was.
 * @param {SignInSettings} s
 */
export async function start(s) {
  const verifier = random();
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  const pending = { verifier, state: random(), nonce: random(), back: location.hash };
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  const url = new URL(s.authorizationEndpoint);
  for (const [key, value] of Object.entries({
    response_type: "code",
    client_id: s.clientId,
    redirect_uri: redirectUri(),
    scope: "openid profile",
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: challenge,
    code_challenge_method: "S256",
  })) {
    url.searchParams.set(key, value);
  }
  location.assign(url.toString());
}

/**
 * Completes a sign-in the provider sent back to this address (`?code=…&state=…`): exchanges
 * the code for an ID token with the PKCE verifier and checks the state and nonce. Returns null
 * when the address holds no answer; throws with a message the user can act on when it fails.
 * @param {SignInSettings} s
 * @returns {Promise<string | null>}
 */
export async function finish(s) {
  const answer = new URLSearchParams(location.search);
  if (!answer.has("code") && !answer.has("error")) return null;
  /** @type {{ verifier: string, state: string, nonce: string, back: string } | null} */
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? "null");
  sessionStorage.removeItem(PENDING);
  // The code is single-use and must not stay in the address bar or the history.
  history.replaceState(null, "", `/${pending?.back ?? ""}`);
  if (answer.has("error")) {
    throw new Error(`Your organisation's sign-in refused: ${answer.get("error_description") ?? answer.get("error")}`);
  }
  if (!pending || answer.get("state") !== pending.state) {
    throw new Error("That sign-in answer does not match a sign-in started in this tab: please sign in again.");
  }
  let body;
  try {
    const response = await fetch(s.tokenEndpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: answer.get("code") ?? "",
        redirect_uri: redirectUri(),
        client_id: s.clientId,
        code_verifier: pending.verifier,
      }),
    });
    body = await response.json();
  } catch {
    throw new Error("Your organisation's sign-in service could not be reached: please try again.");
  }
  const idToken = typeof body?.id_token === "string" ? body.id_token : "";
  if (!idToken) throw new Error(`Your organisation's sign-in did not give an ID token${body?.error ? `: ${body.error}` : ""}.`);
  let claims;
  try {
    claims = JSON.parse(atob(idToken.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
  } catch {
    throw new Error("Your organisation's sign-in gave a token that could not be read.");
  }
  if (claims.nonce !== pending.nonce) throw new Error("That sign-in answer was not made for this tab: please sign in again.");
  return idToken;
}
