/**
 * The instrumentation scope of the BFF's spans and metrics: this package and its version (kept by
 * hand, as the package's own `package.json` is outside what it compiles; a unit test compares them).
 */
export const INSTRUMENTATION_SCOPE = { name: '@cloakroom/bff', version: '0.1.0' } as const;
