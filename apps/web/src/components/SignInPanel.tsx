/** What a signed-out visitor sees (inside <SignedOut>: never during the first session check). */
export function SignInPanel({ onSignIn }: { onSignIn: () => void }) {
  return (
    <section className="panel" aria-labelledby="sign-in-title">
      <h2 id="sign-in-title">You are signed out</h2>
      <p>Sign in to see your orders. Your tokens stay with the BFF; this page only ever holds a cookie.</p>
      <button type="button" className="primary" data-testid="sign-in" onClick={onSignIn}>
        Sign in
      </button>
    </section>
  );
}
