/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(value: string | number | undefined): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const STYLE = `
  *{box-sizing:border-box}
  body{margin:0;min-height:100vh;display:grid;place-items:center;background:#f4f1ec;color:#1f2328;
    font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
  main{width:min(24rem,calc(100vw - 2rem));background:#fff;border-radius:12px;padding:2rem;
    box-shadow:0 1px 3px rgba(0,0,0,.08),0 8px 24px rgba(0,0,0,.06)}
  h1{font-size:1.35rem;margin:0 0 .25rem}
  p{margin:.5rem 0}
  .muted{color:#656d76;font-size:.9rem}
  label{display:block;margin:1rem 0 .25rem;font-weight:600;font-size:.9rem}
  input{width:100%;padding:.6rem .7rem;border:1px solid #c9ccd1;border-radius:8px;font:inherit}
  input:focus{outline:2px solid #7a4dd8;outline-offset:1px}
  button{width:100%;margin-top:1.25rem;padding:.65rem;border:0;border-radius:8px;background:#7a4dd8;color:#fff;
    font:inherit;font-weight:600;cursor:pointer}
  button:hover{background:#6538c4}
  button.secondary{background:transparent;color:#656d76;margin-top:.5rem}
  button.secondary:hover{background:#f4f1ec}
  .error{background:#fdecea;color:#8a1c12;border-radius:8px;padding:.6rem .8rem;margin-top:1rem}
  ul{padding-left:1.2rem}
  li{margin:.25rem 0}
  code{font-size:.85em;background:#f4f1ec;border-radius:4px;padding:.05rem .3rem}
  dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem .75rem;font-size:.9rem}
  dt{font-weight:600}
  dd{margin:0;word-break:break-word}
`;

/** Wraps page content in the IdP's HTML document. `body` must already be escaped. */
export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Cloakroom dev IdP</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}

/** What the login page shows. */
export interface LoginPageOptions {
  uid: string;
  clientName: string;
  username?: string | undefined;
  error?: string;
  /** Demo credentials to show as a hint: this is a development IdP. */
  hints: readonly { username: string; password: string }[];
}

/** The sign-in form: `username`, `password`, "Sign in". */
export function loginPage(options: LoginPageOptions): string {
  const uid = encodeURIComponent(options.uid);
  const error = options.error ? `<p class="error" role="alert">${escapeHtml(options.error)}</p>` : '';
  const hints = options.hints
    .map((hint) => `<code>${escapeHtml(hint.username)}</code> / <code>${escapeHtml(hint.password)}</code>`)
    .join(', ');
  return layout(
    'Sign in',
    `<h1>Sign in</h1>
<p class="muted">to continue to ${escapeHtml(options.clientName)}</p>
${error}
<form method="post" action="/interaction/${uid}/login" autocomplete="on">
  <label for="username">Username</label>
  <input id="username" name="username" autocomplete="username" required autofocus value="${escapeHtml(options.username ?? '')}">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit">Sign in</button>
</form>
<form method="post" action="/interaction/${uid}/abort">
  <button type="submit" class="secondary">Cancel</button>
</form>
<p class="muted">Demo users: ${hints}</p>`,
  );
}

/** What the second-factor page shows. */
export interface OneTimeCodePageOptions {
  uid: string;
  clientName: string;
  userName: string;
  error?: string;
  /** The user's demo code, shown as a hint: this is a development IdP. */
  hint: string;
}

/** The second factor: `code` (a one-time code), "Verify". */
export function oneTimeCodePage(options: OneTimeCodePageOptions): string {
  const uid = encodeURIComponent(options.uid);
  const error = options.error ? `<p class="error" role="alert">${escapeHtml(options.error)}</p>` : '';
  return layout(
    'Verify it is you',
    `<h1>Verify it is you</h1>
<p class="muted">${escapeHtml(options.clientName)} asks for a second factor for ${escapeHtml(options.userName)}.</p>
${error}
<form method="post" action="/interaction/${uid}/otp" autocomplete="off">
  <label for="code">One-time code</label>
  <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus>
  <button type="submit">Verify</button>
</form>
<form method="post" action="/interaction/${uid}/abort">
  <button type="submit" class="secondary">Cancel</button>
</form>
<p class="muted">Demo code: <code>${escapeHtml(options.hint)}</code></p>`,
  );
}

/** What the consent page shows. */
export interface ConsentPageOptions {
  uid: string;
  clientName: string;
  userName: string;
  /** Requested OIDC scopes not yet granted. */
  scopes: readonly string[];
  /** Requested resource scopes not yet granted, by resource indicator. */
  resources: Readonly<Record<string, readonly string[]>>;
}

const SCOPE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  openid: 'Sign you in',
  profile: 'See your name and username',
  email: 'See your email address',
  offline_access: 'Stay signed in while you are away',
  'orders:read': 'Read your orders',
  'orders:write': 'Place orders for you',
  'reports:read': 'Read your reports',
};

function describeScope(scope: string): string {
  const description = SCOPE_DESCRIPTIONS[scope];
  return description
    ? `${escapeHtml(description)} <span class="muted">(<code>${escapeHtml(scope)}</code>)</span>`
    : `<code>${escapeHtml(scope)}</code>`;
}

/** The consent form: lists the requested scopes, "Allow". */
export function consentPage(options: ConsentPageOptions): string {
  const uid = encodeURIComponent(options.uid);
  const scopes = options.scopes.map((scope) => `<li>${describeScope(scope)}</li>`).join('');
  const resources = Object.entries(options.resources)
    .map(
      ([indicator, scopesOfResource]) => `<p class="muted">At <code>${escapeHtml(indicator)}</code>:</p>
<ul>${scopesOfResource.map((scope) => `<li>${describeScope(scope)}</li>`).join('')}</ul>`,
    )
    .join('');
  return layout(
    'Allow access',
    `<h1>Allow access?</h1>
<p><strong>${escapeHtml(options.clientName)}</strong> wants to act for <strong>${escapeHtml(options.userName)}</strong>:</p>
${scopes ? `<ul>${scopes}</ul>` : ''}
${resources}
<form method="post" action="/interaction/${uid}/confirm">
  <button type="submit">Allow</button>
</form>
<form method="post" action="/interaction/${uid}/abort">
  <button type="submit" class="secondary">Deny</button>
</form>`,
  );
}

/**
 * The RP-initiated logout confirmation. `form` is oidc-provider's own (empty) form carrying the xsrf
 * field; the buttons go inside it so that a plain HTML form parser sees a complete form.
 */
export function logoutPage(form: string, host: string): string {
  const buttons = `<button type="submit" name="logout" value="yes" autofocus>Sign out</button>
<button type="submit" class="secondary">Stay signed in</button>`;
  const complete = form.includes('</form>') ? form.replace('</form>', `${buttons}</form>`) : `${form}${buttons}`;
  return layout(
    'Sign out',
    `<h1>Sign out?</h1>
<p class="muted">You are signed in at ${escapeHtml(host)}.</p>
${complete}`,
  );
}

/** Shown after a logout that has no (registered) post-logout redirect. */
export function postLogoutPage(clientName: string | undefined): string {
  return layout(
    'Signed out',
    `<h1>Signed out</h1>
<p>You have signed out${clientName ? ` of ${escapeHtml(clientName)}` : ''}. You can close this page.</p>`,
  );
}

/** An error page listing `error` / `error_description` (all values escaped). */
export function errorPage(title: string, details: Readonly<Record<string, string | undefined>>): string {
  const rows = Object.entries(details)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `<dt>${escapeHtml(key)}</dt><dd>${escapeHtml(value)}</dd>`)
    .join('');
  return layout(title, `<h1>${escapeHtml(title)}</h1>${rows ? `<dl>${rows}</dl>` : ''}`);
}
