import { fileURLToPath } from 'node:url';
import { describeExample, onNext } from '@cloakroom/runtime-matrix/examples';
import { expect, it } from 'vitest';

describeExample(onNext(fileURLToPath(new URL('..', import.meta.url))), {}, (stack) => {
  it('serves the React page beside the route handlers', async () => {
    const response = await fetch(`${stack().origin}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<title>Cloakroom on Next.js</title>');
  });
});
