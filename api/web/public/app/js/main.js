// qiflow's web page starts here: it registers the pages, keeps the header in step with who is
// signed in, and sends any failure to the sign-in page (expired token) or an error page.
import { ApiError, SignedOut, gql, setToken, token } from "./api.js";
import { open, page } from "./router.js";
import { failed } from "./view.js";
import { signIn } from "./pages/signin.js";
import { finish, settings } from "./oidc.js";
import { pathways } from "./pages/pathways.js";
import { pathway } from "./pages/pathway.js";
import { projects, project } from "./pages/projects.js";
import { logs, log } from "./pages/logs.js";
import { admin } from "./pages/admin.js";
import { measures } from "./pages/measures.js";

page("", pathways);
page("pathway", pathway);
page("projects", projects);
page("project", project);
page("logs", logs);
page("log", log);
page("admin", admin);
page("measures", measures);

const nav = /** @type {HTMLElement} */ (document.getElementById("nav"));
const who = /** @type {HTMLElement} */ (document.getElementById("who"));

/** Shows who is signed in (one small query, also the check that the token still works). */
async function header() {
  /** @type {{ me: { name: string } }} */
  const { me } = await gql("{ me { name } }");
  nav.hidden = false;
  who.textContent = `Signed in as ${me.name}`;
}

async function route() {
  const provider = settings();
  if (provider) {
    try {
      const idToken = await finish(provider);
      if (idToken) setToken(idToken);
    } catch (error) {
      nav.hidden = true;
      return signIn(error instanceof Error ? error.message : String(error), route);
    }
  }
  if (!token()) {
    nav.hidden = true;
    await signIn("", route);
    if (!performance.getEntriesByName("qiflow:interactive").length) performance.mark("qiflow:interactive");
    return;
  }
  try {
    await header();
    await open();
    // When the first page is drawn and working (read by the browser test's page-weight figures).
    if (!performance.getEntriesByName("qiflow:interactive").length) performance.mark("qiflow:interactive");
  } catch (error) {
    if (error instanceof SignedOut) {
      nav.hidden = true;
      return signIn(error.message, route);
    }
    failed(error instanceof ApiError || error instanceof Error ? error : new Error(String(error)));
  }
}

document.getElementById("sign-out")?.addEventListener("click", () => {
  setToken(null);
  nav.hidden = true;
  signIn("You have signed out.", route);
});
window.addEventListener("hashchange", route);
void route();
