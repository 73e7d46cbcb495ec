import { useSession } from '@cloakroom/react';
import type { DemoUser } from '../demo-user.js';

/** The session's claims, as `GET /bff/session` gives them: claims only, never a token. */
export function ProfilePanel() {
  const { user, expiresAt, acr, authTime } = useSession<DemoUser>();
  if (!user) return null;
  return (
    <section className="panel" aria-labelledby="profile-title" data-testid="profile">
      <h2 id="profile-title">Your profile</h2>
      <dl className="claims">
        <dt>Subject</dt>
        <dd>
          <code>{user.sub}</code>
        </dd>
        <dt>Email</dt>
        <dd>
          {user.email ?? '—'} {user.email_verified && <span className="muted">(verified)</span>}
        </dd>
        <dt>Signed in with</dt>
        <dd>
          <code data-testid="profile-acr">{acr ?? '—'}</code>
        </dd>
        <dt>Authenticated</dt>
        <dd>{authTime === null ? '—' : new Date(authTime * 1000).toLocaleString()}</dd>
        <dt>Session ends</dt>
        <dd>{expiresAt === null ? '—' : new Date(expiresAt * 1000).toLocaleString()}</dd>
      </dl>
      <details>
        <summary>All claims</summary>
        <pre>{JSON.stringify(user, null, 2)}</pre>
      </details>
    </section>
  );
}
