import type { TokenSpaEnv } from '../config.js';

declare global {
  // Vite's way to type `import.meta.env`: merge into its interface. The values come from
  // `tokenSpaViteConfig` (config.ts).
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface ImportMetaEnv extends Readonly<TokenSpaEnv> {}
}
