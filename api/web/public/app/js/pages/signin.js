// Signing in: with the organisation's OpenID Connect provider when the server has one, and with
// an API token (from `qiflow token create`, or the one `qiflow serve --demo` prints) always. The
// bearer is kept for this browser tab only.
import { setToken } from "../api.js";
import { settings, start } from "../oidc.js";
import { errorSummary, focusErrors, html, show } from "../view.js";

/**
 * @param {string} message why the user is here again ("" on a first visit)
 * @param {() => Promise<void>} then what to do once a token is given
 */
export async function signIn(message, then) {
  const provider = settings();
  /** @param {SubmitEvent} event */
  const submit = (event) => {
    event.preventDefault();
    const input = /** @type {HTMLInputElement} */ (document.getElementById("token"));
    const value = input.value.trim();
    if (!value) {
      draw("Enter your API token");
      return;
    }
    setToken(value);
    void then();
  };
  /** @param {string} error */
  const draw = (error) => {
    show(
      html`<div class="nhsuk-grid-row"><div class="nhsuk-grid-column-two-thirds">
        ${errorSummary(error ? [{ message: error, href: "#token" }] : [])}
        <h1>Sign in</h1>
        ${message ? html`<div class="nhsuk-inset-text"><p>${message}</p></div>` : ""}
        ${provider
          ? html`<p>Sign in with the account your organisation gave you.</p>
              <button class="nhsuk-button" type="button" id="sign-in-provider" @click=${() => start(provider)}>Sign in with your organisation</button>
              <h2 class="nhsuk-heading-s">Or with an API token</h2>`
          : ""}
        <form id="signin-form" novalidate @submit=${submit}>
          <div class="nhsuk-form-group ${error ? "nhsuk-form-group--error" : ""}">
            <label class="nhsuk-label" for="token">API token</label>
            <div class="nhsuk-hint" id="token-hint">From <code>qiflow token create</code>, or the one <code>qiflow serve --demo</code> printed. It is kept for this tab only.</div>
            ${error ? html`<span class="nhsuk-error-message" id="token-error"><span class="nhsuk-u-visually-hidden">Error:</span> ${error}</span>` : ""}
            <input class="nhsuk-input ${error ? "nhsuk-input--error" : ""}" id="token" name="token" type="password" autocomplete="off"
              aria-describedby="token-hint${error ? " token-error" : ""}">
          </div>
          <button class="nhsuk-button" type="submit">Sign in</button>
        </form>
      </div></div>`,
      "Sign in",
    );
    if (error) focusErrors();
    else document.getElementById(provider ? "sign-in-provider" : "token")?.focus();
  };
  draw("");
}
