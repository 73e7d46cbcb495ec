import type { NextConfig } from 'next';

const config: NextConfig = {
  turbopack: {
    // In this repository only: the workspace's packages load from their TypeScript sources (their
    // `source` export condition, which Turbopack has no setting for). An app that installs them from
    // npm gets their built JavaScript and needs none of this.
    resolveAlias: {
      '@cloakroom/bff': '../../packages/bff/src/index.ts',
      '@cloakroom/client': '../../packages/client/src/index.ts',
      '@cloakroom/react': '../../packages/react/src/index.ts',
    },
  },
};

export default config;
