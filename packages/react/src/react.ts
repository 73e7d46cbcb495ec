// The React functions the package uses, imported here once: a bundler then emits one `import … from 'react'`
// for the whole package instead of one per file (the SDK has a size budget, see test/size.test.ts).
export { createContext, createElement, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
